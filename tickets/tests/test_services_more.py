"""Merging, follow-ups, bulk changes, canned responses, saved filters, presence."""

import pytest

from accounts.tests.factories import UserFactory
from helpdesk.errors import PermissionDeniedError
from organizations.tests.factories import DepartmentFactory, OrganizationFactory
from tickets import services
from tickets.models import CannedResponse, Message, SavedFilter, Ticket, TicketPresence

from .factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status


@pytest.fixture
def queue(agent):
    return agent.departments.get()


# --- merge ------------------------------------------------------------------


def test_merge_closes_source_points_to_target_and_quotes_it(agent, queue):
    source = TicketFactory(department=queue, subject="Printer broken")
    MessageFactory(ticket=source, body="It prints blank pages.\nSince Monday.")
    target = TicketFactory(department=queue, open=True)

    services.ticket_merge(source=source, target=target, actor=agent)

    source.refresh_from_db()
    assert source.status == Status.CLOSED
    assert source.merged_into == target
    note = target.messages.get()
    assert note.internal
    assert f"Merged {source.reference} (Printer broken)" in note.body
    assert "> It prints blank pages.\n> Since Monday." in note.body
    assert source.events.filter(kind="merged_into", new_value=target.reference).exists()
    assert target.events.filter(kind="merged_from", new_value=source.reference).exists()
    # The source's messages stay where their authors wrote them.
    assert source.messages.count() == 1


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("same", services.InvalidTicketChange),
        ("closed_target", services.TicketClosedError),
        ("closed_source", services.TicketClosedError),
        ("foreign_target", PermissionDeniedError),
    ],
)
def test_merge_refusals(agent, queue, setup, error):
    source = TicketFactory(department=queue, closed=setup == "closed_source")
    target = {
        "same": source,
        "closed_target": TicketFactory(department=queue, closed=True),
        "closed_source": TicketFactory(department=queue),
        "foreign_target": TicketFactory(department=DepartmentFactory()),
    }[setup]
    with pytest.raises(error):
        services.ticket_merge(source=source, target=target, actor=agent)
    assert not Message.objects.filter(internal=True).exists()


# --- customer replies to closed tickets -------------------------------------


def test_reply_to_closed_ticket_opens_linked_follow_up(customer, agent, queue):
    closed = TicketFactory(
        requester=customer,
        department=queue,
        closed=True,
        assignee=agent,
        priority="high",
        subject="VPN drops",
    )

    message = services.message_reply_or_follow_up(
        ticket=closed, author=customer, body="It is back again."
    )

    follow_up = message.ticket
    assert follow_up.pk != closed.pk
    assert follow_up.follow_up_of == closed
    assert (follow_up.subject, follow_up.priority) == ("VPN drops", "high")
    assert (follow_up.department, follow_up.assignee) == (queue, agent)
    assert follow_up.status == Status.NEW
    assert message.body == "It is back again."
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED
    assert closed.messages.count() == 0
    assert closed.events.get(kind="follow_up").new_value == follow_up.reference


def test_reply_to_merged_ticket_lands_on_the_target(customer, agent, queue):
    target = TicketFactory(requester=customer, department=queue, open=True)
    source = TicketFactory(requester=customer, department=queue)
    services.ticket_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()

    message = services.message_reply_or_follow_up(
        ticket=source, author=customer, body="Any news?"
    )

    assert message.ticket == target
    assert not Ticket.objects.filter(follow_up_of=source).exists()


def test_reply_to_merged_ticket_the_author_cannot_see_opens_follow_up(customer, queue):
    agent = UserFactory(agent=True)
    queue.agents.add(agent)
    target = TicketFactory(department=queue, open=True)  # someone else's
    source = TicketFactory(requester=customer, department=queue)
    services.ticket_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()

    message = services.message_reply_or_follow_up(
        ticket=source, author=customer, body="Hello?"
    )

    assert message.ticket.follow_up_of == source
    assert not target.messages.filter(body="Hello?").exists()


def test_stranger_cannot_reply_to_a_closed_ticket(customer):
    closed = TicketFactory(closed=True)
    with pytest.raises(PermissionDeniedError):
        services.message_reply_or_follow_up(ticket=closed, author=customer, body="x")
    assert not Ticket.objects.filter(follow_up_of=closed).exists()


# --- bulk -------------------------------------------------------------------


def test_bulk_changes_what_it_may_and_reports_the_rest(agent, queue):
    mine = TicketFactory.create_batch(2, department=queue)
    closed = TicketFactory(department=queue, closed=True)
    foreign = TicketFactory(department=DepartmentFactory())

    result = services.tickets_bulk_update(
        actor=agent,
        numbers=[t.number for t in [*mine, closed, foreign]] + [999_999],
        priority="urgent",
    )

    assert result.changed == [t.number for t in mine]
    refused = dict(result.refused)
    assert refused[closed.number] == "This ticket is closed and cannot change."
    assert refused[foreign.number] == "not found, or not yours to change"
    assert refused[999_999] == "not found, or not yours to change"
    foreign.refresh_from_db()
    assert foreign.priority == "normal"
    assert all(
        t.priority == "urgent"
        for t in Ticket.objects.filter(department=queue).exclude(pk=closed.pk)
    )


def test_bulk_status_refuses_impossible_moves_individually(agent, queue):
    solved = TicketFactory(department=queue, solved=True)
    fresh = TicketFactory(department=queue)
    result = services.tickets_bulk_update(
        actor=agent, numbers=[solved.number, fresh.number], status=Status.PENDING
    )
    assert result.changed == [fresh.number]
    assert result.refused == [(solved.number, "A solved ticket cannot become pending.")]


def test_bulk_assign_and_unassign(agent, queue):
    ticket = TicketFactory(department=queue)
    services.tickets_bulk_update(actor=agent, numbers=[ticket.number], assignee=agent)
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    services.tickets_bulk_update(actor=agent, numbers=[ticket.number], assignee=None)
    ticket.refresh_from_db()
    assert ticket.assignee is None


# --- canned responses -------------------------------------------------------


def test_canned_placeholders_are_filled_without_a_template_engine(agent):
    ticket = TicketFactory(requester=UserFactory(full_name="Ada Lovelace"))
    response = CannedResponse(
        owner=agent,
        title="Hi",
        body="Hi {requester_name}, about {ticket_number}: {agent_name} here. "
        "{requester.password} {{ settings.SECRET_KEY }} {0.__class__}",
    )
    text = services.canned_render(response=response, ticket=ticket, agent=agent)
    assert text.startswith(f"Hi Ada, about {ticket.reference}: {agent.display_name}")
    assert "{requester.password} {{ settings.SECRET_KEY }} {0.__class__}" in text


def test_only_admins_share_canned_responses(agent, admin_user, customer):
    with pytest.raises(PermissionDeniedError):
        services.canned_create(actor=agent, title="T", body="B", shared=True)
    with pytest.raises(PermissionDeniedError):
        services.canned_create(actor=customer, title="T", body="B")
    shared = services.canned_create(actor=admin_user, title="T", body="B", shared=True)
    with pytest.raises(PermissionDeniedError):
        services.canned_update(
            actor=agent, response=shared, title="X", body="Y", shared=True
        )
    assert CannedResponse.objects.get().title == "T"


# --- saved filters and presence ---------------------------------------------


def test_saved_filter_drops_paging_and_replaces_by_name(agent):
    services.saved_filter_save(
        owner=agent, name="Urgent", query="view=all&priority=urgent&page=3&q="
    )
    services.saved_filter_save(owner=agent, name="Urgent", query="priority=high")
    saved = SavedFilter.objects.get()
    assert saved.query == "priority=high"
    with pytest.raises(services.InvalidTicketChange):
        services.saved_filter_save(owner=agent, name="  ", query="")


def test_saved_filter_query_is_cleaned(agent):
    saved = services.saved_filter_save(
        owner=agent, name="A", query="view=all&priority=urgent&page=3&q="
    )
    assert saved.query == "view=all&priority=urgent"


def test_presence_is_one_row_per_agent_and_ticket(agent):
    ticket = TicketFactory()
    services.presence_touch(ticket=ticket, user=agent, typing=False)
    services.presence_touch(ticket=ticket, user=agent, typing=True)
    presence = TicketPresence.objects.get()
    assert presence.typing is True
    services.presence_leave(ticket=ticket, user=agent)
    assert not TicketPresence.objects.exists()


def test_organization_change_does_not_move_old_tickets(customer):
    old_org = OrganizationFactory()
    customer.organization = old_org
    customer.save()
    ticket = services.ticket_create(requester=customer, subject="S", body="B")
    customer.organization = OrganizationFactory()
    customer.save()
    ticket.refresh_from_db()
    assert ticket.organization == old_org
