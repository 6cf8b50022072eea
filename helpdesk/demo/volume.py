"""Volume for benchmarks: many tickets with three messages each and a
timeline that agrees with them, written in a few large inserts
(``init_demo_data --tickets N``). Each carries what the services would have
left on it: its report figures (``tickets.services.metrics``) and its SLA
verdicts, met at the answer or solve, breached when the due time passed (as
the sweep announces them)."""

import random
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from helpdesk.db import atomic
from helpdesk.demo import content
from tickets import business_time as bt
from tickets.bodies import body_rendered
from tickets.models import Message, SLANotice, Ticket, TicketEvent
from tickets.search import ticket_search_text
from tickets.services.metrics import metrics_from_history
from tickets.services.sla import (
    TARGET_LABELS,
    duration_words,
    next_check,
    running_clocks,
    sla_fields_for_import,
)
from tickets.services.sla_policies import calendar_for

Status = Ticket.Status
Priority = Ticket.Priority
Kind = TicketEvent.Kind
Target = SLANotice.Target
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
    verdicts: list = field(default_factory=list)
    said: list = field(default_factory=list)  # the Message rows, once built

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
    has the creation, each reply, each status move and each SLA verdict, at
    the times their stamps say, and their report figures agree with it.

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
    with _explicit_stamp(Ticket, "updated_at", "auto_now"):
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
                story.verdicts, announced = _sla_verdicts(ticket, story, now)
                clocks = running_clocks(ticket)
                ticket.sla_next_due_at = min((c.due_at for c in clocks), default=None)
                ticket.sla_next_check_at = next_check(clocks, announced)
                metrics_from_history(
                    ticket, public_replies=1 if story.answered else 0, reopens=0
                )
            with atomic():
                Ticket.objects.bulk_create(tickets)
                messages = []
                for ticket, story in zip(tickets, stories, strict=True):
                    story.said = [
                        Message(
                            ticket=ticket,
                            author=author,
                            body=bodies[body][0],
                            **bodies[body][1],
                            created_at=at,
                        )
                        for author, body, at in story.messages
                    ]
                    messages += story.said
                Message.objects.bulk_create(messages)
                events, notices = [], []
                for ticket, story in zip(tickets, stories, strict=True):
                    events += _timeline(ticket, story)
                    notices += [
                        SLANotice(
                            ticket=ticket,
                            target=target,
                            stage=SLANotice.Stage.BREACH,
                            due_at=due,
                            created_at=due,
                        )
                        for kind, target, at, due in story.verdicts
                        if kind == Kind.SLA_BREACHED
                    ]
                TicketEvent.objects.bulk_create(events)
                with _explicit_stamp(SLANotice, "created_at", "auto_now_add"):
                    SLANotice.objects.bulk_create(notices)
            done += size
            progress(f"  {done}/{count} tickets")


def _sla_verdicts(
    ticket: Ticket, story: _Story, now: datetime
) -> tuple[list[tuple[str, str, datetime, datetime | None]], set]:
    """The SLA outcomes the services and the sweep would have recorded for
    the story, as (event kind, target, when, due time), and the breaches
    announced, as the sweep keys them. A target met at the answer or the
    solve is met then; one whose due time passed while its clock ran was
    announced by the sweep at that moment (escalations are left out)."""
    verdicts = []
    if ticket.sla_policy is None:
        return verdicts, set()
    due = ticket.first_response_due_at
    if due is not None:
        if story.answered is not None and story.answered <= due:
            verdicts.append((Kind.SLA_MET, Target.FIRST_RESPONSE, story.answered, due))
        elif due <= (story.answered or now):
            verdicts.append((Kind.SLA_BREACHED, Target.FIRST_RESPONSE, due, due))
    due = ticket.resolution_due_at
    if due is not None:
        # The clock ran until the solve, the wait, or now.
        stopped = story.solved or story.waiting_since or now
        if story.solved is not None and story.solved <= due:
            verdicts.append((Kind.SLA_MET, Target.RESOLUTION, story.solved, due))
        elif due <= stopped:
            verdicts.append((Kind.SLA_BREACHED, Target.RESOLUTION, due, due))
    announced = {
        (target, SLANotice.Stage.BREACH, due)
        for kind, target, at, due in verdicts
        if kind == Kind.SLA_BREACHED
    }
    return verdicts, announced


def _timeline(ticket: Ticket, story: _Story) -> list[TicketEvent]:
    """The ticket's events, oldest first, each moment's in the order the
    services write them: the reply, its SLA verdict, then the status move
    (whose own verdict and pause follow it)."""
    rows = []
    for actor, old, new, at in story.events:
        kind = Kind.STATUS if old else Kind.CREATED
        rows.append((at, 0 if kind == Kind.CREATED else 3, kind, actor, old, new))
    for message in story.said[1:]:  # the first one opened the ticket
        rows.append(
            (message.created_at, 1, Kind.REPLY, message.author, "", str(message.pk))
        )
    for kind, target, at, due in story.verdicts:
        label = TARGET_LABELS[target]
        if kind == Kind.SLA_BREACHED:
            rows.append((at, 2, kind, None, due.isoformat(), label))
        elif target == Target.FIRST_RESPONSE:
            rows.append((at, 2, kind, None, "", label))
        else:
            # Solved in time: met, and the clock stops with the time left.
            left = bt.business_minutes_between(
                calendar_for(ticket.sla_policy.calendar), at, due
            )
            rows.append((at, 4, kind, None, "", label))
            rows.append(
                (at, 5, Kind.SLA_PAUSED, None, "", f"{duration_words(left)} left")
            )
    rows.sort(key=lambda row: row[:2])
    return [
        TicketEvent(
            ticket=ticket,
            actor=actor,
            kind=kind,
            old_value=old,
            new_value=new,
            created_at=at,
        )
        for at, _, kind, actor, old, new in rows
    ]


@contextmanager
def _explicit_stamp(model, name: str, flag: str):
    """Let bulk inserts keep the time they set in an ``auto_now`` or
    ``auto_now_add`` field instead of 'now'."""
    field = model._meta.get_field(name)
    setattr(field, flag, False)
    try:
        yield
    finally:
        setattr(field, flag, True)
