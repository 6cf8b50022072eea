"""Codes that must work once also work once when two requests race."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
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

    def slowed(*args, **kwargs):
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
        (mfa_module, mfa_module._verify_app_code, "_verify_app_code"),
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
        (mfa_module, mfa_module._verify_backup_code, "_verify_backup_code"),
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
