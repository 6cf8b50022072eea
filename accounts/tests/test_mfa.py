"""Two-factor authentication: enrolment, the second step, enforcement, the
admin, replay, throttling, backup codes and turning it off."""

import base64
import re
import time

import pyotp
import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import mfa_backup_codes_regenerate, mfa_confirm

from .factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

MFA = reverse("accounts:mfa")
VERIFY = reverse("accounts:mfa_verify")
LOGIN = reverse("accounts:login")


def totp_for(device) -> pyotp.TOTP:
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


def enrolled(user) -> tuple[pyotp.TOTP, list[str]]:
    """A user with a confirmed authenticator; returns its TOTP and backup codes.

    Enrolment consumes the current code, so later sign-ins in the same
    30-second step use the next one (django-otp refuses replays)."""
    from accounts.services import mfa_device_pending

    device = mfa_device_pending(user=user)
    totp = totp_for(device)
    codes = mfa_confirm(user=user, code=totp.now())
    user.refresh_from_db()
    return totp, codes


def password_step(client, user, next_url=""):
    return client.post(
        f"{LOGIN}?next={next_url}" if next_url else LOGIN,
        {"username": user.email, "password": TEST_PASSWORD},
    )


def prove_email(client, capture) -> None:
    """The step before enrolment: the code emailed to the account."""
    from django.core import mail

    with capture(execute=True):
        client.post(MFA, {"action": "send"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert client.post(MFA, {"action": "email_code", "code": code}).status_code == 302


def fresh_code(totp: pyotp.TOTP) -> str:
    """A code for the next time step, which enrolment has not used yet."""
    return totp.at(time.time() + 30)


# --- enrolment --------------------------------------------------------------


def test_enrolment_shows_a_server_drawn_qr_code_and_the_secret(
    client, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    prove_email(client, django_capture_on_commit_callbacks)
    page = client.get(MFA).content.decode()
    assert "<svg" in page and "<path" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=customer)
    assert secret.replace(" ", "") == base64.b32encode(device.bin_key).decode().rstrip(
        "="
    )
    assert not device.confirmed
    # The same secret on every visit until it is confirmed.
    assert secret in client.get(MFA).content.decode()
    assert TOTPDevice.objects.filter(user=customer).count() == 1


def test_enrolment_needs_a_correct_code(
    client, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    prove_email(client, django_capture_on_commit_callbacks)
    client.get(MFA)
    device = TOTPDevice.objects.get(user=customer)

    wrong = client.post(MFA, {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    customer.refresh_from_db()
    assert not device.confirmed and not customer.mfa_enabled

    time.sleep(1.1)  # the wrong code made the next try wait a second
    right = client.post(MFA, {"code": totp_for(device).now()})
    assert right.status_code == 200
    assert "no-store" in right["Cache-Control"]
    codes = re.findall(
        r"<li class=\"col py-1\">(\d{5}-\d{5})</li>", right.content.decode()
    )
    assert len(codes) == 10
    device.refresh_from_db()
    customer.refresh_from_db()
    assert device.confirmed and customer.mfa_enabled
    # The codes are shown once: the management page only counts them.
    manage = client.get(MFA).content.decode()
    assert "10 unused backup codes" in manage
    assert codes[0] not in manage


# --- signing in -------------------------------------------------------------


def test_login_without_a_device_is_one_step(client, customer):
    response = password_step(client, customer)
    assert response.url == reverse("home")
    assert client.get(reverse("tickets:portal_home")).status_code == 200


def test_login_with_a_device_needs_a_code_before_anything(client, customer):
    totp, _ = enrolled(customer)
    response = password_step(client, customer, next_url="/portal/tickets/")
    assert response.url == VERIFY
    # Not signed in yet: the portal sends the visitor to the sign-in page.
    portal = client.get(reverse("tickets:portal_home"))
    assert portal.url.startswith(LOGIN)

    wrong = client.post(VERIFY, {"code": "123456"})
    assert "That code is not right." in wrong.content.decode()
    time.sleep(1.1)
    right = client.post(VERIFY, {"code": fresh_code(totp)})
    assert right.url == "/portal/tickets/"
    assert client.get(reverse("tickets:portal_home")).wsgi_request.user == customer


def test_a_used_code_cannot_be_replayed(client, customer):
    totp, _ = enrolled(customer)
    code = fresh_code(totp)
    password_step(client, customer)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))

    password_step(client, customer)
    replay = client.post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert "That code is not right." in replay.content.decode()
    assert not replay.wsgi_request.user.is_authenticated


def test_repeated_wrong_codes_are_throttled(client, customer):
    totp, _ = enrolled(customer)
    password_step(client, customer)
    client.post(VERIFY, {"code": "000000"})
    time.sleep(1.1)
    client.post(VERIFY, {"code": "111111"})  # now a 2 second wait

    throttled = client.post(VERIFY, {"code": fresh_code(totp)})

    page = throttled.content.decode()
    assert re.search(r"Too many wrong codes\. Wait [12] seconds? before", page)
    assert not throttled.wsgi_request.user.is_authenticated


def test_a_backup_code_works_once(client, customer):
    _, codes = enrolled(customer)
    password_step(client, customer)
    used = client.post(VERIFY, {"code": codes[0]}, follow=True)
    assert used.wsgi_request.user == customer
    assert "You used a backup code; 9 left." in used.content.decode()
    client.post(reverse("accounts:logout"))

    password_step(client, customer)
    again = client.post(VERIFY, {"code": codes[0]})
    assert "That code is not right." in again.content.decode()


def test_the_second_step_expires(client, customer, monkeypatch):
    enrolled(customer)
    password_step(client, customer)
    future = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: future)
    response = client.get(VERIFY)
    assert response.url == LOGIN


# --- enforcement ------------------------------------------------------------


def test_agents_without_a_device_can_only_enrol(client):
    agent = UserFactory(agent=True)
    password_step(client, agent)
    for path in ["/agent/", "/agent/tickets/", "/portal/", "/accounts/profile/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == MFA, path
    assert client.get(MFA).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_enforcement_follows_the_setting(client, settings):
    settings.MFA_REQUIRED_ROLES = ["admin"]
    agent = UserFactory(agent=True)
    password_step(client, agent)
    assert client.get("/agent/").status_code == 200


def test_a_session_from_before_enrolment_must_enter_a_code(client, customer):
    client.force_login(customer)
    enrolled(customer)
    response = client.get("/portal/")
    assert response.url == f"{VERIFY}?next=/portal/"


# --- the admin --------------------------------------------------------------


def test_admin_refuses_a_password_only_session(client, settings):
    settings.MFA_REQUIRED_ROLES = []  # nothing else stands in the admin's way
    admin = UserFactory(admin=True)
    password_step(client, admin)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == MFA
    assert "needs two-factor authentication" in response.content.decode()


def test_admin_opens_after_the_second_step(client):
    admin = UserFactory(admin=True)
    totp, _ = enrolled(admin)
    password_step(client, admin, next_url="/admin/")
    response = client.post(VERIFY, {"code": fresh_code(totp)}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert "Helpdesk administration" in response.content.decode()


# --- backup codes and turning it off ----------------------------------------


def test_new_backup_codes_replace_the_old(client, verify, customer):
    _, old = enrolled(customer)
    client.force_login(customer)
    verify(client, customer)
    response = client.post(reverse("accounts:mfa_backup_codes"))
    new = re.findall(r"(\d{5}-\d{5})", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert StaticToken.objects.filter(device__user=customer).count() == 10
    assert not StaticToken.objects.filter(token=old[0].replace("-", "")).exists()


def test_turning_off_needs_password_and_code(client, verify, customer):
    _, codes = enrolled(customer)
    client.force_login(customer)
    verify(client, customer)
    disable = reverse("accounts:mfa_disable")

    page = client.post(disable, {"password": "wrong", "code": codes[0]}, follow=True)
    assert "That password is not right." in page.content.decode()
    customer.refresh_from_db()
    assert customer.mfa_enabled

    page = client.post(
        disable, {"password": TEST_PASSWORD, "code": codes[1]}, follow=True
    )
    assert "Two-factor authentication is off." in page.content.decode()
    customer.refresh_from_db()
    assert not customer.mfa_enabled
    assert not TOTPDevice.objects.filter(user=customer).exists()


def test_required_roles_cannot_turn_it_off(login):
    agent = UserFactory(agent=True)
    _, codes = enrolled(agent)
    client = login(agent)
    page = client.post(
        reverse("accounts:mfa_disable"),
        {"password": TEST_PASSWORD, "code": codes[0]},
        follow=True,
    )
    assert "cannot be turned off" in page.content.decode()
    agent.refresh_from_db()
    assert agent.mfa_enabled


def test_backup_codes_need_a_verified_session(client, customer):
    enrolled(customer)
    client.force_login(customer)  # not verified
    before = set(StaticToken.objects.values_list("token", flat=True))
    client.post(reverse("accounts:mfa_backup_codes"))
    assert set(StaticToken.objects.values_list("token", flat=True)) == before


def test_regenerated_codes_are_ten_digits(customer):
    codes = mfa_backup_codes_regenerate(user=customer)
    assert all(re.fullmatch(r"\d{5}-\d{5}", code) for code in codes)
