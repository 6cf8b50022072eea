"""Codes that must work once also work once when two requests race."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import MFAError, mfa_backup_codes_regenerate, mfa_verify

from .factories import TEST_PASSWORD, UserFactory


def current_code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def race(code: str, user, monkeypatch, slow_point) -> list:
    """Run two verifications of one code at the same time; both read the
    device before either writes."""
    barrier = threading.Barrier(2, timeout=10)
    original = slow_point[1]
    waited = threading.local()

    def slowed(*args, **kwargs):
        if not getattr(waited, "once", False):  # the first call in each thread
            waited.once = True
            barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(slow_point[0], slow_point[2], slowed)
    results = []

    def attempt():
        try:
            results.append(mfa_verify(user=user, code=code) is not None)
        except MFAError:
            results.append(False)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_one_app_code_passes_once_under_a_race(monkeypatch):
    from accounts.services import mfa as mfa_module

    user = UserFactory(agent=True)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    results = race(
        current_code(device),
        user,
        monkeypatch,
        (mfa_module, mfa_module._refused_message, "_refused_message"),
    )
    assert results == [False, True]


@pytest.mark.django_db(transaction=True)
def test_one_backup_code_passes_once_under_a_race(monkeypatch):
    from accounts.services import mfa as mfa_module

    user = UserFactory()
    code = mfa_backup_codes_regenerate(user=user)[0]
    results = race(
        code,
        user,
        monkeypatch,
        (mfa_module, mfa_module._refused_message, "_refused_message"),
    )
    assert results == [False, True]


@pytest.mark.django_db
def test_guessing_the_password_to_turn_mfa_off_locks_the_account(
    client, verify, settings
):
    settings.MFA_REQUIRED_ROLES = []
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    user.mfa_enabled = True
    user.save()
    client.force_login(user)
    verify(client, user)
    url = reverse("accounts:mfa_disable")
    for guess in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"password": f"guess-{guess}", "code": "000000"})
    # Locked out now: the right password is refused like a wrong one (so the
    # page no longer tells them apart), and signing in is locked too.
    client.post(url, {"password": TEST_PASSWORD, "code": "000000"})
    user.refresh_from_db()
    assert user.mfa_enabled
    client.logout()
    login = client.post(
        reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD}
    )
    assert login.status_code == 429


def race_wrong_codes(user, code: str, monkeypatch, attempts: int = 16) -> list[str]:
    """``attempts`` wrong codes at once, all of them past their read of the
    device before any of them writes. Returns each attempt's error code."""
    from accounts.services import mfa as mfa_module

    barrier = threading.Barrier(attempts, timeout=20)
    original = mfa_module._refused_message
    waited = threading.local()

    def slowed(device):
        refused = original(device)
        if not getattr(waited, "once", False):
            waited.once = True
            barrier.wait()
        return refused

    monkeypatch.setattr(mfa_module, "_refused_message", slowed)
    outcomes: list[str] = []

    def attempt():
        try:
            mfa_verify(user=user, code=code)
            outcomes.append("passed")
        except MFAError as error:
            outcomes.append(error.code)
        except threading.BrokenBarrierError:
            outcomes.append("barrier")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_app_codes_each_count(monkeypatch):
    """16 wrong codes at once: every code that was checked is counted, so
    the throttle sees 16 tries, not one (the others are refused unchecked)."""
    user = UserFactory(agent=True)
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    wrong = f"{(int(current_code(device)) + 1) % 10**6:06d}"
    outcomes = race_wrong_codes(user, wrong, monkeypatch)
    device.refresh_from_db()
    assert len(outcomes) == 16 and "passed" not in outcomes
    assert device.throttling_failure_count >= 1
    assert outcomes.count("wrong_code") == device.throttling_failure_count
    assert outcomes.count("throttled") == 16 - device.throttling_failure_count


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_backup_codes_each_count(monkeypatch):
    from django_otp.plugins.otp_static.models import StaticDevice

    user = UserFactory()
    mfa_backup_codes_regenerate(user=user)
    outcomes = race_wrong_codes(user, "00000-00001", monkeypatch)
    device = StaticDevice.objects.get(user=user)
    assert len(outcomes) == 16 and "passed" not in outcomes
    assert device.throttling_failure_count >= 1
    assert outcomes.count("wrong_code") == device.throttling_failure_count
    assert outcomes.count("throttled") == 16 - device.throttling_failure_count


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_enrolment_codes_each_count(monkeypatch):
    """16 guesses of an emailed enrolment code at once: no more than the
    allowed tries are checked, however they arrive."""
    from accounts.models import MFAEnrolmentCode
    from accounts.services import mfa_enrolment
    from accounts.services.mfa_enrolment import (
        MAX_ATTEMPTS,
        EnrolmentCodeError,
        mfa_enrolment_code_check,
    )

    user = UserFactory(agent=True)
    MFAEnrolmentCode.objects.create(
        user=user,
        code_hash=mfa_enrolment._hash(user, "123456"),
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    barrier = threading.Barrier(16, timeout=20)
    original = mfa_enrolment._count_try

    def slowed(row):
        barrier.wait()  # every guess has read the row before any counts
        return original(row)

    monkeypatch.setattr(mfa_enrolment, "_count_try", slowed)
    outcomes: list[str] = []

    def attempt(guess: int):
        try:
            mfa_enrolment_code_check(user=user, code=f"{guess:06d}")
            outcomes.append("passed")
        except EnrolmentCodeError as error:
            outcomes.append(error.code)
        except threading.BrokenBarrierError:
            outcomes.append("not checked")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    row = MFAEnrolmentCode.objects.get()
    assert "passed" not in outcomes
    assert outcomes.count("wrong_code") <= MAX_ATTEMPTS
    assert row.attempts == outcomes.count("wrong_code") + outcomes.count("not checked")
