"""The first enrolment of an authenticator needs more than the password: a
one-time code sent to the account's email address. A stolen password alone
cannot bind the attacker's phone to the account."""

import base64
import re
from datetime import timedelta

import pyotp
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import mfa_device_pending

from .factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

MFA = reverse("accounts:mfa")


def send_code(client, capture) -> str:
    """Ask for an email code; return the code the email carries."""
    before = len(mail.outbox)
    with capture(execute=True):
        client.post(MFA, {"action": "send"})
    assert len(mail.outbox) == before + 1
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def prove_email(client, capture) -> None:
    code = send_code(client, capture)
    response = client.post(MFA, {"action": "email_code", "code": code})
    assert response.status_code == 302 and response.url == MFA


def signed_in_with_password(client, user) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302


@pytest.fixture
def agent_user():
    return UserFactory(agent=True)


def test_a_password_only_session_sees_no_qr_code(client, agent_user):
    signed_in_with_password(client, agent_user)
    page = client.get(MFA)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" not in body and 'id="totp-secret"' not in body
    assert "Email me a code" in body
    assert not TOTPDevice.objects.filter(user=agent_user).exists()


def test_a_password_only_session_cannot_confirm_an_authenticator(client, agent_user):
    """The forbidden path: skip the email step and post an app code."""
    signed_in_with_password(client, agent_user)
    device = mfa_device_pending(user=agent_user)  # the secret leaked, say
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    response = client.post(MFA, {"code": code})
    assert response.status_code in (200, 403)
    agent_user.refresh_from_db()
    device.refresh_from_db()
    assert not agent_user.mfa_enabled and not device.confirmed


def test_the_emailed_code_opens_the_qr_step(
    client, agent_user, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://help.example.com"
    signed_in_with_password(client, agent_user)
    code = send_code(client, django_capture_on_commit_callbacks)
    message = mail.outbox[-1]
    assert message.to == [agent_user.email]
    assert "https://help.example.com/accounts/mfa/" in message.body
    from accounts.models import MFAEnrolmentCode

    stored = " ".join(
        str(value) for value in MFAEnrolmentCode.objects.values().get().values()
    )
    assert code not in stored  # only a keyed hash is kept
    response = client.post(MFA, {"action": "email_code", "code": code})
    assert response.status_code == 302
    page = client.get(MFA).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    right = client.post(MFA, {"code": pyotp.TOTP(secret.replace(" ", "")).now()})
    assert right.status_code == 200
    agent_user.refresh_from_db()
    assert agent_user.mfa_enabled


def test_an_emailed_code_works_once(
    client, agent_user, django_capture_on_commit_callbacks
):
    signed_in_with_password(client, agent_user)
    code = send_code(client, django_capture_on_commit_callbacks)
    assert client.post(MFA, {"action": "email_code", "code": code}).status_code == 302
    other = UserFactory(agent=True)
    client.logout()
    signed_in_with_password(client, other)
    reused = client.post(MFA, {"action": "email_code", "code": code})
    assert reused.status_code == 200
    assert "<svg" not in client.get(MFA).content.decode()


def test_wrong_codes_are_counted_and_the_code_then_stops_working(
    client, agent_user, django_capture_on_commit_callbacks
):
    signed_in_with_password(client, agent_user)
    code = send_code(client, django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        response = client.post(MFA, {"action": "email_code", "code": wrong})
        assert response.status_code == 200
        assert "not right" in response.content.decode()
    refused = client.post(MFA, {"action": "email_code", "code": code})
    assert refused.status_code == 200
    assert "Ask for a new code" in refused.content.decode()
    assert "<svg" not in client.get(MFA).content.decode()


def test_an_expired_code_is_refused(
    client, agent_user, django_capture_on_commit_callbacks
):
    signed_in_with_password(client, agent_user)
    from accounts.models import MFAEnrolmentCode

    code = send_code(client, django_capture_on_commit_callbacks)
    MFAEnrolmentCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = client.post(MFA, {"action": "email_code", "code": code})
    assert "Ask for a new code" in refused.content.decode()


def test_sending_is_throttled(client, agent_user, django_capture_on_commit_callbacks):
    signed_in_with_password(client, agent_user)
    send_code(client, django_capture_on_commit_callbacks)
    again = client.post(MFA, {"action": "send"})
    assert again.status_code == 200
    assert "Wait" in again.content.decode()
    assert len(mail.outbox) == 1


def test_customers_opting_in_follow_the_same_rule(
    client, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    assert "<svg" not in client.get(MFA).content.decode()
    prove_email(client, django_capture_on_commit_callbacks)
    assert "<svg" in client.get(MFA).content.decode()
