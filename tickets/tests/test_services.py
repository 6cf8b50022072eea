import hashlib
import itertools
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tests.factories import UserFactory
from helpdesk.errors import PermissionDeniedError
from organizations.tests.factories import OrganizationFactory, TeamFactory
from tickets import services
from tickets.models import Attachment, Message, Ticket, TicketEvent
from tickets.workflow import ALLOWED_TRANSITIONS, TransitionNotAllowed

from .factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status
Kind = TicketEvent.Kind


def kinds(ticket):
    return list(ticket.events.values_list("kind", flat=True))


# --- ticket_create ----------------------------------------------------------


def test_ticket_create_numbers_routes_and_records(customer, settings):
    settings.TICKET_NUMBER_START = 1001
    organization = OrganizationFactory()
    customer.organization = organization
    customer.save()
    category = CategoryFactory()

    first = services.ticket_create(
        requester=customer, subject="  Printer on fire ", body="Help", category=category
    )
    second = services.ticket_create(requester=customer, subject="Again", body="More")

    assert (first.number, second.number) == (1001, 1002)
    assert first.reference == "#1001"
    assert first.subject == "Printer on fire"
    assert first.status == Status.NEW
    assert first.organization == organization
    assert first.department == category.default_department
    message = first.messages.get()
    assert (message.author, message.body, message.internal) == (customer, "Help", False)
    event = first.events.get()
    assert (event.kind, event.actor, event.new_value) == (Kind.CREATED, customer, "new")


def test_ticket_create_on_behalf_records_the_agent(agent, customer):
    ticket = services.ticket_create(
        requester=customer,
        actor=agent,
        subject="Phoned in",
        body="Customer called about the invoice.",
        channel=Ticket.Channel.AGENT,
    )
    assert ticket.requester == customer
    assert ticket.events.get().actor == agent
    assert ticket.messages.get().author == agent
    # The first message comes back with the ticket, as stored.
    assert ticket.opening_message == ticket.messages.get()
    assert ticket.opening_message.body == "Customer called about the invoice."


def test_ticket_create_refuses_empty_subject_and_body(customer):
    with pytest.raises(services.InvalidTicketChange, match="subject"):
        services.ticket_create(requester=customer, subject="  ", body="x")
    with pytest.raises(services.InvalidTicketChange, match="description"):
        services.ticket_create(requester=customer, subject="x", body=" ")
    assert not Ticket.objects.exists()


def test_ticket_create_refuses_team_outside_department(customer, department):
    other_team = TeamFactory()
    with pytest.raises(services.InvalidTicketChange, match="not part of"):
        services.ticket_create(
            requester=customer,
            subject="x",
            body="y",
            department=department,
            team=other_team,
        )


def test_attachments_are_stored_privately_with_hash(customer, settings):
    data = b"%PDF-1.4 invoice"
    upload = SimpleUploadedFile("Invoice March.pdf", data, "application/pdf")

    ticket = services.ticket_create(
        requester=customer, subject="Invoice", body="See file", attachments=[upload]
    )

    attachment = Attachment.objects.get(message__ticket=ticket)
    assert attachment.original_name == "Invoice March.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.file.read() == data
    # Stored under a random name in the private root, never the sender's name.
    path = attachment.file.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert "Invoice" not in path
    with pytest.raises(NotImplementedError):
        attachment.file.url  # noqa: B018
    assert ticket.rejected_attachments == []


def test_refused_attachments_are_reported_and_the_rest_kept(customer, settings):
    settings.ATTACHMENT_MAX_SIZE = 10
    settings.ATTACHMENT_ALLOWED_EXTENSIONS = ["txt"]
    files = [
        SimpleUploadedFile("ok.txt", b"fine"),
        SimpleUploadedFile("big.txt", b"x" * 11),
        SimpleUploadedFile("run.exe", b"MZ"),
        SimpleUploadedFile("README", b"none"),
    ]

    ticket = services.ticket_create(
        requester=customer, subject="Files", body="Body kept", attachments=files
    )

    assert ticket.messages.get().body == "Body kept"
    assert [a.original_name for a in Attachment.objects.all()] == ["ok.txt"]
    reasons = {r.name: r.reason for r in ticket.rejected_attachments}
    assert "over the 10\xa0bytes limit" in reasons["big.txt"]
    assert reasons["run.exe"] == "files of type .exe are not accepted"
    assert reasons["README"] == "files without an extension are not accepted"


# --- status transitions -----------------------------------------------------

ALL_PAIRS = list(itertools.product(Status.values, Status.values))
ALLOWED_PAIRS = [(a, b) for a, b in ALL_PAIRS if b in ALLOWED_TRANSITIONS[a]]
REFUSED_PAIRS = [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED_TRANSITIONS[a]]


def test_the_transition_table_is_what_the_product_promises():
    assert len(ALLOWED_PAIRS) == 19
    assert ALLOWED_TRANSITIONS[Status.CLOSED] == frozenset()
    assert all(Status.NEW not in targets for targets in ALLOWED_TRANSITIONS.values())
    assert ALLOWED_TRANSITIONS[Status.SOLVED] == {Status.OPEN, Status.CLOSED}


@pytest.mark.parametrize(("old", "new"), ALLOWED_PAIRS)
def test_allowed_transition_changes_status_and_records_event(
    old, new, agent, admin_user
):
    ticket = TicketFactory(status=old, department=agent.departments.get())
    # Agents solve; closing by hand is an admin's (test_guards_bulk.py).
    actor = admin_user if new == Status.CLOSED else agent

    services.ticket_change_status(ticket=ticket, actor=actor, status=new)

    ticket.refresh_from_db()
    assert ticket.status == new
    event = ticket.events.get(kind=Kind.STATUS)
    assert (event.actor, event.old_value, event.new_value) == (actor, old, new)
    assert (ticket.solved_at is not None) == (new == Status.SOLVED)
    assert (ticket.closed_at is not None) == (new == Status.CLOSED)


@pytest.mark.parametrize(("old", "new"), REFUSED_PAIRS)
def test_refused_transition_raises_clear_error_and_changes_nothing(old, new, agent):
    ticket = TicketFactory(status=old, department=agent.departments.get())

    with pytest.raises(TransitionNotAllowed) as error:
        services.ticket_change_status(ticket=ticket, actor=agent, status=new)

    assert error.value.status_code == 409
    assert error.value.message.endswith(".")
    assert error.value.extra == {"from": old, "to": new}
    ticket.refresh_from_db()
    assert ticket.status == old
    assert not ticket.events.exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("open", "open", "The ticket is already open."),
        ("closed", "open", "A closed ticket cannot change"),
        ("open", "new", "A ticket cannot go back to new."),
        ("solved", "pending", "A solved ticket cannot become pending."),
    ],
)
def test_refusal_messages_read_well(old, new, message, agent):
    ticket = TicketFactory(status=old, department=agent.departments.get())
    with pytest.raises(TransitionNotAllowed, match=message):
        services.ticket_change_status(ticket=ticket, actor=agent, status=new)


def test_reopening_a_solved_ticket_clears_solved_at(agent):
    ticket = TicketFactory(solved=True, department=agent.departments.get())
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.solved_at is None


def test_customer_may_solve_and_reopen_but_not_hold(customer):
    ticket = TicketFactory(requester=customer, open=True)
    with pytest.raises(PermissionDeniedError):
        services.ticket_change_status(
            ticket=ticket, actor=customer, status=Status.ON_HOLD
        )
    services.ticket_change_status(ticket=ticket, actor=customer, status=Status.SOLVED)
    services.ticket_change_status(ticket=ticket, actor=customer, status=Status.OPEN)
    assert kinds(ticket) == [Kind.STATUS, Kind.STATUS]


def test_stranger_cannot_change_status(customer):
    ticket = TicketFactory(open=True)
    with pytest.raises(PermissionDeniedError):
        services.ticket_change_status(
            ticket=ticket, actor=customer, status=Status.SOLVED
        )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_agent_outside_department_cannot_change_status(agent):
    ticket = TicketFactory(open=True)  # another department
    with pytest.raises(PermissionDeniedError):
        services.ticket_change_status(ticket=ticket, actor=agent, status=Status.SOLVED)


# --- message_add ------------------------------------------------------------


def test_agent_reply_opens_new_ticket_and_stamps_first_response(agent, customer):
    ticket = TicketFactory(requester=customer, department=agent.departments.get())

    message = services.message_add(ticket=ticket, author=agent, body="On it")

    ticket.refresh_from_db()
    message.refresh_from_db()  # both as stored (MongoDB keeps milliseconds)
    assert ticket.status == Status.OPEN
    assert ticket.first_response_at == message.created_at
    assert kinds(ticket) == [Kind.REPLY, Kind.STATUS]


def test_internal_note_opens_but_is_not_a_first_response(agent):
    ticket = TicketFactory(department=agent.departments.get())
    services.message_add(ticket=ticket, author=agent, body="Looking", internal=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.first_response_at is None
    assert kinds(ticket) == [Kind.NOTE, Kind.STATUS]


@pytest.mark.parametrize("status", [Status.PENDING, Status.SOLVED])
def test_customer_reply_reopens_pending_and_solved(status, customer):
    ticket = TicketFactory(requester=customer, status=status)
    services.message_add(ticket=ticket, author=customer, body="Still broken")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.solved_at is None


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN, Status.ON_HOLD])
def test_customer_reply_leaves_other_statuses(status, customer):
    ticket = TicketFactory(requester=customer, status=status)
    services.message_add(ticket=ticket, author=customer, body="Any news?")
    ticket.refresh_from_db()
    assert ticket.status == status


def test_closed_ticket_takes_no_message(customer):
    ticket = TicketFactory(requester=customer, closed=True)
    with pytest.raises(services.TicketClosedError):
        services.message_add(ticket=ticket, author=customer, body="Hello?")
    assert not Message.objects.filter(ticket=ticket).exists()


def test_customer_cannot_add_internal_note(customer):
    ticket = TicketFactory(requester=customer)
    with pytest.raises(PermissionDeniedError, match="internal notes"):
        services.message_add(ticket=ticket, author=customer, body="x", internal=True)
    assert not ticket.messages.exists()


def test_stranger_cannot_reply(customer):
    ticket = TicketFactory()
    with pytest.raises(PermissionDeniedError):
        services.message_add(ticket=ticket, author=customer, body="Hi")
    assert not ticket.messages.exists()


def test_organization_colleague_may_reply_only_when_sharing(customer):
    organization = OrganizationFactory(share_tickets=False)
    customer.organization = organization
    customer.save()
    ticket = TicketFactory(requester=UserFactory(organization=organization))
    with pytest.raises(PermissionDeniedError):
        services.message_add(ticket=ticket, author=customer, body="Me too")
    organization.share_tickets = True
    organization.save()
    ticket = Ticket.objects.get(pk=ticket.pk)
    services.message_add(ticket=ticket, author=customer, body="Me too")
    assert ticket.messages.count() == 1


# --- ticket_update ----------------------------------------------------------


def test_ticket_update_records_one_event_per_changed_field(agent):
    department = agent.departments.get()
    team = TeamFactory(department=department)
    ticket = TicketFactory(department=department)

    services.ticket_update(
        ticket=ticket,
        actor=agent,
        priority=Ticket.Priority.URGENT,
        assignee=agent,
        team=team,
        subject=ticket.subject,
    )

    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee, ticket.team) == ("urgent", agent, team)
    events = {e.kind: (e.old_value, e.new_value) for e in ticket.events.all()}
    assert events[Kind.PRIORITY] == ("Normal", "Urgent")
    assert events[Kind.ASSIGNEE] == ("", str(agent))
    assert events[Kind.TEAM] == ("", str(team))
    assert events[Kind.STATUS] == ("new", "open")
    assert Kind.SUBJECT not in events


def test_moving_department_drops_a_team_from_elsewhere(agent, admin_user):
    team = TeamFactory(department=agent.departments.get())
    ticket = TicketFactory(department=team.department, team=team)
    other = TeamFactory().department

    services.ticket_update(ticket=ticket, actor=admin_user, department=other)

    ticket.refresh_from_db()
    assert (ticket.department, ticket.team) == (other, None)


def test_ticket_update_refuses_customer_assignee_and_customers(agent, customer):
    ticket = TicketFactory(department=agent.departments.get())
    with pytest.raises(services.InvalidTicketChange, match="Only active agents"):
        services.ticket_update(ticket=ticket, actor=agent, assignee=customer)
    with pytest.raises(PermissionDeniedError):
        services.ticket_update(
            ticket=TicketFactory(requester=customer), actor=customer, priority="high"
        )
    with pytest.raises(services.InvalidTicketChange, match="Cannot change status"):
        services.ticket_update(ticket=ticket, actor=agent, status="open")
    assert not TicketEvent.objects.exists()


# --- auto-close job ---------------------------------------------------------


def test_close_solved_closes_only_old_solved_tickets_and_is_repeatable():
    old = TicketFactory(solved=True, solved_at=timezone.now() - timedelta(days=8))
    recent = TicketFactory(solved=True, solved_at=timezone.now() - timedelta(days=1))
    still_open = TicketFactory(open=True)

    assert services.tickets_close_solved(older_than_days=7) == 1
    assert services.tickets_close_solved(older_than_days=7) == 0

    old.refresh_from_db()
    recent.refresh_from_db()
    still_open.refresh_from_db()
    assert (old.status, recent.status, still_open.status) == (
        "closed",
        "solved",
        "open",
    )
    event = old.events.get()
    assert (event.actor, event.old_value, event.new_value) == (None, "solved", "closed")
