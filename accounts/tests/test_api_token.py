"""API sign-in: POST /api/v1/auth/token trades email, password and (for
enrolled accounts) a code for a short-lived bearer token; DELETE revokes it."""

import base64
import time
from datetime import timedelta

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKey
from accounts.services import mfa_backup_codes_regenerate

from .factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"


def ask(payload: dict, ip: str = "192.0.2.10"):
    return Client().post(
        TOKEN, payload, content_type="application/json", REMOTE_ADDR=ip
    )


def enrol(user) -> pyotp.TOTP:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    user.mfa_enabled = True
    user.save(update_fields=["mfa_enabled"])
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


def use(token: str, path: str = "/api/v1/me", method: str = "get", **kwargs):
    client = Client(headers={"authorization": f"Bearer {token}"})
    return getattr(client, method)(path, **kwargs)


@pytest.fixture
def no_required_roles(settings):
    settings.MFA_REQUIRED_ROLES = []


def test_an_enrolled_agent_gets_a_token_with_a_code(settings):
    settings.API_TOKEN_TTL_MINUTES = 30
    agent = UserFactory(agent=True)
    totp = enrol(agent)
    response = ask(
        {"email": agent.email, "password": TEST_PASSWORD, "code": totp.now()}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["second_factor"] is True
    assert sorted(body["scopes"]) == ["read", "write"]
    assert "no-store" in response["Cache-Control"]
    row = ApiKey.objects.get(user=agent)
    assert row.kind == ApiKey.Kind.TOKEN
    expected = timezone.now() + timedelta(minutes=30)
    assert abs((row.expires_at - expected).total_seconds()) < 60
    me = use(body["token"])
    assert me.status_code == 200 and me.json()["email"] == agent.email


def test_a_backup_code_works_too():
    agent = UserFactory(agent=True)
    enrol(agent)
    code = mfa_backup_codes_regenerate(user=agent)[0]
    response = ask({"email": agent.email, "password": TEST_PASSWORD, "code": code})
    assert response.status_code == 200


def test_an_enrolled_account_needs_its_code():
    agent = UserFactory(agent=True)
    totp = enrol(agent)
    missing = ask({"email": agent.email, "password": TEST_PASSWORD})
    assert missing.status_code == 401
    assert missing.json()["code"] == "code_required"
    wrong = f"{(int(totp.now()) + 1) % 10**6:06d}"
    bad = ask({"email": agent.email, "password": TEST_PASSWORD, "code": wrong})
    assert bad.status_code == 401
    assert bad.json()["code"] == "wrong_code"
    assert not ApiKey.objects.exists()


def test_a_role_that_must_enrol_gets_no_token_before_it_has(settings):
    assert "agent" in settings.MFA_REQUIRED_ROLES
    agent = UserFactory(agent=True)
    response = ask({"email": agent.email, "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_enrolment_required"
    assert not ApiKey.objects.exists()


def test_wrong_passwords_answer_401_in_the_error_shape():
    agent = UserFactory(agent=True)
    for payload in (
        {"email": agent.email, "password": "wrong"},
        {"email": "nobody@example.com", "password": "wrong"},
    ):
        response = ask(payload)
        assert response.status_code == 401
        assert set(response.json()) == {"detail", "code", "errors"}
        assert response.json()["code"] == "invalid_credentials"


def test_bad_bodies_answer_400():
    assert ask({"email": "x@example.com"}).status_code == 400
    assert ask({"email": "x@example.com", "password": "a\x00b"}).status_code == 400


def test_failures_count_towards_the_web_lockout(client, settings):
    agent = UserFactory(agent=True)
    totp = enrol(agent)
    answers = [
        ask({"email": agent.email, "password": "wrong"})
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert [answer.status_code for answer in answers[:-1]] == [401] * (
        settings.AXES_FAILURE_LIMIT - 1
    )
    assert answers[-1].status_code == 429  # the failure that locks it
    assert answers[-1].json()["code"] == "locked_out"
    locked = ask({"email": agent.email, "password": TEST_PASSWORD, "code": totp.now()})
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert not ApiKey.objects.exists()
    # The same lockout as signing in on the web from that address.
    web = client.post(
        "/accounts/login/",
        {"username": agent.email, "password": TEST_PASSWORD},
        REMOTE_ADDR="192.0.2.10",
    )
    assert web.status_code == 429


def test_unconfirmed_self_registered_customers_get_no_token(settings):
    settings.API_KEYS_FOR_CUSTOMERS = True
    settings.MFA_REQUIRED_ROLES = []
    customer = UserFactory(email_verified=False, self_registered=True)
    response = ask({"email": customer.email, "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert response.json()["code"] == "sign_in_refused"
    confirmed = UserFactory(email_verified=True)
    assert ask({"email": confirmed.email, "password": TEST_PASSWORD}).status_code == 200


def test_a_password_only_token_cannot_do_admin_operations(no_required_roles):
    admin = UserFactory(admin=True)
    response = ask({"email": admin.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["second_factor"] is False
    refused = use(
        token,
        "/api/v1/organizations",
        "post",
        data={"name": "Acme", "slug": "acme"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "second_factor_required"


def test_a_token_with_a_code_can_do_admin_operations():
    admin = UserFactory(admin=True)
    totp = enrol(admin)
    token = ask(
        {"email": admin.email, "password": TEST_PASSWORD, "code": totp.now()}
    ).json()["token"]
    created = use(
        token,
        "/api/v1/organizations",
        "post",
        data={"name": "Acme", "slug": "acme"},
        content_type="application/json",
    )
    assert created.status_code == 201


def test_scopes_can_be_narrowed():
    agent = UserFactory(agent=True)
    totp = enrol(agent)
    token = ask(
        {
            "email": agent.email,
            "password": TEST_PASSWORD,
            "code": totp.now(),
            "scopes": ["read"],
        }
    ).json()["token"]
    assert use(token).status_code == 200
    write = use(
        token,
        "/api/v1/tickets",
        "post",
        data={"subject": "s", "body": "b"},
        content_type="application/json",
    )
    assert write.status_code == 403


def test_delete_revokes_the_token_used_and_nothing_else(api_as):
    agent = UserFactory(agent=True)
    totp = enrol(agent)
    token = ask(
        {"email": agent.email, "password": TEST_PASSWORD, "code": totp.now()}
    ).json()["token"]
    key = api_as(agent)
    # A key is not a token: DELETE refuses to revoke it this way.
    assert key.delete("/auth/token").status_code == 400
    assert use(token, TOKEN, "delete").status_code == 204
    assert use(token).status_code == 401
    assert key.get("/me").status_code == 200


def test_an_expired_token_stops_working():
    agent = UserFactory(agent=True)
    totp = enrol(agent)
    token = ask(
        {"email": agent.email, "password": TEST_PASSWORD, "code": totp.now()}
    ).json()["token"]
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert use(token).status_code == 401
    # The next sign-in clears the expired token away.
    fresh = ask(
        {
            "email": agent.email,
            "password": TEST_PASSWORD,
            "code": totp.at(time.time() + 30),
        }
    )
    assert fresh.status_code == 200
    assert ApiKey.objects.filter(user=agent).count() == 1


def test_tokens_cannot_create_api_keys_and_are_not_listed_as_keys(api_as):
    agent = UserFactory(agent=True)
    totp = enrol(agent)
    token = ask(
        {"email": agent.email, "password": TEST_PASSWORD, "code": totp.now()}
    ).json()["token"]
    made = use(
        token,
        "/api/v1/api-keys",
        "post",
        data={"name": "x", "scopes": ["read"]},
        content_type="application/json",
    )
    assert made.status_code == 403
    assert use(token, "/api/v1/api-keys").json() == []


def test_wrong_passwords_are_limited_per_address(settings):
    settings.API_AUTH_FAILURES_PER_MINUTE = 3
    settings.AXES_FAILURE_LIMIT = 100
    for n in range(3):
        assert ask({"email": f"u{n}@example.com", "password": "x"}).status_code == 401
    limited = ask({"email": "u9@example.com", "password": "x"})
    assert limited.status_code == 429
    assert limited.json()["code"] == "too_many_failures"
    assert (
        ask({"email": "u9@example.com", "password": "x"}, ip="192.0.2.99").status_code
        == 401
    )


def test_a_read_only_token_can_still_end_itself(no_required_roles):
    agent = UserFactory(agent=True)
    token = ask(
        {"email": agent.email, "password": TEST_PASSWORD, "scopes": ["read"]}
    ).json()["token"]
    assert use(token, TOKEN, "delete").status_code == 204
    assert use(token).status_code == 401


@pytest.mark.parametrize("how", ["password_change", "other_sessions", "reset"])
def test_a_token_ends_like_a_session(no_required_roles, how):
    """A new password, a password reset or "sign out other sessions" ends
    every sign-in token, as it ends every other session."""
    from accounts.services import user_confirm_email

    agent = UserFactory(agent=True)
    token = ask({"email": agent.email, "password": TEST_PASSWORD}).json()["token"]
    assert use(token).status_code == 200
    web = Client()
    web.force_login(agent)
    if how == "password_change":
        response = web.post(
            reverse("accounts:password_change"),
            {
                "old_password": TEST_PASSWORD,
                "new_password1": "a-brand-new-passphrase-42",
                "new_password2": "a-brand-new-passphrase-42",
            },
        )
        assert response.status_code == 302
    elif how == "other_sessions":
        assert web.post(reverse("accounts:logout_other_sessions")).status_code == 302
    else:
        user_confirm_email(user=agent)
    assert use(token).status_code == 401
