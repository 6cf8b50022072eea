"""Signed links that prove someone reads an address."""

from django.core import signing

from .models import User

SALT = "accounts.confirm-email"
MAX_AGE_SECONDS = 3 * 24 * 60 * 60


def email_token_make(user: User) -> str:
    """A token for this user and address; it stops working when either changes
    or after three days."""
    return signing.dumps({"u": str(user.pk), "e": user.email}, salt=SALT)


def email_token_check(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("u"), email=data.get("e")).first()
