"""Replies to merged tickets follow the merge chain to the live ticket, in the
services, the API, the portal and the agent workspace (issue 11, item 8)."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from helpdesk.errors import PermissionDeniedError
from organizations.tests.factories import DepartmentFactory
from tickets import selectors, services
from tickets.models import Ticket, TicketEvent
from tickets.templatetags.ticket_tags import event_sentence

from .factories import TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status


@pytest.fixture
def queue(agent):
    return agent.departments.get()


def chain(*, agent, queue, requester, length: int) -> list[Ticket]:
    """``length`` + 1 tickets of ``requester``, each merged into the next by
    ``ticket_merge``: [B, A, ..., live]. The first is the oldest merged one."""
    tickets = [
        TicketFactory(requester=requester, department=queue, open=True)
        for _ in range(length + 1)
    ]
    for source, target in itertools.pairwise(tickets):
        source.refresh_from_db()
        target.refresh_from_db()
        services.ticket_merge(source=source, target=target, actor=agent)
    for ticket in tickets:
        ticket.refresh_from_db()
    return tickets


# --- The follower -----------------------------------------------------------


def test_follower_returns_an_unmerged_ticket_itself_without_a_query(customer, queue):
    ticket = TicketFactory(requester=customer, department=queue)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.ticket_merge_target_live(ticket=ticket) == ticket
    assert len(queries) == 0


def test_follower_reaches_the_end_of_a_chain_of_50_merges_one_query_a_hop(
    agent, queue, customer
):
    tickets = chain(agent=agent, queue=queue, requester=customer, length=50)
    with CaptureQueriesContext(connection) as queries:
        live = selectors.ticket_merge_target_live(ticket=tickets[0])
    assert live == tickets[-1]
    assert len(queries) == 50


def test_follower_stops_on_a_loop_with_a_clear_error(customer, queue):
    # Only data written outside ticket_merge can loop; the follower must not.
    first = TicketFactory(requester=customer, department=queue, closed=True)
    second = TicketFactory(
        requester=customer, department=queue, closed=True, merged_into=first
    )
    Ticket.objects.filter(pk=first.pk).update(merged_into=second)
    first.refresh_from_db()
    with pytest.raises(selectors.MergeChainBroken, match="loop back"):
        selectors.ticket_merge_target_live(ticket=first)


def test_follower_stops_after_its_hop_limit(agent, queue, customer):
    tickets = chain(agent=agent, queue=queue, requester=customer, length=4)
    with pytest.raises(selectors.MergeChainBroken, match="more than 3 times"):
        selectors.ticket_merge_target_live(ticket=tickets[0], max_hops=3)
    assert (
        selectors.ticket_merge_target_live(ticket=tickets[0], max_hops=4)
        == (tickets[-1])
    )


def test_merge_refuses_a_target_whose_chain_leads_back_to_the_source(agent, queue):
    source = TicketFactory(department=queue, open=True)
    # An open target already pointing at the source: damaged data, or the
    # other half of two opposite merges.
    target = TicketFactory(department=queue, open=True, merged_into=source)
    with pytest.raises(services.InvalidTicketChange, match="loop"):
        services.ticket_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()
    assert source.merged_into is None
    assert source.status == Status.OPEN


# --- Services: customers ----------------------------------------------------


@pytest.mark.parametrize("length", [1, 2, 3])
def test_customer_reply_to_the_oldest_merged_ticket_lands_on_the_live_one(
    agent, queue, customer, length
):
    tickets = chain(agent=agent, queue=queue, requester=customer, length=length)
    merged, live = tickets[0], tickets[-1]

    message = services.message_reply_or_follow_up(
        ticket=merged, author=customer, body="Any news?"
    )

    assert message.ticket == live
    assert not message.opened_follow_up
    assert not Ticket.objects.filter(follow_up_of__in=tickets).exists()
    event = live.events.get(kind=TicketEvent.Kind.REPLY)
    assert event.old_value == merged.reference
    assert event_sentence(event) == f"replied via merged ticket {merged.reference}"


def test_customer_reply_when_the_live_ticket_is_closed_follows_up_the_live_one(
    agent, queue, customer
):
    merged, middle, live = chain(agent=agent, queue=queue, requester=customer, length=2)
    services.ticket_change_status(ticket=live, actor=None, status=Status.CLOSED)

    message = services.message_reply_or_follow_up(
        ticket=merged, author=customer, body="It is back."
    )

    follow_up = message.ticket
    assert message.opened_follow_up
    assert follow_up.follow_up_of == live
    assert follow_up.requester == customer
    event = live.events.get(kind=TicketEvent.Kind.FOLLOW_UP)
    assert event.new_value == follow_up.reference
    assert merged.reference in event_sentence(event)
    assert not Ticket.objects.filter(follow_up_of__in=[merged, middle]).exists()


def test_customer_cannot_reach_a_live_ticket_of_someone_else(agent, queue, customer):
    """ticket_merge lets an agent merge any two tickets they work, whoever
    asked; the customer's reply then opens a follow-up of their own ticket and
    never touches the other requester's."""
    mine = TicketFactory(requester=customer, department=queue, open=True)
    middle = TicketFactory(requester=customer, department=queue, open=True)
    theirs = TicketFactory(department=queue, open=True)
    services.ticket_merge(source=mine, target=middle, actor=agent)
    middle.refresh_from_db()
    services.ticket_merge(source=middle, target=theirs, actor=agent)
    mine.refresh_from_db()

    message = services.message_reply_or_follow_up(
        ticket=mine, author=customer, body="Hello?"
    )

    assert message.ticket.follow_up_of == mine
    assert not theirs.messages.filter(body="Hello?").exists()
    with pytest.raises(services.MergedIntoUnseenTicket):
        services.message_add(ticket=mine, author=customer, body="Hello?")


def test_stranger_still_cannot_reply_to_a_merged_ticket(agent, queue, customer):
    merged, live = chain(agent=agent, queue=queue, requester=customer, length=1)
    with pytest.raises(PermissionDeniedError):
        services.message_reply_or_follow_up(
            ticket=merged, author=UserFactory(), body="Let me in"
        )
    assert not live.messages.filter(body="Let me in").exists()


# --- Services: agents -------------------------------------------------------


def test_agent_reply_to_a_merged_ticket_lands_on_the_live_one(agent, queue, customer):
    merged, _, live = chain(agent=agent, queue=queue, requester=customer, length=2)

    message = services.message_add(
        ticket=merged, author=agent, body="On it.", status=Status.PENDING
    )

    assert message.ticket == live
    live.refresh_from_db()
    assert live.status == Status.PENDING
    assert live.first_response_at is not None
    assert live.events.get(kind="reply").old_value == merged.reference


def test_agent_reply_when_the_live_ticket_is_closed_is_refused(agent, queue, customer):
    merged, live = chain(agent=agent, queue=queue, requester=customer, length=1)
    services.ticket_change_status(ticket=live, actor=None, status=Status.CLOSED)
    with pytest.raises(services.TicketClosedError, match=live.reference):
        services.message_add(ticket=merged, author=agent, body="Late answer")


def test_agent_of_another_department_cannot_reach_the_live_ticket(agent, queue):
    other = DepartmentFactory()
    admin = UserFactory(admin=True)
    merged = TicketFactory(department=queue, open=True)
    live = TicketFactory(department=other, open=True)
    services.ticket_merge(source=merged, target=live, actor=admin)
    merged.refresh_from_db()

    with pytest.raises(services.MergedIntoUnseenTicket):
        services.message_add(ticket=merged, author=agent, body="Hi", internal=True)
    assert not live.messages.filter(body="Hi").exists()


# --- API --------------------------------------------------------------------


def test_api_customer_reply_to_a_merged_ticket_lands_on_the_live_one(
    api_as, agent, queue, customer
):
    merged, _, _, live = chain(agent=agent, queue=queue, requester=customer, length=3)
    response = api_as(customer).post(
        f"/tickets/{merged.number}/messages", {"body": "Any news?"}, multipart=True
    )
    assert response.status_code == 201, response.json()
    assert response.json()["ticket"] == live.number
    assert live.messages.filter(body="Any news?").exists()


def test_api_agent_reply_to_a_merged_ticket_lands_on_the_live_one(
    api_as, agent, queue, customer
):
    merged, _, live = chain(agent=agent, queue=queue, requester=customer, length=2)
    response = api_as(agent).post(
        f"/tickets/{merged.number}/messages",
        {"body": "Fixed.", "internal": "true"},
        multipart=True,
    )
    assert response.status_code == 201, response.json()
    note = live.messages.get(body="Fixed.")
    assert note.internal


def test_api_agent_of_another_department_gets_404(api_as, agent, queue):
    other = DepartmentFactory()
    merged = TicketFactory(department=queue, open=True)
    live = TicketFactory(department=other, open=True)
    services.ticket_merge(source=merged, target=live, actor=UserFactory(admin=True))

    response = api_as(agent).post(
        f"/tickets/{merged.number}/messages", {"body": "Hi"}, multipart=True
    )

    assert response.status_code == 404
    assert not live.messages.filter(body="Hi").exists()


# --- Portal -----------------------------------------------------------------


def flashes(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_portal_reply_on_a_merged_request_goes_to_the_live_one(
    login, agent, queue, customer
):
    merged, _, _, live = chain(agent=agent, queue=queue, requester=customer, length=3)
    client = login(customer)

    page = client.get(merged.get_absolute_url())
    assert "This request was merged into" in page.content.decode()
    assert live.reference in page.content.decode()

    response = client.post(
        reverse("tickets:portal_reply", args=[merged.number]),
        {"body": "Still waiting"},
        follow=True,
    )

    assert response.redirect_chain[-1][0].startswith(live.get_absolute_url())
    assert (
        f"{merged.reference} was merged into {live.reference}; your reply was "
        "added there." in flashes(response)
    )
    assert live.messages.filter(body="Still waiting").exists()


def test_portal_reply_when_the_live_request_is_closed_opens_its_follow_up(
    login, agent, queue, customer
):
    merged, _, live = chain(agent=agent, queue=queue, requester=customer, length=2)
    services.ticket_change_status(ticket=live, actor=None, status=Status.CLOSED)

    response = login(customer).post(
        reverse("tickets:portal_reply", args=[merged.number]),
        {"body": "Again"},
        follow=True,
    )

    follow_up = Ticket.objects.get(follow_up_of=live)
    assert response.redirect_chain[-1][0].startswith(follow_up.get_absolute_url())
    assert any(
        f"merged into {live.reference}, which is closed" in text
        for text in flashes(response)
    )


# --- Agent workspace --------------------------------------------------------


def test_workspace_reply_on_a_merged_ticket_goes_to_the_live_one(
    login, agent, queue, customer
):
    merged, middle, live = chain(agent=agent, queue=queue, requester=customer, length=2)
    client = login(agent)

    page = client.get(merged.get_agent_url()).content.decode()
    assert middle.reference in page
    assert f"replies to it go to {live.reference}" in page

    response = client.post(
        reverse("tickets:agent_reply", args=[merged.number]),
        {"body": "Answered on the live ticket", "kind": "public"},
        follow=True,
    )

    assert response.redirect_chain[-1][0].startswith(live.get_agent_url())
    assert (
        f"{merged.reference} was merged into {live.reference}; reply sent there."
        in flashes(response)
    )
    assert live.messages.filter(body="Answered on the live ticket").exists()
    assert f"replied via merged ticket {merged.reference}" in response.content.decode()


def test_workspace_reply_cannot_reach_a_live_ticket_of_another_department(
    login, agent, queue
):
    merged = TicketFactory(department=queue, open=True)
    live = TicketFactory(department=DepartmentFactory(), open=True)
    services.ticket_merge(source=merged, target=live, actor=UserFactory(admin=True))

    response = login(agent).post(
        reverse("tickets:agent_reply", args=[merged.number]),
        {"body": "Hi", "kind": "public"},
    )

    assert response.status_code == 400
    refusal = f"{merged.reference} was merged into a ticket you cannot see."
    assert refusal in flashes(response)
    assert not live.messages.filter(body="Hi").exists()
