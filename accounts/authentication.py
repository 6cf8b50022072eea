"""Who is calling with an API key."""

import hmac
from datetime import timedelta

from django.utils import timezone

from accounts.models import ApiKey, User
from accounts.services.api_keys import (
    KEY_PREFIX,
    PREFIX_ALPHABET,
    PREFIX_LENGTH,
    can_have_api_keys,
    hash_secret,
)

# A key's "last used" is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)
_DUMMY_HASH = hash_secret("no key has this secret")


def authenticate_api_key(raw: str) -> tuple[User, ApiKey] | None:
    """The user and key for a raw key, or None.

    Refuses malformed, unknown, revoked and expired keys and inactive users.
    The secret is compared in constant time, and an unknown prefix costs the
    same comparison, so timing does not tell which part was wrong.
    """
    raw = (raw or "").strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) <= len(KEY_PREFIX) + PREFIX_LENGTH:
        return None
    prefix = raw[len(KEY_PREFIX) : len(KEY_PREFIX) + PREFIX_LENGTH]
    secret = raw[len(KEY_PREFIX) + PREFIX_LENGTH :]
    if any(char not in PREFIX_ALPHABET for char in prefix):
        return None  # never a key of ours, and no query with odd bytes in it
    key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    expected = key.secret_hash if key is not None else _DUMMY_HASH
    if not hmac.compare_digest(expected, hash_secret(secret)) or key is None:
        return None
    if not key.is_active or not can_have_api_keys(key.user):
        # Revoked, expired, an inactive user, or one whose role or the
        # API_KEYS_FOR_CUSTOMERS setting no longer allows keys.
        return None
    if key.kind == ApiKey.Kind.TOKEN and not hmac.compare_digest(
        key.session_hash, key.user.get_session_auth_hash()
    ):
        # A sign-in token lives like a session: a new password, a confirmed
        # address or "sign out other sessions" ends it.
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key.user, key
