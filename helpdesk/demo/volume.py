"""Volume for benchmarks: many tickets with three messages each, written in
a few large inserts (``init_demo_data --tickets N``)."""

import random
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from helpdesk.demo import content
from tickets.bodies import body_rendered
from tickets.models import Message, Ticket, TicketEvent
from tickets.search import ticket_search_text
from tickets.services.sla import sla_fields_for_import

Status = Ticket.Status
Priority = Ticket.Priority
BULK_BATCH = 5000
# How far back the bulk tickets were opened.
HISTORY_DAYS = 365


def bulk_tickets_add(
    rng: random.Random, people: dict, count: int, progress: Callable[[str], object]
) -> None:
    """Insert ``count`` tickets, 3 messages and 1 event each, in batches.

    Bypasses the services on purpose: this is load for benchmarks, written
    in a few large inserts, with numbers taken from one range that this
    process owns for the duration.
    """
    customers, agents = people["customers"], people["agents"]
    categories = people["categories"]
    statuses = [
        Status.NEW,
        Status.OPEN,
        Status.OPEN,
        Status.PENDING,
        Status.ON_HOLD,
        Status.SOLVED,
        Status.CLOSED,
        Status.CLOSED,
    ]
    now = timezone.now()
    highest = Ticket.objects.aggregate(highest=Max("number"))["highest"]
    next_number = max((highest or 0) + 1, settings.TICKET_NUMBER_START)
    done = 0
    # Three bodies for every ticket: each rendered once, stored with each row.
    bodies = [(body, body_rendered(body)) for body in content.BULK_BODIES[:3]]
    with _explicit_updated_at(Ticket):
        while done < count:
            size = min(BULK_BATCH, count - done)
            tickets, conversations = [], []
            for offset in range(size):
                customer = rng.choice(customers)
                category = rng.choice(categories)
                status = rng.choice(statuses)
                created = now - timedelta(
                    minutes=rng.uniform(60, HISTORY_DAYS * 24 * 60)
                )
                replied = created + timedelta(minutes=rng.uniform(5, 600))
                updated = replied + timedelta(minutes=rng.uniform(5, 600))
                agent = rng.choice(agents) if status != Status.NEW else None
                subject = rng.choice(content.BULK_SUBJECTS)
                tickets.append(
                    Ticket(
                        number=next_number + done + offset,
                        subject=subject,
                        search_text=ticket_search_text(subject),
                        requester=customer,
                        organization=customer.organization,
                        department_id=category.default_department_id,
                        assignee=agent,
                        category=category,
                        priority=rng.choice(Priority.values),
                        status=status,
                        channel=rng.choice(Ticket.Channel.values),
                        created_at=created,
                        updated_at=updated,
                        first_response_at=replied if agent else None,
                        solved_at=updated
                        if status in (Status.SOLVED, Status.CLOSED)
                        else None,
                        closed_at=updated if status == Status.CLOSED else None,
                    )
                )
                conversations.append(
                    (
                        customer,
                        agent or rng.choice(agents),
                        created,
                        replied,
                        updated,
                    )
                )
            policy = people["policy"]
            for ticket in tickets:
                if ticket.status != Status.CLOSED:
                    sla_fields_for_import(ticket=ticket, policy=policy)
            with transaction.atomic():
                Ticket.objects.bulk_create(tickets)
                messages, events = [], []
                for ticket, (customer, agent, created, replied, updated) in zip(
                    tickets, conversations, strict=True
                ):
                    messages += [
                        Message(
                            ticket=ticket,
                            author=customer,
                            body=bodies[0][0],
                            **bodies[0][1],
                            created_at=created,
                        ),
                        Message(
                            ticket=ticket,
                            author=agent,
                            body=bodies[1][0],
                            **bodies[1][1],
                            created_at=replied,
                        ),
                        Message(
                            ticket=ticket,
                            author=customer,
                            body=bodies[2][0],
                            **bodies[2][1],
                            created_at=updated,
                        ),
                    ]
                    events.append(
                        TicketEvent(
                            ticket=ticket,
                            actor=customer,
                            kind=TicketEvent.Kind.CREATED,
                            new_value=Status.NEW,
                            created_at=created,
                        )
                    )
                Message.objects.bulk_create(messages)
                TicketEvent.objects.bulk_create(events)
            done += size
            progress(f"  {done}/{count} tickets")


@contextmanager
def _explicit_updated_at(model):
    """Let bulk inserts keep the ``updated_at`` they set instead of 'now'."""
    field = model._meta.get_field("updated_at")
    field.auto_now = False
    try:
        yield
    finally:
        field.auto_now = True
