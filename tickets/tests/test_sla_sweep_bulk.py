"""The SLA sweep over many tickets: a fixed number of queries per batch
whatever its size, and the same notices, events, escalations and next check
times as working through the tickets one by one as the sweep used to, on a
varied set of tickets (two calendars, holidays, paused clocks, answered
tickets waiting on a next response, targets already announced)."""

import math
from datetime import date, datetime, time, timedelta

import pytest

from organizations.tests.factories import DepartmentFactory, TeamFactory
from tickets import business_time as bt
from tickets.models import (
    UNSOLVED_STATUSES,
    BusinessCalendar,
    BusinessHoliday,
    BusinessHours,
    SLANotice,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketEvent,
)
from tickets.services import sla
from tickets.services.sla_sweep import sla_sweep
from tickets.signals import events_unannounced

from .factories import TicketFactory
from .office import berlin

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind
Stage = SLANotice.Stage
SWEEP_KINDS = [Kind.SLA_WARNING, Kind.SLA_BREACHED, Kind.SLA_ESCALATED]
PRIORITIES = ["low", "normal", "high", "urgent"]


def targets(policy: SLAPolicy, *rows) -> SLAPolicy:
    for priority, first, following, resolution in rows:
        SLATarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=following,
            resolution_minutes=resolution,
        )
    return policy


@pytest.fixture
def policies(office):
    """Berlin office hours with a holiday, escalating priority and team; and
    a New York split shift with its own holidays and no target for urgent,
    escalating nothing."""
    BusinessHoliday.objects.create(calendar=office, date=date(2026, 12, 1))
    office.save()
    escalations = TeamFactory(name="Escalations")
    berlin_policy = targets(
        SLAPolicy.objects.create(
            name="Berlin",
            calendar=office,
            is_default=True,
            warn_before_minutes=30,
            escalate_priority=True,
            escalate_to_team=escalations,
        ),
        ("low", 480, 960, 2880),
        ("normal", 60, 120, 480),
        ("high", 30, 60, 240),
        ("urgent", 15, 30, 120),
    )
    shifts = BusinessCalendar.objects.create(
        name="New York shifts", timezone="America/New_York"
    )
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=shifts, weekday=day, start=start, end=end)
        for day in range(6)
        for start, end in [(time(7), time(12)), (time(13), time(23, 30))]
    )
    BusinessHoliday.objects.create(calendar=shifts, date=date(2026, 11, 26))
    new_york_policy = targets(
        SLAPolicy.objects.create(
            name="New York", calendar=shifts, order=1, warn_before_minutes=45
        ),
        ("low", 240, 480, 1440),
        ("normal", 90, 90, 600),
        ("high", 20, 40, 300),
    )
    return berlin_policy, new_york_policy


def opened(policy: SLAPolicy, created_at: datetime, **fields) -> Ticket:
    """An open ticket under ``policy`` since ``created_at``, clocks set."""
    fields.setdefault("department", DepartmentFactory())
    ticket = TicketFactory(created_at=created_at, status="open", **fields)
    sla.sla_fields_for_import(ticket=ticket, policy=policy)
    ticket.save()
    return ticket


def varied_tickets(policies, count: int, spacing: int = 397) -> list[Ticket]:
    """``count`` tickets cycling through the shapes a sweep meets, opened
    ``spacing`` minutes apart."""
    berlin_policy, new_york_policy = policies
    tickets = []
    for index in range(count):
        policy = (berlin_policy, new_york_policy)[index % 2]
        created = berlin(2026, 11, 23, 8) + timedelta(minutes=spacing * index)
        ticket = opened(policy, created, priority=PRIORITIES[index % 4])
        shape = index % 5
        if shape == 1:  # answered, the customer wrote again: next response runs
            ticket.first_response_at = created + timedelta(minutes=20)
            sla.sla_on_public_reply(
                ticket=ticket,
                by_agent=False,
                at=created + timedelta(hours=5),
                first=False,
            )
        elif shape == 2:  # waiting on the customer: resolution paused
            ticket.status = "pending"
            sla.sla_on_status(
                ticket=ticket,
                old="open",
                new="pending",
                at=created + timedelta(hours=1),
            )
        elif shape == 3 and ticket.first_response_due_at:  # warned already
            SLANotice.objects.create(
                ticket=ticket,
                target="first_response",
                stage=Stage.WARNING,
                due_at=ticket.first_response_due_at,
            )
            sla.refresh(ticket)
        elif shape == 4 and ticket.first_response_due_at:  # breached already
            SLANotice.objects.create(
                ticket=ticket,
                target="first_response",
                stage=Stage.BREACH,
                due_at=ticket.first_response_due_at,
            )
            sla.refresh(ticket)
        ticket.save()
        tickets.append(ticket)
    return tickets


# --- the old sweep, one ticket at a time -----------------------------------


def walking(calendar: bt.Calendar, start: datetime, minutes: float) -> datetime:
    return bt.add_business_minutes(calendar, start, max(0.0, minutes))


def expected_sweep(now: datetime, monkeypatch) -> dict:
    """What the sweep did before it read rows in bulk, worked out per ticket
    with its model, its policy loaded with it, and the walk over business
    days: notices, events per ticket, and each ticket's fields after."""
    monkeypatch.setattr(sla, "_add", walking)
    notices, events, fields = set(), {}, {}
    due = Ticket.objects.filter(
        sla_next_check_at__lte=now,
        status__in=UNSOLVED_STATUSES,
        sla_policy__isnull=False,
    ).select_related("sla_policy__calendar", "sla_policy__escalate_to_team")
    for ticket in due:
        seen = set(
            SLANotice.objects.filter(ticket=ticket).values_list(
                "target", "stage", "due_at"
            )
        )
        clocks = sla.running_clocks(ticket)
        happened, escalate = [], False
        for clock in clocks:
            if now >= clock.due_at:
                stage = Stage.BREACH
            elif now >= clock.warn_at:
                stage = Stage.WARNING
            else:
                continue
            if (clock.target, Stage.BREACH, clock.due_at) in seen or (
                (clock.target, stage, clock.due_at) in seen
            ):
                continue
            seen.add((clock.target, stage, clock.due_at))
            notices.add((ticket.pk, clock.target, stage, clock.due_at))
            kind = Kind.SLA_BREACHED if stage == Stage.BREACH else Kind.SLA_WARNING
            happened.append(
                (kind, clock.due_at.isoformat(), sla.TARGET_LABELS[clock.target])
            )
            escalate = escalate or stage == Stage.BREACH
        policy = ticket.sla_policy
        if escalate:
            changes = []
            if policy.escalate_priority and ticket.priority != "urgent":
                old = ticket.get_priority_display()
                ticket.priority = PRIORITIES[PRIORITIES.index(ticket.priority) + 1]
                changes.append(f"priority {old} → {ticket.get_priority_display()}")
            team = policy.escalate_to_team
            if team is not None and ticket.team_id != team.pk:
                ticket.team, ticket.department_id = team, team.department_id
                changes.append(f"team → {team}")
            if changes:
                happened.append((Kind.SLA_ESCALATED, "", "; ".join(changes)))
        events[ticket.pk] = happened
        fields[ticket.pk] = (
            ticket.priority,
            ticket.team_id,
            ticket.department_id,
            sla.next_check(clocks, seen),
        )
    monkeypatch.undo()
    return {"notices": notices, "events": events, "fields": fields}


def swept(now: datetime, tickets: list[Ticket]) -> dict:
    """What the database holds after a sweep at ``now``, in the same shape."""
    ids = [ticket.pk for ticket in tickets]
    notices = set(
        SLANotice.objects.filter(ticket_id__in=ids).values_list(
            "ticket_id", "target", "stage", "due_at"
        )
    )
    events: dict = {}
    for ticket_id, kind, old, new in (
        TicketEvent.objects.filter(kind__in=SWEEP_KINDS, created_at=now)
        .order_by("pk")
        .values_list("ticket_id", "kind", "old_value", "new_value")
    ):
        events.setdefault(ticket_id, []).append((kind, old, new))
    fields = {
        row[0]: row[1:]
        for row in Ticket.objects.filter(pk__in=ids).values_list(
            "pk", "priority", "team_id", "department_id", "sla_next_check_at"
        )
    }
    return {"notices": notices, "events": events, "fields": fields}


def test_a_sweep_in_batches_does_what_the_ticket_by_ticket_sweep_did(
    policies, monkeypatch
):
    tickets = varied_tickets(policies, 40)
    earlier_notices = set(
        SLANotice.objects.values_list("ticket_id", "target", "stage", "due_at")
    )
    announced = 0
    # Through a week: warnings first, then breaches and escalations, then
    # the later targets; the holiday and the weekend in between.
    for now in [
        berlin(2026, 11, 23, 9, 10),
        berlin(2026, 11, 24, 11),
        berlin(2026, 11, 25, 17, 45),
        berlin(2026, 11, 27, 12),
        berlin(2026, 12, 2, 10),
        berlin(2026, 12, 9, 10),
    ]:
        before = swept(now, tickets)
        expected = expected_sweep(now, monkeypatch)
        with events_unannounced():
            result = sla_sweep(now=now, batch_size=7)
        after = swept(now, tickets)

        assert after["notices"] - before["notices"] == expected["notices"]
        assert {pk: e for pk, e in expected["events"].items() if e} == after["events"]
        for pk, fields in expected["fields"].items():
            assert after["fields"][pk] == fields, pk
        for pk in before["fields"].keys() - expected["fields"].keys():
            assert after["fields"][pk] == before["fields"][pk]  # not due: untouched
        kinds = [kind for happened in after["events"].values() for kind, *_ in happened]
        assert (result.warnings, result.breaches, result.escalations) == (
            kinds.count(Kind.SLA_WARNING),
            kinds.count(Kind.SLA_BREACHED),
            kinds.count(Kind.SLA_ESCALATED),
        )
        assert result.examined == len(expected["fields"])
        announced += result.warnings + result.breaches
    assert announced > 40  # the week really announced things
    total = set(SLANotice.objects.values_list("ticket_id", "target", "stage", "due_at"))
    assert len(total - earlier_notices) == announced
    # Every shape was met: New York's urgent tickets have no target at all.
    assert {row.stage for row in SLANotice.objects.all()} == {"warning", "breach"}
    assert TicketEvent.objects.filter(kind=Kind.SLA_ESCALATED).exists()


def count_queries(django_assert_max_num_queries, bound: int, **sweep):
    """Sweep within ``bound`` queries. Unannounced: where each batch commits
    at once (MongoDB, no test-wide transaction) the emails its events would
    send are otherwise counted too."""
    with events_unannounced(), django_assert_max_num_queries(bound):
        return sla_sweep(**sweep)


# A batch reads its page and the notices already given, writes notices,
# events, next check times and one UPDATE per escalation outcome, and moves
# the escalated tickets' kept view counts (a read, an UPDATE and an insert in
# a savepoint); the first batch also loads the policies (four queries).
PER_BATCH = 17
PER_SWEEP = 8


@pytest.mark.parametrize(
    ("tickets", "batch_size"), [(12, 4), (90, 30), (36, 4), (180, 30)]
)
def test_the_queries_per_batch_do_not_grow_with_the_batch(
    policies, tickets, batch_size, django_assert_max_num_queries
):
    """Batches of 4 tickets or of 30, three of them or more: a fixed bound per
    batch, and nothing about the tickets (policies, calendars, shapes, how
    much each announces) adds a query per row."""
    varied_tickets(policies, tickets, spacing=11)
    now = berlin(2026, 12, 9, 10)
    due = Ticket.objects.filter(sla_next_check_at__lte=now).count()
    batches = math.ceil(due / batch_size)
    assert batches >= 3
    result = count_queries(
        django_assert_max_num_queries,
        PER_SWEEP + batches * PER_BATCH,
        now=now,
        batch_size=batch_size,
    )
    assert (result.batches, result.examined) == (batches, due)
    assert result.breaches > due  # real work in every batch
