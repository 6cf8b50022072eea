"""Volume for benchmarks: many tickets with three messages each and a
timeline that agrees with them, written in a few large inserts
(``init_demo_data --tickets N``)."""

import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from helpdesk.db import atomic
from helpdesk.demo import content
from tickets.bodies import body_rendered
from tickets.models import Message, Ticket, TicketEvent
from tickets.search import ticket_search_text
from tickets.services.sla import refresh as sla_refresh
from tickets.services.sla import sla_fields_for_import

Status = Ticket.Status
Priority = Ticket.Priority
BULK_BATCH = 5000
# How far back the bulk tickets were opened.
HISTORY_DAYS = 365


@dataclass
class _Story:
    """When each thing happened to one bulk ticket, oldest first."""

    created: datetime
    messages: list[tuple[object, int, datetime]]  # author, body index, at
    events: list[tuple[object, str, str, datetime]]  # actor, old, new status, at
    answered: datetime | None = None
    solved: datetime | None = None
    closed: datetime | None = None
    waiting_since: datetime | None = None

    @property
    def updated(self) -> datetime:
        return max(self.messages[-1][2], self.events[-1][3])


def _story(rng: random.Random, status: str, customer, agent, now) -> _Story:
    """The customer writes; an agent answers, which opens the ticket; the
    customer replies; then the agent moves it to its status, and the nightly
    job closes what stayed solved. A new ticket has only its customer's
    messages. It all ends before ``now``."""
    gaps = [timedelta(minutes=rng.uniform(5, 600)) for _ in range(3)]
    close_after = timedelta(
        days=settings.TICKET_AUTO_CLOSE_DAYS, minutes=rng.uniform(5, 600)
    )
    span = sum(gaps, close_after if status == Status.CLOSED else timedelta())
    # Solved ones are younger than the auto-close job's limit, or it would
    # have closed them.
    days = (
        settings.TICKET_AUTO_CLOSE_DAYS - 1 if status == Status.SOLVED else HISTORY_DAYS
    )
    created = now - span - timedelta(minutes=rng.uniform(60, max(days, 1) * 24 * 60))
    first, second = created + gaps[0], created + gaps[0] + gaps[1]
    opened = (customer, "", Status.NEW, created)
    if status == Status.NEW:
        return _Story(
            created,
            [(customer, 0, created), (customer, 3, first), (customer, 4, second)],
            [opened],
        )
    story = _Story(
        created,
        [(customer, 0, created), (agent, 1, first), (customer, 2, second)],
        [opened, (agent, Status.NEW, Status.OPEN, first)],
        answered=first,
    )
    if status == Status.OPEN:
        return story
    moved = second + gaps[2]
    story.events.append(
        (
            agent,
            Status.OPEN,
            Status.SOLVED if status == Status.CLOSED else status,
            moved,
        )
    )
    if status in settings.SLA_PAUSE_STATUSES:
        story.waiting_since = moved
    if status in (Status.SOLVED, Status.CLOSED):
        story.solved = moved
    if status == Status.CLOSED:
        story.closed = moved + close_after
        story.events.append((None, Status.SOLVED, Status.CLOSED, story.closed))
    return story


def bulk_tickets_add(
    rng: random.Random, people: dict, count: int, progress: Callable[[str], object]
) -> None:
    """Insert ``count`` tickets, 3 messages each, in batches; their timeline
    has the creation and each status move, at the times their stamps say.

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
    # Every body rendered once, stored with each of its rows.
    bodies = [(body, body_rendered(body)) for body in content.BULK_BODIES]
    with _explicit_updated_at(Ticket):
        while done < count:
            size = min(BULK_BATCH, count - done)
            tickets, stories = [], []
            for offset in range(size):
                customer = rng.choice(customers)
                category = rng.choice(categories)
                status = rng.choice(statuses)
                agent = rng.choice(agents) if status != Status.NEW else None
                story = _story(rng, status, customer, agent, now)
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
                        created_at=story.created,
                        updated_at=story.updated,
                        first_response_at=story.answered,
                        solved_at=story.solved,
                        closed_at=story.closed,
                    )
                )
                stories.append(story)
            policy = people["policy"]
            for ticket, story in zip(tickets, stories, strict=True):
                if ticket.status != Status.CLOSED:
                    sla_fields_for_import(ticket=ticket, policy=policy)
                if story.waiting_since is not None:
                    # A waiting ticket's resolution clock stood still since.
                    ticket.sla_paused_since = story.waiting_since
                    sla_refresh(ticket)
            with atomic():
                Ticket.objects.bulk_create(tickets)
                messages, events = [], []
                for ticket, story in zip(tickets, stories, strict=True):
                    messages += [
                        Message(
                            ticket=ticket,
                            author=author,
                            body=bodies[body][0],
                            **bodies[body][1],
                            created_at=at,
                        )
                        for author, body, at in story.messages
                    ]
                    events += [
                        TicketEvent(
                            ticket=ticket,
                            actor=actor,
                            kind=TicketEvent.Kind.STATUS
                            if old
                            else TicketEvent.Kind.CREATED,
                            old_value=old,
                            new_value=new,
                            created_at=at,
                        )
                        for actor, old, new, at in story.events
                    ]
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
