import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from organizations.tests.factories import OrganizationDomainFactory
from tickets.tests.factories import TicketFactory

from .factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a-long-and-unusual-passphrase"


def register(client, **overrides):
    data = {
        "full_name": "Nora New",
        "email": "nora@example.com",
        "password1": STRONG,
        "password2": STRONG,
        **overrides,
    }
    return client.post(reverse("accounts:register"), data, follow=True)


def test_register_joins_the_organization_only_after_confirming_the_address(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    """Anyone can type an address at acme.example; only its owner may see
    Acme's shared tickets."""
    domain = OrganizationDomainFactory(
        domain="acme.example", organization__share_tickets=True
    )
    shared = TicketFactory(requester=UserFactory(organization=domain.organization))

    with django_capture_on_commit_callbacks(execute=True):
        response = register(client, email="Nora@ACME.example")

    user = User.objects.get(email="nora@acme.example")
    assert user.role == User.Role.CUSTOMER
    assert (user.organization, user.email_verified) == (None, False)
    assert response.redirect_chain[-1][0] == reverse("accounts:register_done")
    assert not response.wsgi_request.user.is_authenticated
    assert "Check your email" in response.content.decode()
    assert client.get(shared.get_absolute_url()).status_code == 302  # sign in

    assert [m.to for m in mailoutbox] == [["nora@acme.example"]]
    link = re.search(
        r"http://127.0.0.1:8000(/accounts/confirm/\S+/)", mailoutbox[0].body
    )
    confirmed = client.post(
        link.group(1), {"action": "password", "password": STRONG}, follow=True
    )
    assert f"You joined {domain.organization.name}." in confirmed.content.decode()
    user.refresh_from_db()
    assert (user.organization, user.email_verified) == (domain.organization, True)
    assert client.get(shared.get_absolute_url()).status_code == 200


def test_a_forged_or_stale_confirmation_link_does_nothing(client):
    user = UserFactory(email="nora@acme.example")
    response = client.get(
        reverse("accounts:confirm_email", args=["forged"]), follow=True
    )
    assert "not valid any more" in response.content.decode()
    from accounts.tokens import email_token_make

    token = email_token_make(user)
    user.email = "other@acme.example"
    user.save()
    client.get(reverse("accounts:confirm_email", args=[token]))
    user.refresh_from_db()
    assert not user.email_verified


def test_a_password_reset_also_confirms_the_address(client, mailoutbox):
    domain = OrganizationDomainFactory(domain="acme.example")
    user = User.objects.create_user("invited@acme.example", None)
    assert user.organization is None
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = re.search(r"http://127.0.0.1:8000(/accounts/reset/\S+/)", mailoutbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": STRONG, "new_password2": STRONG},
    )
    user.refresh_from_db()
    assert user.email_verified
    assert user.organization == domain.organization


def test_register_without_a_matching_domain_has_no_organization(client):
    register(client)
    assert User.objects.get().organization is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "something-else-entirely"}, "password2", "differ"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"email": "not-an-email"}, "email", "valid email"),
    ],
)
def test_register_shows_field_errors(client, overrides, field, message):
    response = register(client, **overrides)
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.exists()


def test_register_creates_nothing_for_a_taken_address_in_any_case(client):
    UserFactory(email="taken@example.com")
    response = register(client, email="TAKEN@example.com")
    assert "Check your email" in response.content.decode()
    assert User.objects.count() == 1


def test_registration_can_be_switched_off(client, settings):
    settings.ALLOW_REGISTRATION = False
    assert client.get(reverse("accounts:register")).status_code == 404
    assert register(client).status_code == 404
    assert (
        "Create an account"
        not in client.get(reverse("accounts:login")).content.decode()
    )


def test_password_reset_by_email_end_to_end(client):
    user = UserFactory(email="forgetful@example.com")
    response = client.post(
        reverse("accounts:password_reset"),
        {"email": "Forgetful@example.com"},
        follow=True,
    )
    assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["forgetful@example.com"]
    link = re.search(r"http://127.0.0.1:8000(/accounts/reset/\S+/)", email.body)[1]

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": STRONG, "new_password2": STRONG},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(STRONG)
    # The link is single-use.
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_password_reset_works_for_accounts_made_by_agents(client):
    User.objects.create_user("invited@example.com", None)  # unusable password
    client.post(reverse("accounts:password_reset"), {"email": "invited@example.com"})
    assert len(mail.outbox) == 1


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(client):
    response = client.post(
        reverse("accounts:password_reset"), {"email": "nobody@example.com"}, follow=True
    )
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_profile_updates_name_zone_and_language(login, customer):
    client = login(customer)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Renamed", "timezone": "Europe/Berlin", "language": "de"},
        follow=True,
    )
    customer.refresh_from_db()
    assert (customer.full_name, customer.timezone, customer.language) == (
        "Renamed",
        "Europe/Berlin",
        "de",
    )
    assert "Your profile was saved." in response.content.decode()


def test_profile_refuses_an_unknown_zone(login, customer):
    response = login(customer).post(
        reverse("accounts:profile"),
        {"full_name": "X", "timezone": "Mars/Base", "language": "en"},
    )
    assert "timezone" in response.context["form"].errors
    customer.refresh_from_db()
    assert customer.timezone == "UTC"


def test_password_change(login, customer):
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
    customer.refresh_from_db()
    assert customer.check_password(STRONG)


def test_account_emails_are_plain_text_that_reads_right(client, settings):
    """Subjects and bodies are plain text: a helpdesk or a person named with
    ``' & < > "`` reads as written, never as HTML entities; and the sentence
    after "Hello," starts with a capital letter, as in the ticket emails."""
    from accounts.tasks import (
        send_confirmation_email,
        send_mfa_enrolment_code,
        send_registration_notice,
    )

    settings.HELPDESK_NAME = 'Tom\'s <Support> & "Co"'
    user = UserFactory(full_name="Zoë & <Sam>", email_verified=False)
    send_confirmation_email(user.pk)
    user.email_verified = True
    user.save()
    send_registration_notice(user.pk)
    send_mfa_enrolment_code(user.pk, "123456")
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert len(mail.outbox) == 4
    for email in mail.outbox:
        assert settings.HELPDESK_NAME in email.subject, email.subject
        assert "&amp;" not in email.subject + email.body
        assert "&#x27;" not in email.subject + email.body
        assert settings.HELPDESK_NAME in email.body, email.body
        after_greeting = email.body.split("\n\n")[1]
        assert after_greeting[:1].isupper(), after_greeting
