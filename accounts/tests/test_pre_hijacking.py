"""Account pre-hijacking (issue 10, hole 1): nothing addressed to an email
address is shown to an account that has not proved it reads that address."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from integrations.models import InboundEmail
from integrations.services import inbound_receive
from integrations.tests.corpus import text as email_text
from notifications.models import EmailLog
from organizations.tests.factories import OrganizationDomainFactory
from tickets import services as ticket_services
from tickets.models import Ticket
from tickets.tests.factories import TicketFactory

from .factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER_PASSWORD = "attacker-knows-this-one"
OWNER_PASSWORD = "the-real-owner-chose-this"
LOGIN = reverse("accounts:login")


def register(client, email="victim@example.com", password=ATTACKER_PASSWORD, **extra):
    return client.post(
        reverse("accounts:register"),
        {
            "full_name": "Someone",
            "email": email,
            "password1": password,
            "password2": password,
        },
        follow=True,
        **extra,
    )


def sign_in(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def signed_in(response) -> bool:
    return response.wsgi_request.user.is_authenticated


def confirmation_path(message) -> str:
    return re.search(r"http://127.0.0.1:8000(/accounts/confirm/\S+/)", message.body)[1]


def set_new_password(client, path, password=OWNER_PASSWORD):
    return client.post(
        path,
        {"action": "new", "new_password1": password, "new_password2": password},
        follow=True,
    )


def email_ticket_for(address, subject="Invoice question", body="Please help"):
    raw = email_text(address, subject, body)
    inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)
    return Ticket.objects.get(subject=subject)


# --- registration ---------------------------------------------------------


def test_registration_signs_nobody_in_and_sends_the_confirmation(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(client)
    assert not signed_in(response)
    assert "Check your email" in response.content.decode()
    user = User.objects.get(email="victim@example.com")
    assert (user.self_registered, user.email_verified) == (True, False)
    assert [m.to for m in mail.outbox] == [["victim@example.com"]]
    assert confirmation_path(mail.outbox[0])


def test_registering_a_taken_address_answers_the_same_and_tells_the_owner(
    client, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="owner@example.com")
    owner.email_verified = True
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        fresh = register(client, email="fresh@example.com")
        taken = register(client, email="OWNER@example.com")
    assert taken.status_code == fresh.status_code == 200
    assert [t.name for t in taken.templates] == [t.name for t in fresh.templates]
    assert (
        taken.redirect_chain
        == [(reverse("accounts:register_done"), 302)]
        == fresh.redirect_chain
    )
    assert "already exists" not in taken.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(TEST_PASSWORD)  # nothing about it changed
    assert User.objects.filter(email="owner@example.com").count() == 1
    notice = next(m for m in mail.outbox if m.to == ["owner@example.com"])
    assert "tried to create an account" in notice.body
    assert "http://127.0.0.1:8000/accounts/password_reset/" in notice.body
    assert "http://127.0.0.1:8000/accounts/login/" in notice.body


def test_registering_an_address_awaiting_confirmation_resends_its_link(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(client)
        register(client, password=OWNER_PASSWORD)
    assert [m.to for m in mail.outbox] == [["victim@example.com"]] * 2
    assert all("/accounts/confirm/" in m.body for m in mail.outbox)
    # The second registration did not replace the first one's password.
    assert User.objects.get().check_password(ATTACKER_PASSWORD)


# --- signing in before confirming ----------------------------------------


def test_an_unconfirmed_registrant_cannot_sign_in_and_is_told_why(client):
    register(client)
    wrong = sign_in(client, "victim@example.com", "not-the-password")
    assert "confirm" not in wrong.content.decode().lower()
    right = sign_in(client, "victim@example.com", ATTACKER_PASSWORD)
    assert right.status_code == 200
    assert not signed_in(right)
    page = right.content.decode()
    assert "Confirm your email address first" in page
    assert reverse("accounts:confirm_email_resend") in page


def test_resending_the_confirmation_answers_the_same_for_any_address(
    client, django_capture_on_commit_callbacks
):
    register(client)
    mail.outbox.clear()
    url = reverse("accounts:confirm_email_resend")
    with django_capture_on_commit_callbacks(execute=True):
        pending = client.post(url, {"email": "victim@example.com"}, follow=True)
        unknown = client.post(url, {"email": "nobody@example.com"}, follow=True)
        UserFactory(email="verified@example.com", email_verified=True)
        verified = client.post(url, {"email": "verified@example.com"}, follow=True)
    texts = {
        r.content.decode().count("If an account with that address is waiting")
        for r in (pending, unknown, verified)
    }
    assert texts == {1}
    assert [m.to for m in mail.outbox] == [["victim@example.com"]]


def test_accounts_not_made_by_registration_still_sign_in(client):
    """Demo data, factories, createsuperuser and admin-made staff."""
    for user in (
        UserFactory(),
        UserFactory(agent=True),
        User.objects.create_superuser("root@example.com", TEST_PASSWORD),
    ):
        response = sign_in(client, user.email, TEST_PASSWORD)
        assert response.status_code == 302, user
        client.post(reverse("accounts:logout"))


# --- the pre-hijack, end to end ----------------------------------------------


def test_attacker_registers_the_victims_address_then_an_email_ticket_arrives(
    client, django_capture_on_commit_callbacks
):
    attacker = client
    with django_capture_on_commit_callbacks(execute=True):
        register(attacker)
        ticket = email_ticket_for("victim@example.com")
    assert ticket.requester.email == "victim@example.com"
    assert not signed_in(sign_in(attacker, "victim@example.com", ATTACKER_PASSWORD))
    assert attacker.get(ticket.get_absolute_url()).status_code == 302  # to login

    # The real owner opens the confirmation link from their inbox.
    from django.test import Client

    owner = Client()
    link = confirmation_path(
        next(m for m in mail.outbox if "/accounts/confirm/" in m.body)
    )
    done = set_new_password(owner, link)
    assert signed_in(done)
    assert owner.get(ticket.get_absolute_url()).status_code == 200
    # The attacker's password no longer opens the account.
    assert not signed_in(sign_in(attacker, "victim@example.com", ATTACKER_PASSWORD))
    assert signed_in(sign_in(Client(), "victim@example.com", OWNER_PASSWORD))


def test_attacker_cannot_read_a_ticket_an_agent_opens_for_the_address(
    client, login, agent, django_capture_on_commit_callbacks
):
    register(client)
    from django.test import Client

    staff = Client()
    staff.force_login(agent)
    from conftest import verify_session

    verify_session(staff, agent)
    staff.post(
        reverse("tickets:agent_new"),
        {
            "requester_email": "victim@example.com",
            "subject": "Your refund",
            "body": "Refund details inside",
            "priority": "normal",
        },
    )
    ticket = Ticket.objects.get(subject="Your refund")
    assert ticket.requester.email == "victim@example.com"
    assert not signed_in(sign_in(client, "victim@example.com", ATTACKER_PASSWORD))
    assert client.get(ticket.get_absolute_url()).status_code == 302


def test_attacker_cannot_read_a_ticket_opened_through_the_api(client, api_as, agent):
    register(client)
    api = api_as(agent)
    response = api.post(
        "/tickets",
        {"subject": "API ticket", "body": "B", "requester_email": "victim@example.com"},
    )
    assert response.status_code == 201
    assert not signed_in(sign_in(client, "victim@example.com", ATTACKER_PASSWORD))


def test_a_session_opened_before_the_fix_is_dropped(client):
    """An account that registered itself and is still unconfirmed has no
    session: one opened earlier stops working."""
    register(client)
    user = User.objects.get()
    client.force_login(user)
    response = client.get(reverse("tickets:portal_home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


# --- confirming ------------------------------------------------------------


def test_the_registrant_confirms_with_the_password_they_chose(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        register(client, password=OWNER_PASSWORD)
    link = confirmation_path(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    user = User.objects.get()
    assert not user.email_verified  # opening the link (a mail scanner) is not enough
    wrong = client.post(link, {"action": "password", "password": "wrong-password"})
    assert "not the password" in wrong.content.decode()
    assert not signed_in(wrong)
    done = client.post(
        link, {"action": "password", "password": OWNER_PASSWORD}, follow=True
    )
    assert signed_in(done)
    user.refresh_from_db()
    assert user.email_verified
    assert user.check_password(OWNER_PASSWORD)
    assert "is confirmed" in done.content.decode()


def test_confirming_signs_out_every_other_session(
    client, django_capture_on_commit_callbacks
):
    from django.test import Client

    user = UserFactory(email="legacy@example.com")  # unconfirmed, signed in
    elsewhere = Client()
    elsewhere.force_login(user)
    salt = user.session_salt
    from accounts.tokens import email_token_make

    link = reverse("accounts:confirm_email", args=[email_token_make(user)])
    set_new_password(client, link)
    user.refresh_from_db()
    assert user.session_salt != salt
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302


def test_a_password_reset_rotates_the_session_salt(client):
    user = UserFactory(email="forgetful@example.com")
    salt = user.session_salt
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body)
    form_page = client.get(link[1], follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": OWNER_PASSWORD, "new_password2": OWNER_PASSWORD},
    )
    user.refresh_from_db()
    assert user.check_password(OWNER_PASSWORD)
    assert user.session_salt != salt


# --- organizations -----------------------------------------------------------


def test_a_forged_address_from_email_does_not_join_until_proven(
    client, django_capture_on_commit_callbacks
):
    domain = OrganizationDomainFactory(
        domain="acme.example", organization__share_tickets=True
    )
    colleague = UserFactory(organization=domain.organization)
    colleague_ticket = TicketFactory(requester=colleague)
    forged = email_ticket_for("forged@acme.example", subject="Click this")
    newcomer = User.objects.get(email="forged@acme.example")
    assert newcomer.organization is None
    assert forged.organization is None
    colleague_client = client
    colleague_client.force_login(colleague)
    assert colleague_client.get(forged.get_absolute_url()).status_code == 404

    # Proving the address (the reset link) joins.
    from django.test import Client

    owner = Client()
    owner.post(reverse("accounts:password_reset"), {"email": newcomer.email})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[-1].body)
    form_page = owner.get(link[1], follow=True)
    owner.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": OWNER_PASSWORD, "new_password2": OWNER_PASSWORD},
    )
    newcomer.refresh_from_db()
    assert (newcomer.organization, newcomer.email_verified) == (
        domain.organization,
        True,
    )
    owner.force_login(newcomer)
    assert owner.get(colleague_ticket.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("way", ["agent", "api"])
def test_customers_made_by_agents_join_only_when_proven(agent, api_as, login, way):
    domain = OrganizationDomainFactory(domain="acme.example")
    if way == "agent":
        login(agent).post(
            reverse("tickets:agent_new"),
            {
                "requester_email": "new@acme.example",
                "subject": "S",
                "body": "B",
                "priority": "normal",
            },
        )
    else:
        api_as(agent).post(
            "/tickets",
            {"subject": "S", "body": "B", "requester_email": "new@acme.example"},
        )
    newcomer = User.objects.get(email="new@acme.example")
    assert newcomer.organization is None
    assert Ticket.objects.get().organization is None
    from accounts.services import user_confirm_email

    user_confirm_email(user=newcomer)
    assert newcomer.organization == domain.organization


# --- mail to unconfirmed accounts ------------------------------------------------


def _sent_to(address):
    return list(
        EmailLog.objects.filter(recipient=address).values_list(
            "template_key", flat=True
        )
    )


def test_an_unconfirmed_registrant_gets_no_mail_about_tickets_it_opened(
    client, django_capture_on_commit_callbacks
):
    register(client)
    pending = User.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_create(
            requester=pending, subject="Spam subject", body="Visit evil.example"
        )
    assert _sent_to("victim@example.com") == []


def test_people_who_write_in_or_get_tickets_opened_for_them_still_get_replies(
    client, agent, django_capture_on_commit_callbacks
):
    register(client)
    pending = User.objects.get(email="victim@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        by_email = email_ticket_for("victim@example.com", subject="By email")
        by_agent = ticket_services.ticket_create(
            requester=pending,
            actor=agent,
            subject="By agent",
            body="B",
            channel=Ticket.Channel.AGENT,
        )
        for ticket in (by_email, by_agent):
            ticket_services.message_add(
                ticket=ticket, author=agent, body="Here is your answer"
            )
    sent = EmailLog.objects.filter(recipient="victim@example.com")
    assert {entry.ticket for entry in sent} == {by_email, by_agent}
    assert sent.filter(template_key="agent_reply").count() == 2


# --- links are built from SITE_URL ---------------------------------------------


@pytest.fixture
def evil_host(settings):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    settings.SITE_URL = "https://help.example.com"
    return {"HTTP_HOST": "evil.example"}


def test_a_password_reset_link_ignores_a_forged_host(client, evil_host):
    UserFactory(email="forgetful@example.com")
    client.post(
        reverse("accounts:password_reset"),
        {"email": "forgetful@example.com"},
        **evil_host,
    )
    body = mail.outbox[0].body
    assert "evil.example" not in mail.outbox[0].subject + body
    assert "https://help.example.com/accounts/reset/" in body


def test_registration_links_ignore_a_forged_host(
    client, evil_host, django_capture_on_commit_callbacks
):
    UserFactory(email="owner@example.com", email_verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        register(client, email="new@example.com", **evil_host)
        register(client, email="owner@example.com", **evil_host)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "evil.example" not in message.body
        assert "https://help.example.com/accounts/" in message.body


def test_notification_links_ignore_a_forged_host(
    login, agent, department, evil_host, django_capture_on_commit_callbacks
):
    customer = UserFactory(email="customer@example.com")
    ticket = TicketFactory(requester=customer, department=department)
    client = login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tickets:agent_reply", args=[ticket.number]),
            {"body": "An answer", "kind": "public"},
            **evil_host,
        )
    assert response.status_code in (200, 302)
    sent = EmailLog.objects.filter(recipient="customer@example.com")
    assert sent.exists()
    for entry in sent:
        assert "evil.example" not in entry.body_text
        assert "https://help.example.com/" in entry.body_text


def test_a_signed_in_owner_confirms_with_one_click(login):
    domain = OrganizationDomainFactory(domain="acme.example")
    user = UserFactory(email="made@acme.example")  # unconfirmed, not self-signed-up
    client = login(user)
    from accounts.tokens import email_token_make

    link = reverse("accounts:confirm_email", args=[email_token_make(user)])
    assert "Confirm my address" in client.get(link).content.decode()
    done = client.post(link, {"action": "here"}, follow=True)
    assert signed_in(done)
    assert f"You joined {domain.organization.name}." in done.content.decode()
    user.refresh_from_db()
    assert user.email_verified
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_one_click_confirmation_is_only_for_the_accounts_own_session(login):
    owner = UserFactory(email="owner@example.com")
    other = login(UserFactory(email="other@example.com"))
    from accounts.tokens import email_token_make

    link = reverse("accounts:confirm_email", args=[email_token_make(owner)])
    other.post(link, {"action": "here"})
    owner.refresh_from_db()
    assert not owner.email_verified


def test_an_account_made_by_an_agent_chooses_its_first_password_on_the_link(
    client, django_capture_on_commit_callbacks
):
    User.objects.create_user("made@example.com", None)  # unusable password
    with django_capture_on_commit_callbacks(execute=True):
        register(client, email="made@example.com")  # its owner signs up
    link = confirmation_path(mail.outbox[0])
    page = client.get(link).content.decode()
    assert "The password you chose" not in page
    assert "Choose a password for your account" in page
    assert signed_in(set_new_password(client, link))


def test_a_confirmed_registrant_gets_ticket_mail_again(
    client, django_capture_on_commit_callbacks
):
    register(client)
    user = User.objects.get()
    from accounts.services import user_confirm_email

    user_confirm_email(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_create(requester=user, subject="Mine", body="B")
    assert _sent_to("victim@example.com") == ["ticket_created"]


def test_the_confirmation_email_carries_no_text_the_registrant_chose(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:register"),
            {
                "full_name": "555-0100-call-now urgent",
                "email": "victim@example.com",
                "password1": ATTACKER_PASSWORD,
                "password2": ATTACKER_PASSWORD,
            },
        )
    client.post(reverse("accounts:password_reset"), {"email": "victim@example.com"})
    assert len(mail.outbox) == 2
    # "call-now" cannot occur by chance in a link: the tokens are base36, hex
    # and base64 ("555" alone once did, in a reset token).
    for message in mail.outbox:
        assert "call-now" not in message.subject + message.body
        assert "555-0100" not in message.subject + message.body


def test_sign_ups_made_before_the_change_must_confirm_too(client):
    """The migration that introduces the sign-in gate marks accounts that
    signed themselves up earlier (a customer's own password, address never
    confirmed); accounts made for people, and confirmed ones, are left be."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0005_i10_accounts")
    earlier = UserFactory(email="victim@bank.example", email_verified=False)
    made_for_them = UserFactory(email="emailed@bank.example", email_verified=False)
    made_for_them.set_unusable_password()
    made_for_them.save()
    confirmed = UserFactory(email="real@bank.example", email_verified=True)
    agent = UserFactory(agent=True, email_verified=False)

    migration.mark_earlier_sign_ups(apps, None)

    for user in (earlier, made_for_them, confirmed, agent):
        user.refresh_from_db()
    assert earlier.awaiting_confirmation
    assert not made_for_them.self_registered
    assert not confirmed.awaiting_confirmation
    assert not agent.self_registered
    response = client.post(
        LOGIN, {"username": "victim@bank.example", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "Confirm your email address first" in response.content.decode()
