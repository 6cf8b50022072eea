"""Working tickets from Teams: signed requests, built as Teams builds them,
for every command from a linked agent, a linked customer and an unlinked
person, with the answer and what changed in the database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from integrations.models import TeamsCommand, TeamsConnector, TeamsLink
from integrations.teams import commands
from integrations.teams.linking import link_token_read
from tickets.models import (
    BusinessCalendar,
    BusinessHours,
    Message,
    SLAPolicy,
    SLATarget,
    Ticket,
)
from tickets.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

SECRET = base64.b64encode(b"teams-outgoing-webhook-secret-32b").decode()
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


# --- Signing requests as Teams does ------------------------------------------


def teams_signature(body: bytes, secret: str = SECRET) -> str:
    """``HMAC <base64 HMAC-SHA256(base64-decoded secret, raw body)>``, as in
    Microsoft Learn's "Create Outgoing Webhooks"."""
    key = base64.b64decode(secret)
    digest = hmac.new(key, body, hashlib.sha256).digest()
    return "HMAC " + base64.b64encode(digest).decode()


def teams_activity(
    text: str,
    *,
    aad: str = "aad-unlinked",
    name: str = "Pat Teams",
    activity_id: str | None = None,
    timestamp: str | None = "now",
    tenant: str = TENANT,
) -> dict:
    """A message activity as Teams' outgoing webhook posts it: the bot's
    mention in ``<at>`` and the text as HTML."""
    activity = {
        "type": "message",
        "id": activity_id or f"1{uuid.uuid4().int % 10**15}",
        "text": f"<at>Helpdesk</at>&nbsp;{text}",
        "textFormat": "plain",
        "from": {"id": f"29:{aad}", "name": name, "aadObjectId": aad},
        "channelData": {
            "teamsChannelId": "19:channel@thread.skype",
            "tenant": {"id": tenant},
        },
        "entities": [{"type": "clientInfo", "locale": "en-US"}],
    }
    if timestamp == "now":
        activity["timestamp"] = (
            datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
    elif timestamp is not None:
        activity["timestamp"] = timestamp
    return activity


def connector_make(**fields) -> TeamsConnector:
    connector = TeamsConnector(name="Support channel", **fields)
    connector.outgoing_secret = SECRET
    connector.save()
    return connector


def teams_post(
    client,
    connector: TeamsConnector | str,
    activity: dict | bytes,
    *,
    secret: str = SECRET,
    authorization: str | None = "sign",
):
    """POST ``activity`` (a dict as compact JSON, or raw bytes) signed with
    ``secret``, as Teams does; ``authorization`` None sends no header."""
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    headers = {}
    if authorization == "sign":
        headers["HTTP_AUTHORIZATION"] = teams_signature(body, secret)
    elif authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    connector_id = connector if isinstance(connector, str) else str(connector.pk)
    return client.post(
        f"/integrations/teams/{connector_id}/",
        data=body,
        content_type="application/json",
        **headers,
    )


def answer_text(response) -> str:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "message"
    return body["text"]


# --- Fixtures -----------------------------------------------------------------


@pytest.fixture
def connector(db):
    return connector_make()


@pytest.fixture
def linked_agent(agent):
    agent.full_name = "Agnes Agent"
    agent.save(update_fields=["full_name"])
    TeamsLink.objects.create(tenant_id=TENANT, aad_object_id="aad-agent", user=agent)
    return agent


@pytest.fixture
def linked_customer(customer):
    customer.full_name = "Carl Customer"
    customer.save(update_fields=["full_name"])
    TeamsLink.objects.create(
        tenant_id=TENANT, aad_object_id="aad-customer", user=customer
    )
    return customer


@pytest.fixture
def ask(client, connector):
    """Send ``text`` as the person with Azure AD id ``aad``; the response."""

    def _ask(text: str, aad: str = "aad-unlinked", **fields):
        return teams_post(client, connector, teams_activity(text, aad=aad, **fields))

    return _ask


@pytest.fixture
def ticket(linked_customer, department):
    """An open ticket of the linked customer, in the linked agent's
    department, with a public reply and an internal note."""
    ticket = TicketFactory(
        requester=linked_customer,
        department=department,
        subject="Printer jams",
        status=Ticket.Status.OPEN,
    )
    Message.objects.create(ticket=ticket, author=linked_customer, body="It jams.")
    staff = UserFactory(agent=True, full_name="Sam Staff")
    MessageFactory(
        ticket=ticket, author=staff, body="Try the other tray please.", internal=False
    )
    MessageFactory(
        ticket=ticket, author=staff, body="Secret: vendor owes us", internal=True
    )
    return ticket


def ticket_state(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.assignee_id,
        ticket.messages.count(),
        ticket.events.count(),
    )


def link_answer_ok(text: str, aad: str) -> None:
    prefix = settings.SITE_URL.rstrip("/") + "/integrations/teams/link/"
    assert "Sign in and confirm to link your Teams account" in text
    url = next(word for word in text.split() if word.startswith(prefix))
    token = url.removeprefix(prefix).rstrip("/")
    request = link_token_read(token)
    assert request.aad_object_id == aad
    assert request.tenant_id == TENANT
    assert request.display_name == "Pat Teams"


# --- help -------------------------------------------------------------------


@pytest.mark.parametrize("aad", ["aad-agent", "aad-customer", "aad-unlinked"])
def test_help_for_everyone(ask, linked_agent, linked_customer, aad):
    text = answer_text(ask("help", aad=aad))
    assert "What I can do" in text
    assert "`new <subject>`" in text
    row = TeamsCommand.objects.get()
    assert row.verb == "help"
    assert row.outcome == "help"
    assert row.aad_object_id == aad
    expected = {"aad-agent": linked_agent, "aad-customer": linked_customer}.get(aad)
    assert row.user == expected


def test_a_bare_mention_is_help(ask):
    assert "What I can do" in answer_text(ask(""))


# --- new ----------------------------------------------------------------------


def test_new_from_a_customer_opens_their_request(ask, linked_customer):
    text = answer_text(
        ask("new Printer broken<br>It jams on page 2<br>Every time", aad="aad-customer")
    )
    ticket = Ticket.objects.get()
    assert ticket.requester == linked_customer
    assert ticket.subject == "Printer broken"
    assert ticket.channel == Ticket.Channel.CHAT
    first = ticket.messages.get()
    assert first.body == "It jams on page 2\nEvery time"
    assert first.author == linked_customer and not first.internal
    assert text.startswith(f"Opened {ticket.reference}: Printer broken")
    assert settings.SITE_URL.rstrip("/") + ticket.get_absolute_url() in text
    row = TeamsCommand.objects.get()
    assert (row.verb, row.outcome, row.ticket, row.user) == (
        "new",
        "created",
        ticket,
        linked_customer,
    )


def test_a_person_mentioned_in_the_message_keeps_their_name(ask, linked_customer):
    # The first mention is the helpdesk's own (ask() puts it first); a
    # colleague mentioned later is part of what the person wrote.
    ask(
        "new Laptop for <at>Ann Lee</at><br>She starts <at>Monday</at>",
        aad="aad-customer",
    )
    ticket = Ticket.objects.get()
    assert ticket.subject == "Laptop for Ann Lee"
    assert ticket.messages.get().body == "She starts Monday"


def test_new_from_an_agent_opens_a_ticket_for_them(ask, linked_agent):
    text = answer_text(ask("new VPN down", aad="aad-agent"))
    ticket = Ticket.objects.get()
    assert ticket.requester == linked_agent
    assert ticket.subject == "VPN down"
    assert ticket.messages.get().body == "VPN down"  # no description: the subject
    assert settings.SITE_URL.rstrip("/") + ticket.get_agent_url() in text


def test_new_paragraphs_as_teams_sends_them(ask, linked_customer):
    answer_text(
        ask(
            "new Mail &amp; calendar</p><p>Outlook hangs&nbsp;at start",
            aad="aad-customer",
        )
    )
    ticket = Ticket.objects.get()
    assert ticket.subject == "Mail & calendar"
    assert ticket.messages.get().body == "Outlook hangs at start"


def test_new_without_subject_opens_nothing(ask, linked_customer):
    text = answer_text(ask("new", aad="aad-customer"))
    assert "Write a subject after `new`" in text
    assert not Ticket.objects.exists()


def test_new_from_an_unlinked_person_sends_the_link(ask):
    text = answer_text(ask("new Printer broken"))
    link_answer_ok(text, "aad-unlinked")
    assert not Ticket.objects.exists()
    row = TeamsCommand.objects.get()
    assert row.user is None and row.verb == "new"
    assert row.outcome == "not linked: sent the link"


def test_no_azure_id_gets_no_link(client, connector):
    activity = teams_activity("mine")
    del activity["from"]["aadObjectId"]
    text = answer_text(teams_post(client, connector, activity))
    assert text == commands.NO_IDENTITY


def test_a_deactivated_account_is_unlinked(ask, linked_customer):
    linked_customer.is_active = False
    linked_customer.save(update_fields=["is_active"])
    assert "Sign in and confirm" in answer_text(ask("mine", aad="aad-customer"))


# --- #1042 ------------------------------------------------------------------


def test_show_to_the_customer_hides_staff_data(ask, ticket):
    text = answer_text(ask(f"#{ticket.number}", aad="aad-customer"))
    assert f"**{ticket.reference}** Printer jams" in text
    assert "Status: Open" in text
    assert "Handled by: Our team" in text
    assert "Last reply by Sam Staff: Try the other tray please." in text
    assert "Secret" not in text
    assert "SLA" not in text and "Priority" not in text
    assert settings.SITE_URL.rstrip("/") + ticket.get_absolute_url() in text
    row = TeamsCommand.objects.get()
    assert (row.verb, row.outcome, row.ticket) == ("show", "shown", ticket)


def test_show_to_the_agent(ask, ticket, linked_agent):
    ticket.assignee = linked_agent
    ticket.save(update_fields=["assignee"])
    text = answer_text(ask(f"show #{ticket.number}", aad="aad-agent"))
    assert "Assignee: Agnes Agent" in text
    assert "Priority: Normal" in text
    assert "SLA: no SLA policy" in text
    assert "Last reply by Sam Staff: Try the other tray please." in text
    assert "Secret" not in text  # the last *public* reply
    assert settings.SITE_URL.rstrip("/") + ticket.get_agent_url() in text


def test_show_a_number_without_hash(ask, ticket):
    assert "Printer jams" in answer_text(ask(str(ticket.number), aad="aad-customer"))


@pytest.fixture
def round_the_clock(db):
    calendar = BusinessCalendar.objects.create(name="24/7", timezone="UTC")
    for weekday in range(7):
        BusinessHours.objects.create(
            calendar=calendar, weekday=weekday, start=time(0), end=time(0)
        )
    policy = SLAPolicy.objects.create(
        name="Standard", calendar=calendar, is_default=True, warn_before_minutes=30
    )
    for priority in Ticket.Priority.values:
        SLATarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=60,
            next_response_minutes=120,
            resolution_minutes=480,
        )
    return policy


def test_show_gives_agents_the_sla(ask, linked_agent, linked_customer, round_the_clock):
    answer_text(ask("new Server room hot", aad="aad-customer"))
    ticket = Ticket.objects.get()
    assert ticket.first_response_due_at is not None
    due = ticket.first_response_due_at.astimezone(UTC)
    text = answer_text(ask(f"#{ticket.number}", aad="aad-agent"))
    assert f"SLA: on track, first reply due {due:%a %d %b %Y %H:%M} UTC" in text, text
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at=timezone.now() - timedelta(minutes=5)
    )
    assert "SLA: overdue, first reply due" in answer_text(
        ask(f"#{ticket.number}", aad="aad-agent")
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due_at=timezone.now() + timedelta(minutes=10)
    )
    assert "SLA: at risk, first reply due" in answer_text(
        ask(f"#{ticket.number}", aad="aad-agent")
    )
    customer_view = answer_text(ask(f"#{ticket.number}", aad="aad-customer"))
    assert "SLA" not in customer_view


def test_show_unlinked_sends_the_link(ask, ticket):
    text = answer_text(ask(f"#{ticket.number}"))
    link_answer_ok(text, "aad-unlinked")
    assert "Printer jams" not in text


def test_someone_elses_ticket_reads_as_a_missing_one(client, connector, ticket):
    other = UserFactory(full_name="Olga Other")
    TeamsLink.objects.create(tenant_id=TENANT, aad_object_id="aad-other", user=other)
    missing = ticket.number + 1000
    for command in ("#{}", "show #{}"):
        seen = teams_post(
            client,
            connector,
            teams_activity(command.format(ticket.number), aad="aad-other"),
        )
        absent = teams_post(
            client, connector, teams_activity(command.format(missing), aad="aad-other")
        )
        assert seen.status_code == absent.status_code == 200
        assert seen.content == absent.content
        assert seen.json()["text"] == commands.NOT_FOUND


def test_an_agent_outside_the_department_gets_not_found(ask, ticket, linked_agent):
    ticket.department = None
    ticket.save(update_fields=["department"])
    stranger_dept = TicketFactory().department
    ticket.department = stranger_dept
    ticket.save(update_fields=["department"])
    before = ticket_state(ticket)
    for text in (f"#{ticket.number}", f"take #{ticket.number}", "take #99999999"):
        assert answer_text(ask(text, aad="aad-agent")) == commands.NOT_FOUND
    assert ticket_state(ticket) == before


@pytest.mark.parametrize(
    "number", ["99999999999999999999", "0", "#00000", "#2147483648", "-5"]
)
def test_numbers_no_ticket_has(ask, linked_customer, number):
    text = answer_text(ask(number, aad="aad-customer"))
    if number == "-5":
        assert "I did not understand that." in text
    else:
        assert text == commands.NOT_FOUND


@pytest.mark.parametrize("digits", ["٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "߀߁߂߃߄߅߆߇߈߉"])
def test_only_ascii_digits_name_a_ticket(ask, ticket, linked_customer, digits):
    """``#١٢`` is not ticket 12: a number is written in ASCII digits, as on
    the web, so one ticket has one spelling in the command log."""
    spelled = f"#{ticket.number}".translate(str.maketrans("0123456789", digits))
    for text in (spelled, f"show {spelled}"):
        answer = answer_text(ask(text, aad="aad-customer"))
        assert ticket.reference not in answer
        assert "Printer jams" not in answer


# --- mine -------------------------------------------------------------------


def test_mine_for_a_customer(ask, ticket, linked_customer):
    TicketFactory(requester=linked_customer, subject="Old one", solved=True)
    TicketFactory(subject="Not yours")
    text = answer_text(ask("mine", aad="aad-customer"))
    assert "**Your open requests** (1)" in text
    assert f"- {ticket.reference} Printer jams (Open)" in text
    assert "Old one" not in text and "Not yours" not in text


def test_mine_for_an_agent_is_capped(ask, linked_agent, department):
    for number in range(12):
        TicketFactory(
            department=department,
            assignee=linked_agent,
            subject=f"Job {number}",
            status=Ticket.Status.OPEN,
        )
    TicketFactory(department=department, subject="Someone else's")
    text = answer_text(ask("mine", aad="aad-agent"))
    assert "**Open tickets assigned to you** (12)" in text
    listed = [line for line in text.splitlines() if line.startswith("- #")]
    assert len(listed) == 10
    assert "and 2 more" in text
    assert "Someone else" not in text
    assert TeamsCommand.objects.get().outcome == "listed 12"


def test_mine_empty(ask, linked_customer, linked_agent):
    assert answer_text(ask("mine", aad="aad-customer")) == "No open tickets of yours."
    assert answer_text(ask("mine", aad="aad-agent")) == (
        "No open tickets assigned to you."
    )


def test_mine_unlinked(ask):
    link_answer_ok(answer_text(ask("mine")), "aad-unlinked")


# --- Agent commands ---------------------------------------------------------


def test_take(ask, ticket, linked_agent):
    text = answer_text(ask(f"take #{ticket.number}", aad="aad-agent"))
    assert text == f"You took {ticket.reference}: Printer jams"
    ticket.refresh_from_db()
    assert ticket.assignee == linked_agent
    row = TeamsCommand.objects.get()
    assert (row.verb, row.outcome, row.ticket) == ("take", "taken", ticket)


def test_assign(ask, ticket, linked_agent, department):
    colleague = UserFactory(agent=True, full_name="Cora Colleague")
    department.agents.add(colleague)
    text = answer_text(
        ask(f"assign #{ticket.number} {colleague.email.upper()}", aad="aad-agent")
    )
    assert text == f"Assigned {ticket.reference} to Cora Colleague."
    ticket.refresh_from_db()
    assert ticket.assignee == colleague


def test_assign_to_a_customer_or_nobody_known(ask, ticket, linked_agent):
    before = ticket_state(ticket)
    customer_email = ticket.requester.email
    for email in (customer_email, "nobody@example.com"):
        text = answer_text(ask(f"assign #{ticket.number} {email}", aad="aad-agent"))
        assert text.startswith("No active agent has the address ")
    assert "Name the agent by email" in answer_text(
        ask(f"assign #{ticket.number}", aad="aad-agent")
    )
    assert ticket_state(ticket) == before


def test_reply_is_public(ask, ticket, linked_agent):
    text = answer_text(
        ask(f"reply #{ticket.number} Fixed the tray.<br>Try now", aad="aad-agent")
    )
    assert text == f"Replied publicly on {ticket.reference}."
    message = ticket.messages.order_by("-created_at", "-pk").first()
    assert message.author == linked_agent
    assert message.body == "Fixed the tray.\nTry now"
    assert message.internal is False
    assert TeamsCommand.objects.get().outcome == "replied"


def test_note_is_internal(ask, ticket, linked_agent):
    text = answer_text(ask(f"note #{ticket.number} Called the vendor", aad="aad-agent"))
    assert text == f"Added an internal note to {ticket.reference}."
    message = ticket.messages.order_by("-created_at", "-pk").first()
    assert message.body == "Called the vendor"
    assert message.internal is True
    # The customer never sees it, not even as the last reply.
    assert "Called the vendor" not in answer_text(
        ask(f"#{ticket.number}", aad="aad-customer")
    )


def test_empty_reply_adds_nothing(ask, ticket, linked_agent):
    before = ticket_state(ticket)
    assert "Write the reply after the number" in answer_text(
        ask(f"reply #{ticket.number}", aad="aad-agent")
    )
    assert ticket_state(ticket) == before


def test_solve(ask, ticket, linked_agent):
    text = answer_text(ask(f"solve #{ticket.number}", aad="aad-agent"))
    assert text == f"Marked {ticket.reference} solved."
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED
    again = answer_text(ask(f"solve #{ticket.number}", aad="aad-agent"))
    assert again == f"{ticket.reference} is already solved."


def test_service_refusals_are_the_answer(ask, ticket, linked_agent):
    ticket.status = Ticket.Status.CLOSED
    ticket.save(update_fields=["status"])
    before = ticket_state(ticket)
    text = answer_text(ask(f"reply #{ticket.number} Hello", aad="aad-agent"))
    assert text == "This ticket is closed and cannot take replies."
    text = answer_text(ask(f"take #{ticket.number}", aad="aad-agent"))
    assert text == "This ticket is closed and cannot change."
    assert ticket_state(ticket) == before
    assert TeamsCommand.objects.filter(outcome__startswith="refused").count() == 2


@pytest.mark.parametrize(
    "command",
    [
        "take #{n}",
        "assign #{n} x@example.com",
        "reply #{n} Hi",
        "note #{n} Hi",
        "solve #{n}",
    ],
)
def test_agent_commands_refused_to_customers(ask, ticket, command):
    before = ticket_state(ticket)
    own = answer_text(ask(command.format(n=ticket.number), aad="aad-customer"))
    missing = answer_text(ask(command.format(n=ticket.number + 7), aad="aad-customer"))
    assert own == missing == commands.AGENTS_ONLY
    assert ticket_state(ticket) == before
    assert set(TeamsCommand.objects.values_list("outcome", flat=True)) == {
        "refused: agents only"
    }


@pytest.mark.parametrize(
    "command",
    [
        "take #{n}",
        "assign #{n} x@example.com",
        "reply #{n} Hi",
        "note #{n} Hi",
        "solve #{n}",
    ],
)
def test_agent_commands_unlinked(ask, ticket, command):
    before = ticket_state(ticket)
    text = answer_text(ask(command.format(n=ticket.number)))
    link_answer_ok(text, "aad-unlinked")
    assert ticket_state(ticket) == before


def test_agent_command_without_number(ask, linked_agent):
    assert "Name the ticket by its number" in answer_text(ask("take", aad="aad-agent"))
    assert "Name the ticket by its number" in answer_text(
        ask("take printer", aad="aad-agent")
    )


def test_unknown_words(ask, linked_customer):
    text = answer_text(ask("please fix everything", aad="aad-customer"))
    assert text.startswith("I did not understand that.")
    assert TeamsCommand.objects.get().verb == "unknown"


# --- Replays and answers ----------------------------------------------------


def test_a_replayed_activity_acts_once(client, connector, linked_customer):
    activity = teams_activity("new Printer broken", aad="aad-customer")
    first = answer_text(teams_post(client, connector, activity))
    again = answer_text(teams_post(client, connector, activity))
    assert first.startswith("Opened #")
    assert again == commands.ALREADY
    assert Ticket.objects.count() == 1
    assert TeamsCommand.objects.count() == 1


def test_the_same_activity_id_on_another_connector_is_its_own(
    client, connector, linked_customer
):
    other = connector_make()
    activity = teams_activity("mine", aad="aad-customer")
    answer_text(teams_post(client, connector, activity))
    assert answer_text(teams_post(client, other, activity)) != commands.ALREADY
    assert TeamsCommand.objects.count() == 2


def test_user_text_cannot_add_links_or_mentions(ask, linked_customer):
    subject = "&lt;at&gt;Boss&lt;/at&gt; [click](https://evil.example) **now** ![x](y)"
    text = answer_text(ask(f"new {subject}", aad="aad-customer"))
    ticket = Ticket.objects.get()
    assert (
        ticket.subject == "<at>Boss</at> [click](https://evil.example) **now** ![x](y)"
    )
    shown = text.split("\n\n")[0]
    assert "<at>" not in shown
    assert "[click](" not in shown
    assert "**now**" not in shown
    assert "https://" not in shown
    assert r"\<at\>Boss\<\/at\>" in shown
    assert r"\[click\]\(https\:\/\/evil.example\)" in shown


def test_long_text_is_recorded_capped(ask, linked_agent, ticket):
    body = "word " * 1000
    answer_text(ask(f"note #{ticket.number} {body}", aad="aad-agent"))
    row = TeamsCommand.objects.get()
    assert len(row.text) == commands.TEXT_LIMIT
    assert ticket.messages.filter(internal=True, body=body.strip()).exists()


def test_the_endpoint_is_named(connector):
    assert (
        reverse(
            "integrations:teams_webhook", kwargs={"connector_id": str(connector.pk)}
        )
        == f"/integrations/teams/{connector.pk}/"
    )


def test_a_racing_duplicate_is_refused_by_the_constraint(connector, linked_customer):
    """The existence check can miss a request running alongside; the unique
    constraint then refuses the second claim, which acts on nothing."""
    from integrations.teams.activity import activity_read

    activity = activity_read(teams_activity("new Printer", aad="aad-customer"))
    first = commands.teams_command_claim(
        connector=connector, activity=activity, user=linked_customer, verb="new"
    )
    second = commands.teams_command_claim(
        connector=connector, activity=activity, user=linked_customer, verb="new"
    )
    assert first is not None and second is None
    assert TeamsCommand.objects.count() == 1
    assert TeamsCommand.objects.get().outcome == "received"


def test_assign_to_an_address_teams_turned_into_a_link(ask, ticket, linked_agent):
    """Teams sends a typed address as a mailto link inside the HTML."""
    colleague = UserFactory(agent=True, full_name="Lina Link")
    address = colleague.email
    text = answer_text(
        ask(
            f'assign #{ticket.number} <a href="mailto:{address}">{address}</a>',
            aad="aad-agent",
        )
    )
    assert text == f"Assigned {ticket.reference} to Lina Link."
    ticket.refresh_from_db()
    assert ticket.assignee == colleague


def test_control_characters_in_a_signed_activity_are_dropped(
    client, connector, linked_customer
):
    """JSON may carry NUL ("\\u0000"); PostgreSQL text cannot hold it, so
    recording the command answered 500. Control characters are dropped from
    everything read from the activity."""
    activity = teams_activity(
        "new Print\u0000er\nIt\u0007 jams", aad="aad-customer", name="Pat\u0000"
    )
    activity["id"] = "1\u0000234"

    text = answer_text(teams_post(client, connector, activity))

    assert "Printer" in text
    ticket = Ticket.objects.get(subject="Printer")
    assert ticket.messages.get().body == "It jams"
    record = TeamsCommand.objects.get()
    assert (record.activity_id, record.display_name) == ("1234", "Pat")
