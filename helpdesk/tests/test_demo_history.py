"""The demo's tickets tell one consistent story in time.

A ticket opens with its first message and its "created" timeline event at
the same moment; everything after follows in the order it happened, before
now; the times stamped on the ticket (first response, solved, closed, SLA
clocks) agree with the messages and events they summarise, and so do its
report figures. The SLA sweep's announcements are part of the history: each
breach is on record from the moment it came due, as the sweep that runs
every minute would have written it.
"""

import io
import re
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import User
from organizations.models import Department, Organization, Team
from reports.selectors.summary import summary_for
from tickets import business_time as bt
from tickets.models import (
    Attachment,
    BusinessCalendar,
    CannedResponse,
    Category,
    SLANotice,
    SLAPolicy,
    Ticket,
    TicketEvent,
)
from tickets.services.metrics import metrics_backfill
from tickets.services.sla_policies import calendar_for
from tickets.services.sla_sweep import sla_sweep

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind
Status = Ticket.Status
# What the sweep writes: it does not move the ticket's updated_at.
SWEEP_KINDS = {Kind.SLA_WARNING, Kind.SLA_BREACHED, Kind.SLA_ESCALATED}


def load(**options) -> datetime:
    """Load the demo data; return a moment taken after it finished, or the
    ``now`` it was loaded at."""
    call_command("init_demo_data", stdout=io.StringIO(), **options)
    return options.get("now") or timezone.now()


def history_problems(ticket: Ticket, now: datetime) -> list[str]:
    """Everything about the ticket's times that contradicts the rest."""
    problems = []

    def check(ok: bool, what: str) -> None:
        if not ok:
            problems.append(f"#{ticket.number} ({ticket.status}): {what}")

    messages = list(ticket.messages.order_by("created_at", "pk"))
    events = list(ticket.events.order_by("created_at", "pk"))
    opened = ticket.created_at
    created = [event for event in events if event.kind == Kind.CREATED]

    # It opens with its first message and its "created" event, together.
    check(len(created) == 1, f"{len(created)} created events")
    check(bool(messages), "no messages")
    if not messages or len(created) != 1:
        return problems
    check(
        messages[0].created_at == opened,
        f"first message at {messages[0].created_at}, opened at {opened}",
    )
    check(
        created[0].created_at == opened,
        f"created event at {created[0].created_at}, opened at {opened}",
    )
    check(messages[0].author_id == ticket.requester_id, "opened by someone else")

    # Everything after follows, in the order it was written, before now.
    for kind, rows in (
        ("messages", list(ticket.messages.order_by("pk"))),
        ("events", list(ticket.events.order_by("pk"))),
    ):
        stamps = [row.created_at for row in rows]
        check(stamps == sorted(stamps), f"{kind} out of order: {stamps}")
        check(min(stamps) >= opened, f"{kind} before the ticket opened")
        check(max(stamps) <= now, f"{kind} in the future")
    last = max(
        row.created_at
        for row in [*messages, *events]
        if getattr(row, "kind", "") not in SWEEP_KINDS
    )
    check(ticket.updated_at == last, f"updated {ticket.updated_at}, last {last}")

    # A reply or note and its timeline entry are one moment.
    said = {str(message.pk): message.created_at for message in messages}
    for event in events:
        if event.kind in (Kind.REPLY, Kind.NOTE):
            check(
                said.get(event.new_value) == event.created_at,
                f"{event.kind} event at {event.created_at}, its message at "
                f"{said.get(event.new_value)}",
            )
    for attachment in Attachment.objects.filter(message__ticket=ticket):
        check(
            attachment.created_at == attachment.message.created_at,
            "attachment stored at another time than its message",
        )
    for notice in SLANotice.objects.filter(ticket=ticket):
        check(opened <= notice.created_at <= now, "SLA notice out of time")

    # The ticket's own stamps agree with its history.
    answers = [
        message
        for message in messages
        if not message.internal and message.author_id != ticket.requester_id
    ]
    check(
        ticket.first_response_at == (answers[0].created_at if answers else None),
        f"first response {ticket.first_response_at}, first answer "
        f"{answers[0].created_at if answers else None}",
    )

    def last_move_to(status: str) -> datetime | None:
        moves = [
            event.created_at
            for event in events
            if event.kind == Kind.STATUS and event.new_value == status
        ]
        return moves[-1] if moves else None

    if ticket.status in (Status.SOLVED, Status.CLOSED):
        check(
            ticket.solved_at == last_move_to(Status.SOLVED),
            f"solved_at {ticket.solved_at}, solved event {last_move_to('solved')}",
        )
        check(
            ticket.solved_at is not None
            and ticket.solved_at >= messages[-1].created_at,
            "solved before its last message",
        )
    else:
        check(ticket.solved_at is None, "solved_at on an unsolved ticket")
    if ticket.status == Status.CLOSED:
        check(
            ticket.closed_at == last_move_to(Status.CLOSED),
            f"closed_at {ticket.closed_at}, closed event {last_move_to('closed')}",
        )
        check(
            ticket.closed_at is not None and ticket.closed_at >= ticket.solved_at,
            "closed before it was solved",
        )
    else:
        check(ticket.closed_at is None, "closed_at on an open ticket")
    if ticket.status != Status.NEW:
        check(last_move_to(ticket.status) is not None, "no event for its status")

    # SLA clocks run from the history, and its verdicts match the times.
    for due in (ticket.first_response_due_at, ticket.resolution_due_at):
        check(due is None or due > opened, f"due {due} before it opened")
    if ticket.next_response_since is not None:
        customer_said = [
            m.created_at for m in messages if m.author_id == ticket.requester_id
        ]
        check(
            ticket.next_response_since in customer_said,
            "next response clock started when the customer said nothing",
        )
        check(
            ticket.next_response_due_at > ticket.next_response_since,
            "next response due before it started",
        )
    if ticket.status in (Status.PENDING, Status.ON_HOLD):
        check(
            ticket.sla_paused_since == last_move_to(ticket.status),
            f"clock paused at {ticket.sla_paused_since}, waiting since "
            f"{last_move_to(ticket.status)}",
        )
    verdicts = {
        (event.kind, event.new_value): event.created_at
        for event in events
        if event.kind in (Kind.SLA_MET, Kind.SLA_BREACHED, Kind.SLA_PAUSED)
    }
    due = ticket.first_response_due_at
    if ticket.first_response_at and due:
        # Met at the reply; missed when the due time passed (the sweep).
        in_time = ticket.first_response_at <= due
        verdict, at = (
            (Kind.SLA_MET, ticket.first_response_at)
            if in_time
            else (Kind.SLA_BREACHED, due)
        )
        check(
            verdicts.get((verdict, "first response")) == at,
            f"first response {'met' if in_time else 'missed'} without its "
            f"{verdict} event at {at}",
        )
        check(
            (Kind.SLA_MET if not in_time else Kind.SLA_BREACHED, "first response")
            not in verdicts,
            "first response both met and missed",
        )
    elif due and due < now - timedelta(hours=1):
        # Unanswered and overdue for over an hour: announced when it passed.
        check(
            verdicts.get((Kind.SLA_BREACHED, "first response")) == due,
            f"first response overdue since {due} without its breach",
        )
    for notice in SLANotice.objects.filter(ticket=ticket, stage="breach"):
        check(notice.created_at >= notice.due_at, "breach announced before due")

    # The report figures agree with the history.
    def minutes(start, end):
        if end is None:
            return None
        if ticket.sla_policy is None:
            return (end - start) / timedelta(minutes=1)
        calendar = calendar_for(ticket.sla_policy.calendar)
        return bt.business_minutes_between(calendar, start, end)

    def same(value, expected):
        return value == expected or (
            value is not None
            and expected is not None
            and value == pytest.approx(expected, abs=0.001)
        )

    for name, start, end in (
        ("first_reply", opened, ticket.first_response_at),
        ("resolution", opened, ticket.solved_at),
    ):
        calendar_minutes = end and (end - start) / timedelta(minutes=1)
        for field, expected in (
            (f"{name}_minutes", calendar_minutes),
            (f"{name}_business_minutes", minutes(start, end)),
        ):
            value = getattr(ticket, field)
            check(same(value, expected), f"{field} {value}, history {expected}")
    replies = [
        m for m in messages[1:] if not m.internal and m.author and m.author.is_agent
    ]
    check(
        ticket.public_reply_count == len(replies),
        f"{ticket.public_reply_count} replies counted, {len(replies)} written",
    )
    reopens = [
        e
        for e in events
        if e.kind == Kind.STATUS
        and e.old_value == Status.SOLVED
        and e.new_value != Status.CLOSED
    ]
    check(
        ticket.reopen_count == len(reopens),
        f"{ticket.reopen_count} reopens counted, {len(reopens)} in the timeline",
    )
    return problems


@pytest.mark.parametrize("auto_close_days", [7, 400])
def test_every_demo_ticket_tells_one_story_in_time(auto_close_days, settings):
    settings.TICKET_AUTO_CLOSE_DAYS = auto_close_days
    now = load()
    tickets = Ticket.objects.all()
    assert tickets.count() == 60
    problems = [
        problem for ticket in tickets for problem in history_problems(ticket, now)
    ]
    assert problems == []


def test_bulk_demo_tickets_tell_one_story_in_time_too():
    load()
    now = load(tickets=300)
    bulk = Ticket.objects.filter(
        number__gt=Ticket.objects.order_by("number")[59].number
    )
    assert bulk.count() == 300
    assert set(bulk.values_list("status", flat=True)) == set(Status.values)
    problems = [problem for ticket in bulk for problem in history_problems(ticket, now)]
    assert problems == []
    solved = bulk.filter(status=Status.SOLVED)
    assert not solved.filter(
        solved_at__lt=now - timedelta(days=settings.TICKET_AUTO_CLOSE_DAYS)
    ).exists(), "the auto-close job would have closed these"

    # Their SLA verdicts are on record, each breach with its notice, so the
    # sweep has nothing from the past left to announce (one load for both
    # checks: the demo is slow to load on the MongoDB test server).
    # (Keys as a list: a subquery is a nested loop on the MongoDB test server.)
    bulk_ids = list(bulk.values_list("pk", flat=True))
    breached = SLANotice.objects.filter(ticket_id__in=bulk_ids, stage="breach")
    assert breached.exists()
    events = TicketEvent.objects.filter(ticket_id__in=bulk_ids)
    assert events.filter(kind=Kind.SLA_BREACHED).count() == breached.count()
    assert events.filter(kind=Kind.SLA_MET).exists()
    # Only the bulk tickets' past is settled: the showcase tickets are live,
    # and on a working morning some of them do fall due (the sweep breaches
    # those, as it should).
    breaches_before = breached.count()
    sla_sweep(now=now)
    assert breached.count() == breaches_before
    # The figures are the ones the backfill computes from the history.
    assert bulk.filter(public_reply_count=1).exists()
    assert bulk.exclude(resolution_minutes=None).exists()
    assert metrics_backfill() == 0


def test_demo_history_takes_time_like_work_does():
    """Replies come minutes to hours apart, not all in one instant."""
    load()
    for ticket in Ticket.objects.exclude(status=Status.NEW):
        stamps = sorted(
            {m.created_at for m in ticket.messages.all()}
            | {e.created_at for e in ticket.events.exclude(kind__in=SWEEP_KINDS)}
        )
        assert len(stamps) >= 3, ticket
        gaps = [later - earlier for earlier, later in pairwise(stamps)]
        assert min(gaps).total_seconds() >= 60, ticket


def test_the_demo_announced_overdue_tickets_when_they_came_due(admin_user):
    """What the issue saw: the summary counted no SLA breaches while tickets
    showed as overdue, because only the sweep announces a running target
    that passes its due time, and the demo's history had never been swept.
    Now each breach is on record from its due time, as the sweep running
    every minute would have written it, and the reports count it."""
    now = load()
    overdue = Ticket.objects.filter(sla_next_due_at__lt=now - timedelta(hours=1))
    assert overdue.count() >= 5
    for ticket in overdue:
        notice = SLANotice.objects.get(
            ticket=ticket, stage="breach", due_at=ticket.sla_next_due_at
        )
        assert notice.created_at == notice.due_at, ticket
        assert ticket.events.filter(
            kind=Kind.SLA_BREACHED,
            old_value=notice.due_at.isoformat(),
            created_at=notice.due_at,
        ).exists(), ticket
    recent = SLANotice.objects.filter(
        stage="breach", created_at__gte=now - timedelta(days=7)
    ).count()
    assert recent >= 5
    assert summary_for(admin_user)["sla_breaches"] == recent

    # The first sweep after loading finds nothing older than an hour.
    before = set(SLANotice.objects.values_list("pk", flat=True))
    sla_sweep(now=now)
    for notice in SLANotice.objects.exclude(pk__in=before):
        assert notice.due_at > now - timedelta(hours=1) or notice.stage == "warning"


BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 29, 23, 30, tzinfo=BERLIN),  # Sunday night
        datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN),  # Monday morning
        datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN),  # Christmas Day, a Friday
        datetime(2027, 3, 29, 7, 0, tzinfo=BERLIN),  # Easter Monday, early
    ],
    ids=["sunday-night", "monday-10", "christmas", "easter-monday-7"],
)
def test_the_first_sweep_after_loading_warns_and_announces_breaches(now):
    """Whenever the demo is loaded, office hours or not, the first SLA sweep
    writes warnings as well as breaches: the outage policy runs round the
    clock and recent outage reports are inside their warning window."""
    load(now=now)
    # The load writes what the sweep would have announced up to an hour ago
    # and leaves the last hour (the fresh outage reports' warnings) to it.
    last_hour = now - timedelta(hours=1)
    assert not SLANotice.objects.filter(created_at__gt=last_hour).exists()
    assert not TicketEvent.objects.filter(
        kind__in=SWEEP_KINDS, created_at__gt=last_hour
    ).exists()
    assert SLANotice.objects.filter(stage=SLANotice.Stage.BREACH).exists()
    tickets = Ticket.objects.all()
    problems = [p for ticket in tickets for p in history_problems(ticket, now)]
    assert problems == []

    result = sla_sweep(now=now)

    stages = list(SLANotice.objects.values_list("stage", flat=True))
    assert stages.count(SLANotice.Stage.WARNING) >= 1
    assert stages.count(SLANotice.Stage.BREACH) >= 1
    assert result.warnings >= 1
    warned = Ticket.objects.filter(events__kind=Kind.SLA_WARNING)
    assert warned.filter(
        category__slug="outage",
        status=Status.NEW,
        sla_policy__name="Outages (24/7)",
        first_response_due_at__gt=now,
    ).exists()


def test_the_demo_people_and_places_predate_their_tickets():
    """Nobody opens a ticket before their account exists, in a category
    made later, under a policy that came later."""
    load()
    first = Ticket.objects.order_by("created_at").first().created_at
    for model in (
        User,
        Organization,
        Department,
        Team,
        Category,
        CannedResponse,
        BusinessCalendar,
        SLAPolicy,
    ):
        for row in model.objects.all():
            assert row.created_at < first, row
            assert row.updated_at >= row.created_at, row


def test_a_demo_ticket_page_shows_one_opening_time(login):
    """What the issue saw: "opened" at one time, the first message and the
    timeline's creation at others. Now the page's times start at the opening
    and none lies ahead, apart from SLA due times ("due <time>"), which are
    deadlines, not history."""
    now = load()
    admin = User.objects.get(email="admin@helpdesk.example")
    client = login(admin)
    for status in Status.values:
        ticket = Ticket.objects.filter(status=status).first()
        page = client.get(ticket.get_agent_url()).content.decode()
        times = [
            datetime.fromisoformat(stamp)
            for stamp in re.findall(
                r'(?<!due )(?<!Due )<time[^>]*datetime="([^"]+)"', page
            )
        ]
        assert min(times) == ticket.created_at, ticket
        assert max(times) <= now, ticket
        # "opened" and the first message say the same, in the reader's zone.
        with timezone.override(admin.timezone):
            opened = date_format(timezone.localtime(ticket.created_at), "M j, Y, H:i")
        assert f"opened {opened}" in page
        assert f">{opened}</time>" in page
