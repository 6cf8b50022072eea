"""Two-factor authentication with django-otp: an authenticator app (TOTP) and
ten single-use backup codes (a static device)."""

import secrets
import time

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_otp.models import Device, VerifyNotAllowed
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKey, User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError

BACKUP_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


class MFAError(ApplicationError):
    code = "mfa_error"


def mfa_has_device(user: User) -> bool:
    """True when the user has finished enrolling an authenticator app (kept on
    the user row, so the check on every request costs no query)."""
    return user.mfa_enabled


def mfa_required(user: User) -> bool:
    """Whether the user's role must use two-factor authentication."""
    return user.is_authenticated and user.role in settings.MFA_REQUIRED_ROLES


def session_owes_second_factor(user: User) -> bool:
    """A signed-in user whose session has not passed the second step though
    it must: they have an authenticator, or their role requires one."""
    return not user.is_verified() and (mfa_has_device(user) or mfa_required(user))


def second_factor_passed(user: User, api_key: ApiKey | None = None) -> bool:
    """The one check for what needs a proven second factor (admin operations,
    creating API keys), whatever MFA_REQUIRED_ROLES says.

    A browser session passes once django-otp marked it verified. A key or a
    sign-in token passes when it was made behind a second factor (keys are
    created only from verified sessions; tokens against a code); keys made
    before that rule existed (``second_factor`` False) do not.
    """
    if not user.is_authenticated:
        return False
    if api_key is not None:
        return api_key.second_factor
    return user.is_verified()


@atomic
def mfa_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the enrolment page shows; the same one on
    every visit until it is confirmed, so a scanned code stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def _refused_message(device: Device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    if data and data.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        wait = max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
        return (
            f"Too many wrong codes. Wait {wait} second{'s' if wait != 1 else ''} "
            "before you try again."
        )
    return (data or {}).get("error_message") or "Codes cannot be checked right now."


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def mfa_confirm(*, user: User, code: str) -> list[str]:
    """Activate the pending authenticator once its code checks out, and issue
    backup codes. Returns the codes: they are shown once.

    Not one transaction: a wrong code's throttling count must be saved even
    though the call fails.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise MFAError("Start the set-up again: there is no authenticator to confirm.")
    refused = _refused_message(device) or _claim_attempt(device)
    if refused:
        raise MFAError(refused, code="throttled")
    if not _verify_app_code(device, _clean(code)):
        raise MFAError(
            "That code is not right. Check the time on your phone and retry."
        )
    return _mfa_activate(user=user, device=device)


@atomic
def _mfa_activate(*, user: User, device: TOTPDevice) -> list[str]:
    """The all-or-nothing half of ``mfa_confirm``: the device confirmed, the
    user's flag set and the backup codes issued together, or none of them."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    user.mfa_enabled = True
    user.save(update_fields=["mfa_enabled", "updated_at"])
    user.confirmed_device = device
    return mfa_backup_codes_regenerate(user=user)


def mfa_backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@atomic
def mfa_backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace every backup code with ten new ones; return them to show once."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**10):010d}" for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=code) for code in codes]
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _claim_attempt(device: Device) -> str | None:
    """Count this attempt as a failure before its code is checked, in one
    conditional update on the throttling columns as they were read; None when
    the attempt is ours to check, else why it is refused.

    django-otp reads the count, checks the code, then saves count + 1, so
    parallel wrong codes all pass the throttle and count as one. Here only one
    of the attempts that read the same count wins the update; the others are
    refused unchecked, as the throttle would have refused them had they come
    one after another. A right code resets the count afterwards. Portable: a
    compare-and-set through the ORM, no row locks.
    """
    claimed = (
        type(device)
        .objects.filter(
            pk=device.pk,
            throttling_failure_count=device.throttling_failure_count,
            throttling_failure_timestamp=device.throttling_failure_timestamp,
        )
        .update(
            throttling_failure_count=F("throttling_failure_count") + 1,
            throttling_failure_timestamp=timezone.now(),
        )
    )
    if claimed:
        return None
    device.refresh_from_db(
        fields=["throttling_failure_count", "throttling_failure_timestamp"]
    )
    return _refused_message(device) or "Another code is being checked; retry."


def _verify_app_code(device: TOTPDevice, code: str) -> bool:
    """Check an app code and consume its time step in one conditional update,
    so two requests racing with the same code cannot both pass (django-otp's
    own check reads, then saves). The attempt was counted beforehand by
    ``_claim_attempt``; a right code clears that count."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if code.isdigit() and totp.verify(int(code), device.tolerance, device.last_t + 1):
        step = totp.t()
        return bool(
            TOTPDevice.objects.filter(pk=device.pk, last_t__lt=step).update(
                last_t=step,
                drift=totp.drift,
                throttling_failure_count=0,
                throttling_failure_timestamp=None,
                last_used_at=timezone.now(),
            )
        )
    return False


def _verify_backup_code(device: StaticDevice, code: str) -> bool:
    """A backup code works once: deleting it is the check, and only one of
    two racing requests can delete the row. The attempt was counted
    beforehand by ``_claim_attempt``; a right code clears that count."""
    deleted, _ = StaticToken.objects.filter(device=device, token=code).delete()
    if deleted:
        StaticDevice.objects.filter(pk=device.pk).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        return True
    return False


def mfa_verify(*, user: User, code: str) -> Device:
    """The device that accepts this code: the app's six digits or an unused
    backup code. A used code cannot be replayed, also not by two requests at
    once, and every wrong code counts towards the throttle, also when many
    arrive at once."""
    code = _clean(code)
    if len(code) == 6:
        devices: list[Device] = list(
            TOTPDevice.objects.filter(user=user, confirmed=True)
        )
        verify = _verify_app_code
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
        verify = _verify_backup_code
    if not devices:
        raise MFAError("This account has no second factor.", code="no_device")
    for device in devices:
        refused = _refused_message(device) or _claim_attempt(device)
        if refused:
            raise MFAError(refused, code="throttled")
        if verify(device, code):
            return device
    raise MFAError("That code is not right.", code="wrong_code")


def mfa_disable(
    *, user: User, password: str, code: str, request: HttpRequest | None = None
) -> None:
    """Turn two-factor authentication off: needs the password and a code.

    The password goes through authenticate(), so wrong guesses count towards
    the login lockout like any other; the code check commits its throttling
    count whatever happens next.
    """
    if authenticate(request, username=user.email, password=password) != user:
        raise MFAError("That password is not right.", code="wrong_password")
    if mfa_required(user):
        raise MFAError(
            "Your role must use two-factor authentication; it cannot be turned off.",
            code="required",
        )
    mfa_verify(user=user, code=code)
    with atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        user.mfa_enabled = False
        user.save(update_fields=["mfa_enabled", "updated_at"])
