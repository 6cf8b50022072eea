"""API keys: created with scopes and an optional expiry, shown once, revocable."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import ApiKey, User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError, PermissionDeniedError

KEY_PREFIX = "hdk_"
PREFIX_LENGTH = 8
PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def hash_secret(secret: str) -> str:
    """SHA-256 is enough here: the secret is 256 random bits, not a password."""
    return hashlib.sha256(secret.encode()).hexdigest()


def can_have_api_keys(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_agent or settings.API_KEYS_FOR_CUSTOMERS


def _key_create(
    *,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: datetime | None,
    kind: str,
    second_factor: bool = False,
    session_hash: str = "",
) -> tuple[ApiKey, str]:
    if not can_have_api_keys(user):
        raise PermissionDeniedError("Your account cannot have API keys.")
    scopes = [scope for scope in ApiKey.Scope.values if scope in set(scopes)]
    if not scopes:
        raise ApplicationError("Choose at least one scope.", code="scope_required")
    if not name.strip():
        raise ApplicationError("Give the key a name.", code="name_required")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError("The expiry must be in the future.", code="expired")
    secret = secrets.token_urlsafe(32)
    try_again = ApplicationError("Could not create a key; please try again.")
    for _ in range(5):
        prefix = "".join(secrets.choice(PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    else:
        raise try_again
    try:
        with atomic():
            key = ApiKey.objects.create(
                user=user,
                name=name.strip()[:100],
                prefix=prefix,
                secret_hash=hash_secret(secret),
                scopes=",".join(scopes),
                expires_at=expires_at,
                kind=kind,
                second_factor=second_factor,
                session_hash=session_hash,
            )
    except IntegrityError as error:  # the same prefix a moment ago: block fails
        raise try_again from error
    return key, f"{KEY_PREFIX}{prefix}{secret}"


@atomic
def api_key_create(
    *,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; return it with the full secret, which is never stored.
    Callers make sure the session passed a second factor
    (``second_factor_passed``), so the key records that it did; keys made
    before that rule existed do not, and cannot do admin operations."""
    return _key_create(
        user=user,
        name=name,
        scopes=scopes,
        expires_at=expires_at,
        kind=ApiKey.Kind.KEY,
        second_factor=True,
    )


def token_sign_in_allowed(user: User) -> bool:
    """May this account be issued a sign-in token at all: the web sign-in's
    rule (``accounts.backends.AccountBackend``), checked again here because
    the token is a credential of its own. Active, and not a self-registered
    account whose address is unconfirmed (a token would show it what is
    addressed to an address it has not proved)."""
    return user.is_active and not user.awaiting_confirmation


@atomic
def api_token_create(
    *, user: User, scopes: list[str], second_factor: bool
) -> tuple[ApiKey, str]:
    """A sign-in token: an API key row of kind "token" that expires after
    API_TOKEN_TTL_MINUTES, with the same scopes and revocation as a key.
    ``second_factor`` records that a code was checked when it was issued
    (admin operations need it). Returns the row and the full token, which is
    never stored. The user's expired tokens are deleted on the way, so the
    rows do not pile up sign-in after sign-in. Like a session, the token
    ends when its user's session hash changes (a new password, a confirmed
    address, "sign out other sessions")."""
    now = timezone.now()
    ApiKey.objects.filter(
        user=user, kind=ApiKey.Kind.TOKEN, expires_at__lt=now
    ).delete()
    expires_at = now + timedelta(minutes=settings.API_TOKEN_TTL_MINUTES)
    return _key_create(
        user=user,
        name=f"Sign-in token {timezone.now():%Y-%m-%d %H:%M}",
        scopes=scopes,
        expires_at=expires_at,
        kind=ApiKey.Kind.TOKEN,
        second_factor=second_factor,
        session_hash=user.get_session_auth_hash(),
    )


@atomic
def api_key_revoke(*, actor: User, key: ApiKey) -> ApiKey:
    """Revoke a key at once; revoking twice is harmless."""
    if key.user_id != actor.pk and not actor.is_admin:
        raise PermissionDeniedError("You can only revoke your own keys.")
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
    return key
