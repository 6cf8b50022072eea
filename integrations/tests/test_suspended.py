"""The suspended-mail queue (issue 10): a reply whose sender failed
authentication waits for an agent who may see the ticket it claims; accepted,
it becomes that reply marked "sender not verified"; rejected, it is kept."""

import re
from unittest import mock

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from integrations.models import InboundEmail
from integrations.services import inbound_receive, suspended_accept
from organizations.tests.factories import DepartmentFactory
from tickets import services
from tickets.models import Message, Ticket
from tickets.tests.factories import MessageFactory

from .corpus import stamped, text

pytestmark = pytest.mark.django_db

MX = "mx.helpdesk.example"
LIST = reverse("integrations:suspended_list")


@pytest.fixture(autouse=True)
def _trusted_mx(settings):
    settings.INBOUND_TRUSTED_AUTHSERV_IDS = [MX]


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@acme.example", full_name="Alice Acme")


@pytest.fixture
def ticket(alice, agent):
    return services.ticket_create(
        requester=alice,
        subject="Printer",
        body="It jams.",
        department=agent.departments.get(),
    )


def forged(ticket, body="Please wire the refund to IBAN XX00 1234.", number=0):
    return stamped(
        text(
            "alice@acme.example",
            f"Re: [#{ticket.number}] Printer",
            body,
            message_id=f"<forged-{number}@evil.example>",
        ),
        f"{MX}; dmarc=fail (p=reject) header.from=acme.example",
    )


@pytest.fixture
def suspended(ticket) -> InboundEmail:
    inbound = inbound_receive(raw=forged(ticket), source=InboundEmail.Source.PIPE)
    assert inbound.status == InboundEmail.Status.SUSPENDED, inbound.outcome
    return inbound


def detail_url(inbound, action=""):
    name = f"integrations:suspended_{action or 'detail'}"
    return reverse(name, args=[inbound.pk])


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- The queue ----------------------------------------------------------------


def test_the_queue_lists_what_each_mail_claims_and_why(login, agent, suspended):
    response = login(agent).get(LIST)
    assert response.status_code == 200
    page = page_text(response)
    assert "alice@acme.example" in page
    assert f"Re: [#{suspended.ticket.number}] Printer" in page
    assert suspended.ticket.reference in page
    assert "dmarc=fail" in page
    assert "<time" in page
    assert detail_url(suspended) in page


def test_an_empty_queue_says_so(login, agent):
    page = page_text(login(agent).get(LIST))
    assert "No suspended mail" in page


def test_the_queue_is_paginated(login, agent, ticket):
    for number in range(27):
        inbound_receive(
            raw=forged(ticket, number=number), source=InboundEmail.Source.PIPE
        )
    client = login(agent)
    first = client.get(LIST)
    assert len(first.context["page"].object_list) == 25
    assert "1–25 of 27" in page_text(first)
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == 2


def test_the_agent_navigation_links_to_the_queue(login, agent, customer):
    assert LIST in login(agent).get(reverse("tickets:agent_home")).content.decode()
    assert (
        LIST not in login(customer).get(reverse("tickets:portal_home")).content.decode()
    )


def test_the_detail_page_shows_the_mail_and_asks_for_a_decision(
    login, agent, suspended
):
    response = login(agent).get(detail_url(suspended))
    assert response.status_code == 200
    page = page_text(response)
    assert "Please wire the refund" in page
    assert detail_url(suspended, "accept") in page
    assert detail_url(suspended, "reject") in page


# --- Accepting and rejecting ----------------------------------------------------


def test_accepting_adds_the_reply_marked_not_verified(login, agent, suspended, alice):
    ticket = suspended.ticket
    response = login(agent).post(detail_url(suspended, "accept"), follow=True)
    suspended.refresh_from_db()
    assert suspended.status == InboundEmail.Status.PROCESSED, suspended.error
    assert suspended.reviewed_by == agent
    message = suspended.message
    assert message.ticket == ticket
    assert message.author == alice
    assert not message.internal
    assert message.sender_verification == Message.SenderVerification.FAILED
    assert "accepted by" in message.intake_note
    assert "dmarc=fail" in message.intake_note
    assert f"Accepted: Reply added to {ticket.reference}" in page_text(response)
    # The agent lands on the ticket, where the message wears its badge.
    assert response.redirect_chain[-1][0].startswith(ticket.get_agent_url())
    assert "Sender not verified" in page_text(response)


def test_rejecting_asks_first_then_keeps_the_mail(login, agent, suspended):
    client = login(agent)
    confirm = client.get(detail_url(suspended, "reject"))
    assert confirm.status_code == 200
    assert "Reject this mail?" in page_text(confirm)
    suspended.refresh_from_db()
    assert suspended.status == InboundEmail.Status.SUSPENDED  # a GET changes nothing

    response = client.post(detail_url(suspended, "reject"), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "Rejected the mail from alice@acme.example" in page_text(response)
    suspended.refresh_from_db()
    assert suspended.status == InboundEmail.Status.REJECTED
    assert suspended.reviewed_by == agent
    assert suspended.raw.open("rb").read()  # kept, never deleted
    assert not Message.objects.filter(email_message_id="<forged-0@evil.example>")
    rejected = page_text(client.get(LIST, {"show": "rejected"}))
    assert "alice@acme.example" in rejected


def test_a_mail_is_decided_once(login, agent, suspended):
    client = login(agent)
    client.post(detail_url(suspended, "reject"))
    response = client.post(detail_url(suspended, "accept"), follow=True)
    assert "no longer waiting" in page_text(response)
    suspended.refresh_from_db()
    assert suspended.status == InboundEmail.Status.REJECTED
    assert suspended.message is None


def test_the_same_forged_mail_again_is_not_queued_twice(ticket, suspended):
    again = inbound_receive(raw=forged(ticket), source=InboundEmail.Source.PIPE)
    assert again.status == InboundEmail.Status.IGNORED
    assert f"inbound #{suspended.pk}" in again.outcome


# --- Who may decide -------------------------------------------------------------


def test_customers_and_anonymous_visitors_are_refused(client, login, suspended, alice):
    urls = [LIST, detail_url(suspended), detail_url(suspended, "reject")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert client.post(detail_url(suspended, "accept")).status_code == 302
    customer_client = login(alice)
    for url in urls:
        assert customer_client.get(url).status_code == 403
    for action in ("accept", "reject"):
        assert customer_client.post(detail_url(suspended, action)).status_code == 403
    suspended.refresh_from_db()
    assert suspended.status == InboundEmail.Status.SUSPENDED


def test_an_agent_who_may_not_see_the_ticket_sees_nothing(login, suspended):
    outsider = UserFactory(agent=True)
    outsider.departments.add(DepartmentFactory())
    client = login(outsider)
    assert "alice@acme.example" not in page_text(client.get(LIST))
    assert client.get(detail_url(suspended)).status_code == 404
    assert client.get(detail_url(suspended, "reject")).status_code == 404
    assert client.post(detail_url(suspended, "accept")).status_code == 404
    assert client.post(detail_url(suspended, "reject")).status_code == 404
    suspended.refresh_from_db()
    assert suspended.status == InboundEmail.Status.SUSPENDED


def test_the_service_checks_permission_too(suspended):
    outsider = UserFactory(agent=True)
    outsider.departments.add(DepartmentFactory())
    from helpdesk.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        suspended_accept(inbound=suspended, actor=outsider)


@pytest.mark.parametrize("key", ["999999", "abc", "1;DROP"])
def test_missing_or_malformed_ids_are_404(login, agent, key):
    response = login(agent).get(f"{LIST}{key}/")
    assert response.status_code == 404


def test_mail_from_an_agent_address_is_for_admins(login, agent, admin_user, ticket):
    from accounts.models import User

    User.objects.filter(pk=agent.pk).update(email="agent@helpdesk.example")
    raw = stamped(
        text("agent@helpdesk.example", "Reset my 2FA please", "Thanks."),
        f"{MX}; dmarc=fail header.from=helpdesk.example",
    )
    inbound = inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)
    assert inbound.status == InboundEmail.Status.SUSPENDED
    assert inbound.ticket is None
    assert login(agent).get(detail_url(inbound)).status_code == 404
    assert login(admin_user).get(detail_url(inbound)).status_code == 200


# --- The badge on the ticket ----------------------------------------------------


def test_agents_see_the_badge_and_customers_do_not(login, agent, ticket, alice):
    MessageFactory(
        ticket=ticket,
        author=alice,
        body="From an unchecked address",
        sender_verification=Message.SenderVerification.FAILED,
        intake_note="Sender not verified: dmarc=fail (by mx)",
    )
    agent_page = page_text(login(agent).get(ticket.get_agent_url()))
    assert "Sender not verified" in agent_page
    assert "dmarc=fail (by mx)" in agent_page
    customer_page = page_text(login(alice).get(ticket.get_absolute_url()))
    assert "From an unchecked address" in customer_page
    assert "Sender not verified" not in customer_page
    assert "dmarc=fail" not in customer_page


def test_no_badge_for_verified_or_web_messages(login, agent, ticket, alice):
    MessageFactory(
        ticket=ticket,
        author=alice,
        body="Checked",
        sender_verification=Message.SenderVerification.PASSED,
    )
    assert "Sender not verified" not in page_text(
        login(agent).get(ticket.get_agent_url())
    )


def test_a_flood_of_new_requests_from_one_address_waits_for_an_agent(
    settings, login, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    """New requests by email count against a per-address limit (their own
    count, apart from the portal's and the API's); past it they are
    suspended, not opened, and an agent who accepts one opens it."""
    settings.RATE_LIMIT_TICKETS_PER_ADDRESS = 2
    received = []
    for number in range(3):
        raw = (
            "From: flood@customer.example\r\nTo: help@helpdesk.example\r\n"
            f"Subject: Request {number}\r\n"
            f"Message-ID: <flood-{number}@customer.example>\r\n\r\nPlease help.\r\n"
        ).encode()
        with django_capture_on_commit_callbacks(execute=True):
            received.append(inbound_receive(raw=raw, source=InboundEmail.Source.PIPE))
    assert [inbound.status for inbound in received] == [
        "processed",
        "processed",
        "suspended",
    ]
    assert "too many new requests" in received[2].outcome
    assert Ticket.objects.filter(requester__email="flood@customer.example").count() == 2
    assert not any(mail.subject.endswith("Request 2") for mail in mailoutbox)

    login(admin_user).post(detail_url(received[2], "accept"))
    received[2].refresh_from_db()
    assert received[2].status == "processed", received[2].error
    assert received[2].ticket.subject == "Request 2"


def test_mail_claiming_an_address_never_spends_its_owners_portal_allowance(
    settings, customer, login, api_as, agent
):
    """Anyone can write any From address, so new requests by email count in
    their own per-address counter: a flood of them in a customer's name leaves
    the customer's portal and API allowance (and agents' for them) untouched."""
    settings.RATE_LIMIT_TICKETS_PER_ADDRESS = 2
    received = [
        inbound_receive(
            raw=text(customer.email, f"Request {number}", "Please help."),
            source=InboundEmail.Source.PIPE,
        )
        for number in range(3)
    ]
    assert [inbound.status for inbound in received][-1] == "suspended"
    assert "too many new requests" in received[-1].outcome

    portal = login(customer).post(
        reverse("tickets:portal_new"), {"subject": "Mine", "body": "Really mine."}
    )
    assert portal.status_code == 302
    assert Ticket.objects.filter(subject="Mine", requester=customer).exists()
    api = api_as(agent).post(
        "/tickets",
        {"subject": "For her", "body": "B", "requester_email": customer.email},
    )
    assert api.status_code == 201, api.content
    # The portal and the API still count together, as before.
    refused = login(customer).post(
        reverse("tickets:portal_new"), {"subject": "Third", "body": "B"}
    )
    assert refused.status_code == 429


# --- Cost of the detail page ----------------------------------------------------


def test_the_detail_page_of_a_megabyte_of_nested_html_reads_it_once(
    login, agent, ticket
):
    """Before: the page parsed the kept mail on every view, and a 320 KB
    text/html mail of nested lists took 28 s per view. Now the first view
    parses it once (its HTML converted once, by the linear scan), later views
    read the cache, and the page shows a preview of bounded length."""
    from integrations import parsing, views
    from integrations.html_text import MAX_HTML_CHARS

    raw = forged(ticket, body="Wire it. " + "<ul><li>" * 125_000)
    raw = raw.replace(b"text/plain", b"text/html", 1)
    inbound = inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)
    assert inbound.status == InboundEmail.Status.SUSPENDED, inbound.outcome
    client = login(agent)
    with (
        mock.patch.object(views, "parse_email", wraps=views.parse_email) as parse,
        mock.patch.object(
            parsing, "html_to_text", wraps=parsing.html_to_text
        ) as convert,
    ):
        responses = [client.get(detail_url(inbound)) for _ in range(2)]
    for response in responses:
        assert response.status_code == 200
        assert "Wire it." in page_text(response)
        assert len(response.context["body"]) <= views.PREVIEW_CHARS
    assert parse.call_count == 1
    assert convert.call_count == 1
    assert len(convert.call_args.args[0]) <= MAX_HTML_CHARS


def test_the_detail_page_reads_the_kept_mail_once(login, agent, suspended):
    client = login(agent)
    assert "Please wire the refund" in page_text(client.get(detail_url(suspended)))
    suspended.raw.delete(save=False)  # a second view does not read it again
    assert "Please wire the refund" in page_text(client.get(detail_url(suspended)))
