"""Is this request from Teams, and is it recent?

Teams signs every outgoing-webhook request with the security token it showed
once when the webhook was created (Microsoft Learn, "Create Outgoing
Webhooks", "Verify the outgoing webhook HMAC token"): the header is
``Authorization: HMAC <base64 of HMAC-SHA256(key, body)>`` where the key is
the base64-decoded token and the body is the raw request body, byte for byte.
Nothing in the request is read before that check passes.

A signed body can still be sent again later by whoever saw it; the activity
timestamp must be within ``TEAMS_ACTIVITY_MAX_AGE_SECONDS`` of now (either
way), and the activity id is recorded once per connector (``commands``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.dateparse import parse_datetime

from helpdesk.errors import ApplicationError

from ..models import TeamsConnector

REFUSED = "This request is not signed by this Teams connector."
STALE = "This message is too old or dated in the future."


class TeamsAuthError(ApplicationError):
    """The request is not from Teams (signature) or not recent (timestamp).
    One message per kind, never saying which part failed."""

    code = "teams_unauthorized"
    status_code = 401


def activity_signature(*, secret: str, body: bytes) -> str:
    """The ``Authorization`` value Teams sends for ``body`` under ``secret``
    (the base64 security token): ``HMAC <base64>``. ValueError when the
    secret is not base64."""
    key = base64.b64decode(secret.encode("ascii"), validate=True)
    digest = hmac.new(key, body, hashlib.sha256).digest()
    return "HMAC " + base64.b64encode(digest).decode("ascii")


def _sent_digest(authorization: str | None) -> bytes | None:
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "hmac" or not value.strip():
        return None
    try:
        return base64.b64decode(value.strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def activity_verify(
    *, connector: TeamsConnector, body: bytes, authorization: str | None
) -> None:
    """Return when ``authorization`` is the HMAC Teams makes of ``body`` with
    the connector's outgoing secret; raise TeamsAuthError otherwise: header
    missing or garbled, another signature, the connector switched off or
    without a secret, or a secret that no longer decrypts. The digests are
    compared in constant time (``hmac.compare_digest``)."""
    sent = _sent_digest(authorization)
    if sent is None or not connector.active:
        raise TeamsAuthError(REFUSED)
    try:
        secret = connector.outgoing_secret
        key = base64.b64decode(secret.encode("ascii"), validate=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise TeamsAuthError(REFUSED) from None
    if not key:
        raise TeamsAuthError(REFUSED)
    expected = hmac.new(key, body, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, sent):
        raise TeamsAuthError(REFUSED)


def activity_time(activity: dict) -> datetime | None:
    """When the activity was sent: its ``timestamp`` (ISO 8601, UTC in
    practice), else its ``localTimestamp`` (ISO 8601 with an offset); None
    when neither is an aware date and time."""
    for key in ("timestamp", "localTimestamp"):
        raw = activity.get(key)
        if raw is None:
            continue
        if not isinstance(raw, str) or len(raw) > 64:
            return None
        text = raw.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = parse_datetime(text)
        except ValueError:
            return None
        if moment is None or moment.tzinfo is None:
            return None
        return moment
    return None


def activity_fresh(activity: dict, now: datetime) -> None:
    """Raise TeamsAuthError unless the activity's time is within
    ``TEAMS_ACTIVITY_MAX_AGE_SECONDS`` of ``now``, before or after (a clock
    a little ahead is fine, a message dated later is not). A missing or
    unreadable time is refused: a replay could otherwise leave it out."""
    moment = activity_time(activity)
    allowed = timedelta(seconds=settings.TEAMS_ACTIVITY_MAX_AGE_SECONDS)
    if moment is None or abs(now - moment) > allowed:
        raise TeamsAuthError(STALE)
