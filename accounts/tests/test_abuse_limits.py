"""Rate limits on registration and ticket creation, and the password-change
form under the sign-in lockout (issue 10)."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tickets.models import Ticket

from .factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

STRONG = "a-long-and-unusual-passphrase"


def register(client, email, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:register"),
        {"full_name": "N", "email": email, "password1": STRONG, "password2": STRONG},
        REMOTE_ADDR=ip,
    )


@pytest.fixture
def limits(settings):
    settings.RATE_LIMIT_REGISTRATIONS_PER_ADDRESS = 2
    settings.RATE_LIMIT_REGISTRATIONS_PER_IP = 3
    settings.RATE_LIMIT_TICKETS_PER_ADDRESS = 2
    settings.RATE_LIMIT_TICKETS_PER_IP = 3
    return settings


def test_registration_is_limited_per_address(
    client, limits, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(2):
            assert (
                register(client, "victim@example.com", ip=f"10.0.0.{index}").status_code
                == 302
            )
        refused = register(client, "victim@example.com", ip="10.0.0.9")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert refused.context["form"]["email"].value() == "victim@example.com"
    assert len(mail.outbox) == 2


def test_registration_is_limited_per_client_ip(client, limits):
    for index in range(3):
        assert register(client, f"n{index}@example.com").status_code == 302
    refused = register(client, "n9@example.com")
    assert refused.status_code == 429
    assert not User.objects.filter(email="n9@example.com").exists()
    assert register(client, "n9@example.com", ip="10.0.0.2").status_code == 302


def test_a_trusted_proxy_decides_the_client_ip(client, limits, settings):
    settings.PROXY_COUNT = 1
    for index in range(3):
        client.post(
            reverse("accounts:register"),
            {
                "full_name": "N",
                "email": f"p{index}@example.com",
                "password1": STRONG,
                "password2": STRONG,
            },
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{index}",
        )
    # Three different clients behind one proxy: none was refused.
    assert User.objects.filter(email__startswith="p").count() == 3


def test_portal_ticket_creation_is_limited_and_keeps_the_text(login, customer, limits):
    client = login(customer)
    url = reverse("tickets:portal_new")
    for index in range(2):
        client.post(url, {"subject": f"S{index}", "body": "B"})
    refused = client.post(url, {"subject": "Third", "body": "Keep this text"})
    assert refused.status_code == 429
    assert "Too many" in refused.content.decode()
    assert refused.context["form"]["body"].value() == "Keep this text"
    assert Ticket.objects.count() == 2


def test_api_ticket_creation_is_limited_per_address(api_as, customer, limits):
    api = api_as(customer)
    for index in range(2):
        assert (
            api.post("/tickets", {"subject": f"S{index}", "body": "B"}).status_code
            == 201
        )
    refused = api.post("/tickets", {"subject": "S", "body": "B"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0


def test_an_agent_cannot_flood_one_address_through_the_api(api_as, agent, limits):
    api = api_as(agent)
    for index in range(2):
        api.post(
            "/tickets",
            {"subject": f"S{index}", "body": "B", "requester_email": "x@example.com"},
        )
    refused = api.post(
        "/tickets", {"subject": "S", "body": "B", "requester_email": "X@example.com"}
    )
    assert refused.status_code == 429
    other = api.post(
        "/tickets", {"subject": "S", "body": "B", "requester_email": "y@example.com"}
    )
    assert other.status_code == 201


# --- password change under the lockout ---------------------------------------


def test_wrong_current_passwords_lock_the_account_out(login, customer, settings):
    client = login(customer)
    url = reverse("accounts:password_change")
    for index in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(
            url,
            {
                "old_password": f"guess-{index}",
                "new_password1": STRONG,
                "new_password2": STRONG,
            },
            REMOTE_ADDR="10.0.0.1",
        )
        assert response.status_code == 200
    last = client.post(
        url,
        {
            "old_password": "guess-last",
            "new_password1": STRONG,
            "new_password2": STRONG,
        },
        REMOTE_ADDR="10.0.0.1",
    )
    assert last.status_code == 429
    assert "Too many failed sign-ins." in last.content.decode()
    # The session is signed out, and the right password is refused for now.
    assert client.get(reverse("accounts:profile")).status_code == 302
    again = client.post(
        reverse("accounts:login"),
        {"username": customer.email, "password": TEST_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert again.status_code == 429
    customer.refresh_from_db()
    assert customer.check_password(TEST_PASSWORD)


def test_a_right_current_password_still_changes_it(login, customer):
    client = login(customer)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": STRONG,
            "new_password2": STRONG,
        },
        follow=True,
    )
    assert "Your password was changed." in response.content.decode()


def test_asking_for_new_confirmation_links_is_limited(client, limits):
    url = reverse("accounts:confirm_email_resend")
    for _ in range(2):
        assert client.post(url, {"email": "v@example.com"}).status_code == 302
    refused = client.post(url, {"email": "v@example.com"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()


def test_a_forged_forwarded_for_header_does_not_escape_the_ip_limit(client, limits):
    """Without a trusted proxy (PROXY_COUNT=0) the client's own address counts,
    whatever X-Forwarded-For it sends."""
    for index in range(3):
        client.post(
            reverse("accounts:register"),
            {
                "full_name": "N",
                "email": f"f{index}@example.com",
                "password1": STRONG,
                "password2": STRONG,
            },
            REMOTE_ADDR="10.0.0.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{index}",
        )
    refused = client.post(
        reverse("accounts:register"),
        {
            "full_name": "N",
            "email": "f9@example.com",
            "password1": STRONG,
            "password2": STRONG,
        },
        REMOTE_ADDR="10.0.0.7",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert refused.status_code == 429


def test_a_limit_of_zero_turns_it_off(client, limits):
    limits.RATE_LIMIT_REGISTRATIONS_PER_ADDRESS = 0
    limits.RATE_LIMIT_REGISTRATIONS_PER_IP = 0
    for _ in range(5):
        assert register(client, "same@example.com").status_code == 302
