"""Encrypting secrets at rest: mailbox passwords, Teams webhook URLs and
secrets, webhook signing secrets (Fernet, from the cryptography package)."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.MAILBOX_ENCRYPTION_KEY
    if not key:
        digest = hashlib.sha256(f"mailbox:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    """The secret, or ValueError with a clear message when the key changed
    since it was saved."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "This secret cannot be decrypted: MAILBOX_ENCRYPTION_KEY "
            "(or DJANGO_SECRET_KEY) changed since it was saved. Enter it again."
        ) from error
