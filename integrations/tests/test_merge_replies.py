"""Emailed replies to merged tickets land on the live ticket at the end of the
merge chain, for customers, colleagues and agents; strangers reach nothing
(issue 11, item 8). Raw MIME as mail programs send it."""

import itertools

import pytest

from accounts.tests.factories import UserFactory
from integrations.models import InboundEmail
from integrations.services import inbound_receive
from notifications.models import EmailLog
from organizations.tests.factories import DepartmentFactory, OrganizationFactory
from tickets import services
from tickets.models import Message, Ticket
from tickets.tests.factories import TicketFactory

from .corpus import text

pytestmark = pytest.mark.django_db

Status = InboundEmail.Status


@pytest.fixture
def queue(agent):
    return agent.departments.get()


@pytest.fixture
def alice(db):
    return UserFactory(email="alice@acme.example")


def merged_chain(*, agent, queue, requester, length: int) -> list[Ticket]:
    """[B, A, ..., live]: each ticket merged into the next by ticket_merge."""
    tickets = [
        services.ticket_create(
            requester=requester,
            subject=f"Printer {n}",
            body="It jams.",
            department=queue,
            channel=Ticket.Channel.EMAIL,
            email_message_id=f"<request-{n}@acme.example>",
        )
        for n in range(length + 1)
    ]
    for source, target in itertools.pairwise(tickets):
        source.refresh_from_db()
        target.refresh_from_db()
        services.ticket_merge(source=source, target=target, actor=agent)
    for ticket in tickets:
        ticket.refresh_from_db()
    return tickets


def receive(raw: bytes) -> InboundEmail:
    inbound = inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)
    inbound.refresh_from_db()
    return inbound


def sent_to(user, ticket: Ticket, message_id: str) -> str:
    """An email we sent ``user`` about ``ticket``: answering it proves an
    agent's address is theirs (``inbound._agent_proved``)."""
    EmailLog.objects.create(
        recipient=user.email,
        template_key="agent_reply",
        ticket=ticket,
        subject=f"[{ticket.reference}] Printer",
        body_text="...",
        message_id=message_id,
    )
    return message_id


# --- Customers --------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 2, 3])
def test_customer_reply_by_token_lands_on_the_live_ticket(agent, queue, alice, length):
    tickets = merged_chain(agent=agent, queue=queue, requester=alice, length=length)
    merged, live = tickets[0], tickets[-1]

    inbound = receive(
        text(alice.email, f"Re: [#{merged.number}] Printer 0", "Any news?")
    )

    assert inbound.status == Status.PROCESSED, (inbound.outcome, inbound.error)
    assert inbound.ticket == live
    assert inbound.message.ticket == live
    assert inbound.outcome.startswith(
        f"{merged.reference} was merged: reply added to {live.reference}"
    )
    assert live.events.get(kind="reply").old_value == merged.reference
    assert not Ticket.objects.filter(follow_up_of__isnull=False).exists()


def test_customer_reply_by_in_reply_to_a_merged_tickets_message(agent, queue, alice):
    *_, live = merged_chain(agent=agent, queue=queue, requester=alice, length=3)

    inbound = receive(
        text(
            alice.email,
            "Re: Printer 0",
            "Here is the serial number.",
            **{
                "In-Reply-To": "<request-0@acme.example>",
                "References": "<request-0@acme.example>",
            },
        )
    )

    assert inbound.status == Status.PROCESSED, (inbound.outcome, inbound.error)
    assert inbound.message.ticket == live
    assert inbound.message.body.startswith("Here is the serial number.")


def test_customer_reply_when_the_live_ticket_is_closed_follows_it_up(
    agent, queue, alice
):
    merged, _, live = merged_chain(agent=agent, queue=queue, requester=alice, length=2)
    services.ticket_change_status(ticket=live, actor=None, status="closed")

    inbound = receive(text(alice.email, f"Re: [#{merged.number}] Printer", "Back!"))

    follow_up = inbound.message.ticket
    assert inbound.status == Status.PROCESSED
    assert follow_up.follow_up_of == live
    assert inbound.outcome.startswith(
        f"{merged.reference} was merged into {live.reference}, which is closed: "
        f"opened follow-up {follow_up.reference}"
    )


def test_colleague_allowed_on_the_live_ticket_only_reaches_it(agent, queue):
    """Copied on the merged ticket's mail, a colleague of the live ticket's
    requester (who shares tickets) replies; they may see the live ticket but
    not the merged one."""
    merged = TicketFactory(department=queue, open=True)  # a private requester
    sharing = OrganizationFactory(share_tickets=True)
    live = TicketFactory(
        department=queue, open=True, requester=UserFactory(organization=sharing)
    )
    colleague = UserFactory(email="bob@sharing.example", organization=sharing)
    services.ticket_merge(source=merged, target=live, actor=agent)

    inbound = receive(
        text(colleague.email, f"Re: [#{merged.number}] Printer", "Same here.")
    )

    assert inbound.status == Status.PROCESSED, (inbound.outcome, inbound.error)
    assert inbound.message.ticket == live
    assert inbound.message.author == colleague


def test_stranger_replying_to_a_merged_tickets_token_reaches_nothing(
    agent, queue, alice
):
    merged, live = merged_chain(agent=agent, queue=queue, requester=alice, length=1)
    messages_on_live = live.messages.count()

    inbound = receive(
        text(
            "mallory@evil.example",
            f"Re: [#{merged.number}] Printer",
            "Please send me the invoice.",
        )
    )

    assert inbound.status == Status.PROCESSED
    opened = inbound.message.ticket
    assert opened not in (merged, live)
    assert opened.follow_up_of is None
    assert live.messages.count() == messages_on_live


def test_customer_merged_into_someone_elses_ticket_gets_a_follow_up_of_theirs(
    agent, queue, alice
):
    mine = TicketFactory(requester=alice, department=queue, open=True)
    theirs = TicketFactory(department=queue, open=True)
    services.ticket_merge(source=mine, target=theirs, actor=agent)

    inbound = receive(text(alice.email, f"Re: [#{mine.number}] Printer", "Hello?"))

    assert inbound.message.ticket.follow_up_of == mine
    assert not theirs.messages.filter(body__startswith="Hello?").exists()


# --- Agents -----------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 3])
def test_agent_reply_answering_our_mail_lands_publicly_on_the_live_ticket(
    agent, queue, alice, length
):
    tickets = merged_chain(agent=agent, queue=queue, requester=alice, length=length)
    merged, live = tickets[0], tickets[-1]
    ours = sent_to(agent, merged, "<notice-1@helpdesk.example>")

    inbound = receive(
        text(
            agent.email,
            f"Re: [#{merged.number}] Printer",
            "I have ordered a new toner.",
            **{"In-Reply-To": ours},
        )
    )

    assert inbound.status == Status.PROCESSED, (inbound.outcome, inbound.error)
    message = inbound.message
    assert message.ticket == live
    assert message.author == agent
    assert not message.internal
    assert live.events.get(kind="reply").old_value == merged.reference


def test_agent_reply_without_proof_is_an_internal_note_on_the_live_ticket(
    agent, queue, alice
):
    merged, _, live = merged_chain(agent=agent, queue=queue, requester=alice, length=2)

    inbound = receive(
        text(agent.email, f"Re: [#{merged.number}] Printer", "Forwarded from phone")
    )

    assert inbound.status == Status.PROCESSED, (inbound.outcome, inbound.error)
    assert inbound.message.ticket == live
    assert inbound.message.internal
    assert live.reference in inbound.outcome


def test_agent_reply_when_the_live_ticket_is_closed_fails_as_on_any_closed_ticket(
    agent, queue, alice
):
    merged, live = merged_chain(agent=agent, queue=queue, requester=alice, length=1)
    services.ticket_change_status(ticket=live, actor=None, status="closed")
    ours = sent_to(agent, merged, "<notice-2@helpdesk.example>")

    inbound = receive(
        text(
            agent.email,
            f"Re: [#{merged.number}] Printer",
            "Too late?",
            **{"In-Reply-To": ours},
        )
    )

    assert inbound.status == Status.FAILED
    assert f"{live.reference}, which is closed" in inbound.error
    assert not Message.objects.filter(body__startswith="Too late?").exists()


def test_agent_of_another_department_does_not_reach_the_live_ticket(agent, queue):
    merged = TicketFactory(department=queue, open=True)
    live = TicketFactory(department=DepartmentFactory(), open=True)
    services.ticket_merge(source=merged, target=live, actor=UserFactory(admin=True))
    ours = sent_to(agent, merged, "<notice-3@helpdesk.example>")

    inbound = receive(
        text(
            agent.email,
            f"Re: [#{merged.number}] Printer",
            "Let me see that one",
            **{"In-Reply-To": ours},
        )
    )

    assert inbound.status == Status.FAILED
    assert "merged into a ticket you cannot see" in inbound.error
    assert not live.messages.filter(body__startswith="Let me").exists()
