"""The step before a first authenticator is enrolled: a one-time code sent to
the account's email address.

Without it, whoever has the password of an account that has not enrolled
yet (agents and admins are made to enrol on their first sign-in) could bind
their own phone to it and own the account for good. The code proves the
person at the keyboard also reads the account's mail.
"""

import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import MFAEnrolmentCode, User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
SEND_INTERVAL = timedelta(seconds=60)
SENDS_PER_HOUR = 5


class EnrolmentCodeError(ApplicationError):
    code = "enrolment_code"


def _hash(user: User, code: str) -> str:
    """Keyed with SECRET_KEY and the user, so a copy of the table gives no
    code away (six digits would fall to a plain hash at once)."""
    return salted_hmac(
        "accounts.mfa_enrolment_code", f"{user.pk}:{code}", algorithm="sha256"
    ).hexdigest()


def mfa_enrolment_code_send(*, user: User) -> None:
    """Email a new six-digit code (valid CODE_MINUTES, for MAX_ATTEMPTS tries)
    to ``user.email``; earlier unused codes stop working.

    Throttled per user: one email a minute and SENDS_PER_HOUR an hour, so the
    page cannot be used to flood an inbox. The email leaves after commit
    through the accounts.tasks.send_mfa_enrolment_code task; the raw code
    travels in that task's arguments once and is never stored.

    Raises EnrolmentCodeError(code="throttled") when asked too often.
    """
    from accounts.tasks import send_mfa_enrolment_code

    now = timezone.now()
    recent = MFAEnrolmentCode.objects.filter(
        user=user, created_at__gt=now - timedelta(hours=1)
    )
    latest = recent.order_by("-created_at").first()
    if latest is not None and now - latest.created_at < SEND_INTERVAL:
        wait = int((latest.created_at + SEND_INTERVAL - now).total_seconds()) + 1
        raise EnrolmentCodeError(
            f"We just sent a code. Wait {wait} seconds before you ask for another.",
            code="throttled",
        )
    if recent.count() >= SENDS_PER_HOUR:
        raise EnrolmentCodeError(
            "Too many codes asked for; wait an hour and try again.", code="throttled"
        )
    code = f"{secrets.randbelow(10**6):06d}"
    with atomic():
        MFAEnrolmentCode.objects.filter(user=user, used_at=None).update(used_at=now)
        MFAEnrolmentCode.objects.create(
            user=user,
            code_hash=_hash(user, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
        transaction.on_commit(lambda: send_mfa_enrolment_code.delay(str(user.pk), code))


def _count_try(row: MFAEnrolmentCode) -> bool:
    """Count one try of ``row`` as read, before its code is compared: a
    compare-and-set on the count, so of tries that read the same count only
    one goes on. False when the code is used, expired or out of tries."""
    return bool(
        MFAEnrolmentCode.objects.filter(
            pk=row.pk,
            attempts=row.attempts,
            attempts__lt=MAX_ATTEMPTS,
            used_at=None,
            expires_at__gt=timezone.now(),
        ).update(attempts=F("attempts") + 1)
    )


def mfa_enrolment_code_check(*, user: User, code: str) -> None:
    """Accept the user's latest emailed code, once.

    Each try is counted before the code is compared, in one conditional
    update, so parallel guesses cannot share a count; after MAX_ATTEMPTS the
    code is dead. Using it marks it used in another conditional update: two
    requests with the right code cannot both pass.

    Raises EnrolmentCodeError: "wrong_code" or "expired" (no live code: never
    sent, used, expired or out of tries).
    """
    expired = EnrolmentCodeError(
        "This code no longer works. Ask for a new code.", code="expired"
    )
    now = timezone.now()
    live = MFAEnrolmentCode.objects.filter(
        user=user, used_at=None, expires_at__gt=now, attempts__lt=MAX_ATTEMPTS
    )
    row = live.order_by("-created_at").first()
    if row is None:
        raise expired
    if not _count_try(row):
        raise expired  # another try took this turn, or the last one
    cleaned = "".join(code.split())
    if not hmac.compare_digest(row.code_hash, _hash(user, cleaned)):
        raise EnrolmentCodeError("That code is not right.", code="wrong_code")
    if not MFAEnrolmentCode.objects.filter(pk=row.pk, used_at=None).update(
        used_at=timezone.now()
    ):
        raise expired
