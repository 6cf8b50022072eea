"""Merging asks first: a confirmation page shows both tickets, warns when
they are not from the same requester or organization, lets the agent say how
the merged text lands on the target, and only the confirming POST merges.
The merged ticket's requester is told it was merged, not that it closed."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory, OrganizationFactory
from tickets import services
from tickets.models import Ticket

from .factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status


@pytest.fixture
def queue(agent):
    return agent.departments.get()


@pytest.fixture
def agent_client(login, agent):
    return login(agent)


def merge_url(ticket: Ticket) -> str:
    return reverse("tickets:agent_merge", args=[ticket.number])


def state(*tickets: Ticket) -> list[tuple]:
    """What a merge would change, for "nothing changed" checks."""
    rows = []
    for ticket in tickets:
        ticket.refresh_from_db()
        rows.append(
            (
                ticket.status,
                ticket.merged_into_id,
                ticket.messages.count(),
                ticket.events.count(),
            )
        )
    return rows


@pytest.fixture
def strangers(queue):
    """Two tickets from different people in different organizations."""
    alice = UserFactory(
        full_name="Alice Source", organization=OrganizationFactory(name="Acme")
    )
    bob = UserFactory(
        full_name="Bob Target", organization=OrganizationFactory(name="Globex")
    )
    source = TicketFactory(
        department=queue, requester=alice, subject="Printer jams on tray 2"
    )
    MessageFactory(ticket=source, body="Tray 2 jams every morning.")
    target = TicketFactory(
        department=queue, requester=bob, subject="Salary slip question", open=True
    )
    MessageFactory(ticket=target, body="Where is my slip?")
    MessageFactory(ticket=target, note=True, body="Ask payroll.")
    return source, target


# --- the confirmation step ---------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_naming_a_target_shows_both_tickets_and_changes_nothing(
    agent_client, strangers, method
):
    source, target = strangers
    before = state(source, target)

    response = getattr(agent_client, method)(
        merge_url(source), {"target": f"#{target.number}"}
    )

    assert response.status_code == 200
    assert "tickets/agent/merge_confirm.html" in [t.name for t in response.templates]
    page = response.content.decode()
    for text in (
        f"Merge {source.reference} into {target.reference}?",
        "Printer jams on tray 2",
        "Salary slip question",
        "Alice Source",
        "Bob Target",
        "Acme",
        "Globex",
    ):
        assert text in page
    # Message counts: 1 on the source, 2 (1 internal) on the target.
    assert '<dd class="col-7">1</dd>' in page
    assert "2 (1 internal)" in page
    assert state(source, target) == before
    assert mail.outbox == []


def test_differing_requesters_and_organizations_are_warned_about(
    agent_client, strangers
):
    source, target = strangers
    page = agent_client.get(merge_url(source), {"target": target.number})
    text = page.content.decode()
    assert "not from the same requester or organization" in text
    assert "Alice Source cannot see" in text
    # The suggested landing for a stranger's words is an internal note.
    assert 'value="internal" checked' in text
    assert 'value="public" checked' not in text


def test_same_requester_is_not_warned_and_suggests_public(agent_client, queue):
    customer = UserFactory(organization=OrganizationFactory())
    source = TicketFactory(department=queue, requester=customer)
    target = TicketFactory(department=queue, requester=customer, open=True)
    text = agent_client.get(merge_url(source), {"target": target.number})
    text = text.content.decode()
    assert 'id="merge-warning"' not in text
    assert 'value="public" checked' in text


def test_same_requester_other_organization_is_warned(agent_client, queue):
    customer = UserFactory(organization=OrganizationFactory())
    source = TicketFactory(department=queue, requester=customer)
    target = TicketFactory(
        department=queue, requester=customer, organization=None, open=True
    )
    text = agent_client.get(merge_url(source), {"target": target.number})
    assert "not from the same organization" in text.content.decode()


def test_confirm_with_internal_merges_as_a_note(
    agent_client, strangers, django_capture_on_commit_callbacks
):
    source, target = strangers
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            merge_url(source),
            {"target": target.number, "visibility": "internal", "confirm": "1"},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == target.get_agent_url()
    assert f"Merged {source.reference} into {target.reference}." in (
        response.content.decode()
    )
    source.refresh_from_db()
    assert (source.status, source.merged_into_id) == (Status.CLOSED, target.pk)
    note = target.messages.get(body__startswith="Merged")
    assert note.internal


def test_confirm_with_public_merges_as_a_public_message(agent_client, strangers):
    source, target = strangers
    agent_client.post(
        merge_url(source),
        {"target": target.number, "visibility": "public", "confirm": "1"},
    )
    assert not target.messages.get(body__startswith="Merged").internal


@pytest.mark.parametrize(("same", "internal"), [(True, False), (False, True)])
def test_confirm_without_a_choice_takes_the_default(
    agent_client, queue, same, internal
):
    source = TicketFactory(department=queue)
    target = TicketFactory(
        department=queue, requester=source.requester if same else UserFactory()
    )
    agent_client.post(merge_url(source), {"target": target.number, "confirm": "1"})
    assert target.messages.get(body__startswith="Merged").internal is internal


def test_cancel_changes_nothing(agent_client, strangers):
    """Cancel is a link back to the ticket: following it changes nothing."""
    source, target = strangers
    before = state(source, target)
    page = agent_client.get(merge_url(source), {"target": target.number})
    assert f'href="{source.get_agent_url()}">Cancel</a>' in page.content.decode()
    assert agent_client.get(source.get_agent_url()).status_code == 200
    assert state(source, target) == before


def test_sidebar_asks_for_the_confirmation_page(agent_client, queue):
    ticket = TicketFactory(department=queue)
    page = agent_client.get(ticket.get_agent_url()).content.decode()
    assert f'<form method="get" action="{merge_url(ticket)}"' in page


# --- refusals -------------------------------------------------------------------


def test_a_target_the_agent_cannot_see_reads_like_a_missing_one(agent_client, queue):
    """A typo in the sidebar's Merge box is a message back on the ticket, not
    a bare 404 page; a hidden ticket gets the very same answer as a missing
    number, so the message reveals nothing."""
    source = TicketFactory(department=queue)
    hidden = TicketFactory(department=DepartmentFactory(), open=True)
    missing = 99_999_999
    before = state(source, hidden)
    answers = []
    for number in (hidden.number, missing):
        for method, data in (
            ("get", {"target": number}),
            ("post", {"target": number, "confirm": "1", "visibility": "public"}),
        ):
            response = getattr(agent_client, method)(
                merge_url(source), data, follow=True
            )
            assert response.redirect_chain[-1][0] == source.get_agent_url()
            page = response.content.decode()
            assert f"There is no ticket #{number} you can work on" in page
            answers.append(page.replace(str(number), "N"))
    assert state(source, hidden) == before
    assert hidden.subject not in "".join(answers)
    assert len({a.count("you can work on") for a in answers}) == 1


def test_source_the_agent_cannot_see_is_a_404(agent_client, queue):
    hidden = TicketFactory(department=DepartmentFactory())
    target = TicketFactory(department=queue, open=True)
    before = state(hidden, target)
    response = agent_client.post(
        merge_url(hidden), {"target": target.number, "confirm": "1"}
    )
    assert response.status_code == 404
    assert state(hidden, target) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_merging_into_itself_is_refused_with_a_message(agent_client, queue, method):
    ticket = TicketFactory(department=queue)
    before = state(ticket)
    response = getattr(agent_client, method)(
        merge_url(ticket), {"target": ticket.number, "confirm": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == ticket.get_agent_url()
    assert (
        f"{ticket.reference} cannot be merged into itself; name another ticket."
        in response.content.decode()
    )
    assert state(ticket) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_merging_into_a_merged_ticket_is_refused_with_a_message(
    agent_client, queue, method
):
    source = TicketFactory(department=queue)
    live = TicketFactory(department=queue, open=True)
    merged = TicketFactory(department=queue, closed=True, merged_into=live)
    before = state(source, merged)
    response = getattr(agent_client, method)(
        merge_url(source), {"target": merged.number, "confirm": "1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == source.get_agent_url()
    assert (
        f"{merged.reference} was itself merged into another ticket; merge into "
        "that one instead." in response.content.decode()
    )
    assert state(source, merged) == before


def test_no_number_is_refused_with_a_message(agent_client, queue):
    source = TicketFactory(department=queue)
    response = agent_client.get(merge_url(source), {"target": "abc"}, follow=True)
    assert "Give the number of the ticket to merge into." in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_customer_cannot_reach_the_merge(login, queue, method):
    customer = UserFactory()
    source = TicketFactory(department=queue, requester=customer)
    target = TicketFactory(department=queue, requester=customer, open=True)
    before = state(source, target)
    response = getattr(login(customer), method)(
        merge_url(source), {"target": target.number, "confirm": "1"}
    )
    assert response.status_code == 403
    assert state(source, target) == before


def test_anonymous_is_sent_to_sign_in(client, queue):
    source = TicketFactory(department=queue)
    target = TicketFactory(department=queue, open=True)
    response = client.post(merge_url(source), {"target": target.number, "confirm": "1"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    source.refresh_from_db()
    assert source.merged_into_id is None


# --- the merge notice -------------------------------------------------------------


def test_requester_is_told_of_the_merge_not_that_it_closed(
    agent_client, strangers, django_capture_on_commit_callbacks
):
    source, target = strangers
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(
            merge_url(source),
            {"target": target.number, "visibility": "internal", "confirm": "1"},
        )
    to_alice = [m for m in mail.outbox if source.requester.email in m.to]
    assert [m.subject for m in to_alice] == [
        f"[{source.reference}] Merged into {target.reference}: Printer jams on tray 2"
    ]
    assert not any("Closed" in m.subject for m in mail.outbox)
    body = to_alice[0].body
    assert f'Your request {source.reference} "Printer jams on tray 2"' in body
    # Bob's ticket: its number only, never its subject, requester or link.
    assert target.reference in body
    assert "Salary slip" not in body
    assert "Bob" not in body
    assert target.get_absolute_url() not in body
    assert "Salary slip" not in to_alice[0].alternatives[0][0]
    # Bob hears nothing of a note.
    assert not [m for m in mail.outbox if target.requester.email in m.to]


def test_requester_who_may_see_the_target_gets_its_link(
    agent, queue, django_capture_on_commit_callbacks
):
    customer = UserFactory()
    source = TicketFactory(department=queue, requester=customer)
    target = TicketFactory(
        department=queue, requester=customer, subject="VPN down", open=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_merge(source=source, target=target, actor=agent)
    (email,) = mail.outbox
    assert email.to == [customer.email]
    assert f'merged into {target.reference} "VPN down"' in email.body
    assert target.get_absolute_url() in email.body
    assert target.get_absolute_url() in email.alternatives[0][0]


def test_a_plain_close_still_sends_the_closed_email(
    queue, django_capture_on_commit_callbacks
):
    """The system's close (after the solved period) still says "Closed"."""
    ticket = TicketFactory(department=queue, open=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_change_status(ticket=ticket, actor=None, status=Status.CLOSED)
    assert [m.subject for m in mail.outbox] == [
        f"[{ticket.reference}] Closed: {ticket.subject}"
    ]


# --- the service ------------------------------------------------------------------


def test_service_refuses_a_merged_target(agent, queue):
    source = TicketFactory(department=queue)
    live = TicketFactory(department=queue, open=True)
    merged = TicketFactory(department=queue, closed=True, merged_into=live)
    with pytest.raises(services.InvalidTicketChange, match="itself merged"):
        services.ticket_merge(source=source, target=merged, actor=agent)
    source.refresh_from_db()
    assert source.merged_into_id is None
