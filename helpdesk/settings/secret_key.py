"""Which values of DJANGO_SECRET_KEY production refuses, and why.

The key signs sessions, password-reset links and CSRF tokens: anyone who
knows it can forge them. Refused are keys Django's own deploy check calls
weak (shorter than 50 characters, fewer than 5 different characters, Django's
``django-insecure-`` placeholder, in any letter case), every key written in
this project's files, however long and wherever it stands inside the value
(those are published with the source), values that say they are placeholders
("insecure", "change me", "not for production"), and values that repeat
themselves: a key that zlib shrinks below 3/4 of its length has far less
randomness than its length suggests ("changeme" * 7, "abcde" * 10).
"""

import zlib

# Every key written in the project's files (settings, .env.example, Dockerfile,
# compose file, README). A test scans those files and fails when one is missing.
KNOWN_KEYS = frozenset(
    {
        "dev-only-insecure-key-change-me",
        "test-only-secret-key-not-for-production",
        "collectstatic-only",
    }
)
MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5
PLACEHOLDER_WORDS = (
    "insecure",
    "changeme",
    "change-me",
    "change_me",
    "not-for-production",
    "placeholder",
)
# token_urlsafe(50) does not shrink at all; token_hex(32) shrinks to about 0.9.
MIN_COMPRESSED_RATIO = 0.75
HOW_TO_MAKE_ONE = (
    'generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
)


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not sign anything in production, or None if it may.

    The answer never contains the key itself (it ends up in logs).
    """
    folded = key.lower()
    if any(known.lower() in folded for known in KNOWN_KEYS):
        return "is published in the project's files"
    if folded.startswith("django-insecure-"):
        return "starts with django-insecure-, Django's placeholder"
    if len(key) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return f"has fewer than {MIN_UNIQUE_CHARACTERS} different characters"
    if any(word in folded for word in PLACEHOLDER_WORDS):
        return "reads like a placeholder (insecure, change me, not for production)"
    if len(zlib.compress(key.encode(), 9)) < MIN_COMPRESSED_RATIO * len(key):
        return "repeats itself: it has far less randomness than its length"
    return None
