"""Which values of DJANGO_SECRET_KEY production refuses, and why.

The key signs sessions, password-reset links and CSRF tokens: anyone who
knows it can forge them. Refused are keys Django's own deploy check calls
weak (shorter than 50 characters, fewer than 5 different characters, Django's
``django-insecure-`` placeholder) and every key written in this project's
files, however long, because those are published with the source.
"""

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
HOW_TO_MAKE_ONE = (
    'generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
)


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not sign anything in production, or None if it may.

    The answer never contains the key itself (it ends up in logs).
    """
    if key in KNOWN_KEYS:
        return "is published in the project's files"
    if key.startswith("django-insecure-"):
        return "starts with django-insecure-, Django's placeholder"
    if len(key) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return f"has fewer than {MIN_UNIQUE_CHARACTERS} different characters"
    return None
