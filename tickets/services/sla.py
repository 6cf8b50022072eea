"""The SLA clock: which policy applies, when each target is due, pauses,
and the sweep that warns, announces breaches and escalates.

Business-time arithmetic lives in ``tickets.business_time``; this module
decides what to measure from when. Every due time is computed from where its
clock started (creation, or the customer's reply), so recomputing after a
priority or policy change is exact. The resolution clock stands still while
a ticket waits in a status of SLA_PAUSE_STATUSES, and its due time moves by
the business minutes of the pause.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from tickets import business_time as bt
from tickets.models import (
    UNSOLVED_STATUSES,
    BusinessCalendar,
    BusinessHoliday,
    SLANotice,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketEvent,
)
from tickets.selectors import counts_version_bump
from tickets.signals import ticket_events_recorded

from .events import event_record

Kind = TicketEvent.Kind
Target = SLANotice.Target
Stage = SLANotice.Stage
PRIORITY_ORDER = list(Ticket.Priority.values)  # low, normal, high, urgent
SLA_FIELDS = [
    "sla_policy",
    "first_response_due_at",
    "next_response_due_at",
    "next_response_since",
    "resolution_due_at",
    "sla_paused_since",
    "sla_paused_minutes",
    "sla_next_due_at",
    "sla_next_check_at",
]
TARGET_LABELS = {
    Target.FIRST_RESPONSE: "first response",
    Target.NEXT_RESPONSE: "next response",
    Target.RESOLUTION: "resolution",
}


# --- Calendars and policies -------------------------------------------------

_calendars: dict[tuple[int, datetime], bt.Calendar] = {}


def calendar_for(model: BusinessCalendar) -> bt.Calendar:
    """The pure calendar for a stored one, cached until the calendar changes
    (editing its hours or holidays in the admin saves the calendar too)."""
    key = (model.pk, model.updated_at)
    cached = _calendars.get(key)
    if cached is None:
        hours: dict[int, list[bt.Interval]] = {}
        for row in model.hours.all():
            hours.setdefault(row.weekday, []).append(bt.Interval(row.start, row.end))
        cached = bt.Calendar(
            timezone=model.timezone,
            hours={day: tuple(intervals) for day, intervals in hours.items()},
            holidays=frozenset(row.date for row in model.holidays.all()),
        )
        if len(_calendars) > 100:
            _calendars.clear()
        _calendars[key] = cached
    return cached


_policies: dict[int, tuple[float, SLAPolicy]] = {}
POLICY_CACHE_SECONDS = 60


def policy_cached(policy_id: int) -> SLAPolicy | None:
    """A policy with its calendar, hours, holidays and targets, kept in this
    process for a minute: list pages show a badge per row and should not load
    calendars on every request. Deadlines are always computed from the
    database (policy_for); only the badges may lag an edit by a minute."""
    now = time.monotonic()
    cached = _policies.get(policy_id)
    if cached is not None and now - cached[0] < POLICY_CACHE_SECONDS:
        return cached[1]
    policy = (
        SLAPolicy.objects.select_related("calendar")
        .prefetch_related("targets", "calendar__hours", "calendar__holidays")
        .filter(pk=policy_id)
        .first()
    )
    if policy is not None:
        _policies[policy_id] = (now, policy)
    return policy


def policy_matches(policy: SLAPolicy, ticket: Ticket) -> bool:
    return (
        (
            policy.organization_id is None
            or policy.organization_id == ticket.organization_id
        )
        and (policy.category_id is None or policy.category_id == ticket.category_id)
        and (
            policy.department_id is None or policy.department_id == ticket.department_id
        )
        and (not policy.priority or policy.priority == ticket.priority)
    )


def policy_for(ticket: Ticket) -> SLAPolicy | None:
    """The first active policy, in order, whose conditions the ticket meets;
    else the default policy; else none."""
    policies = list(
        SLAPolicy.objects.filter(active=True)
        .select_related("calendar")
        .order_by("order", "pk")
    )
    for policy in policies:
        if not policy.is_default and policy_matches(policy, ticket):
            return policy
    return next((p for p in policies if p.is_default), None)


def target_for(policy: SLAPolicy | None, priority: str) -> SLATarget | None:
    if policy is None:
        return None
    return next((t for t in policy.targets.all() if t.priority == priority), None)


@transaction.atomic
def holidays_add(*, calendar: BusinessCalendar, dates) -> int:
    """Add closed dates to a calendar; return how many were new. Saving the
    calendar moves its updated_at, so cached copies are rebuilt."""
    existing = set(calendar.holidays.values_list("date", flat=True))
    new = [
        BusinessHoliday(calendar=calendar, date=day)
        for day in sorted(set(dates) - existing)
    ]
    BusinessHoliday.objects.bulk_create(new)
    calendar.save(update_fields=["updated_at"])
    return len(new)


# --- Running clocks ---------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """One running target: when it is due, and when to warn about it."""

    target: str
    due_at: datetime
    warn_at: datetime


def _add(calendar: bt.Calendar, start: datetime, minutes: float) -> datetime:
    return bt.add_business_minutes(calendar, start, max(0.0, minutes))


def running_clocks(ticket: Ticket) -> list[Clock]:
    """The targets still running on a ticket, with their warning times."""
    policy = ticket.sla_policy
    if policy is None or ticket.status not in UNSOLVED_STATUSES:
        return []
    target = target_for(policy, ticket.priority)
    if target is None:
        return []
    calendar = calendar_for(policy.calendar)
    warn = policy.warn_before_minutes
    clocks = []
    if ticket.first_response_at is None and ticket.first_response_due_at:
        clocks.append(
            Clock(
                Target.FIRST_RESPONSE,
                ticket.first_response_due_at,
                _add(calendar, ticket.created_at, target.first_response_minutes - warn),
            )
        )
    if ticket.next_response_due_at and ticket.next_response_since:
        clocks.append(
            Clock(
                Target.NEXT_RESPONSE,
                ticket.next_response_due_at,
                _add(
                    calendar,
                    ticket.next_response_since,
                    (target.next_response_minutes or 0) - warn,
                ),
            )
        )
    if ticket.resolution_due_at and ticket.sla_paused_since is None:
        clocks.append(
            Clock(
                Target.RESOLUTION,
                ticket.resolution_due_at,
                _add(
                    calendar,
                    ticket.created_at,
                    (target.resolution_minutes or 0) + ticket.sla_paused_minutes - warn,
                ),
            )
        )
    return clocks


def _next_check(clocks: list[Clock], announced: set[tuple[str, str, datetime]]):
    """When the sweep should next look: the earliest warning or breach not yet
    announced; None when nothing is left to announce."""
    moments = []
    for clock in clocks:
        if (clock.target, Stage.BREACH, clock.due_at) in announced:
            continue
        if (clock.target, Stage.WARNING, clock.due_at) in announced:
            moments.append(clock.due_at)
        else:
            moments.append(min(clock.warn_at, clock.due_at))
    return min(moments) if moments else None


def refresh(ticket: Ticket) -> list[str]:
    """Recompute the denormalised next due and next check times."""
    clocks = running_clocks(ticket)
    ticket.sla_next_due_at = min((c.due_at for c in clocks), default=None)
    announced = (
        set(
            SLANotice.objects.filter(ticket=ticket).values_list(
                "target", "stage", "due_at"
            )
        )
        if ticket.pk and clocks
        else set()
    )
    ticket.sla_next_check_at = _next_check(clocks, announced)
    return ["sla_next_due_at", "sla_next_check_at"]


# --- Events in a ticket's life ----------------------------------------------


def sla_start(*, ticket: Ticket) -> list[str]:
    """A new ticket: apply the policy and start the first-response and
    resolution clocks from its creation."""
    return _apply(ticket, ticket.created_at, actor=None, announce=True)


def _apply(ticket: Ticket, now: datetime, *, actor, announce: bool) -> list[str]:
    policy = policy_for(ticket) if announce else ticket.sla_policy
    old_policy_id = ticket.sla_policy_id
    ticket.sla_policy = policy
    target = target_for(policy, ticket.priority)
    if target is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
        ticket.next_response_due_at = None
    else:
        calendar = calendar_for(policy.calendar)
        ticket.first_response_due_at = (
            _add(calendar, ticket.created_at, target.first_response_minutes)
            if target.first_response_minutes is not None
            else None
        )
        ticket.resolution_due_at = (
            _add(
                calendar,
                ticket.created_at,
                target.resolution_minutes + ticket.sla_paused_minutes,
            )
            if target.resolution_minutes is not None
            else None
        )
        ticket.next_response_due_at = (
            _add(calendar, ticket.next_response_since, target.next_response_minutes)
            if ticket.next_response_since and target.next_response_minutes is not None
            else None
        )
    if announce and policy is not None and policy.pk != old_policy_id:
        event_record(ticket=ticket, actor=actor, kind=Kind.SLA_POLICY, new_value=policy)
    return [*SLA_FIELDS[:5], *refresh(ticket)]


def sla_fields_for_import(*, ticket: Ticket, policy: SLAPolicy) -> None:
    """Set a new, unsaved ticket's SLA fields as if it had been opened under
    ``policy`` at its created_at, without events: for bulk imports and load
    tests. ``policy`` should have its targets and calendar prefetched."""
    ticket.sla_policy = policy
    _apply(ticket, ticket.created_at, actor=None, announce=False)


def sla_recompute(*, ticket: Ticket, actor: User | None) -> list[str]:
    """After a change of priority or of a policy's conditions: pick the policy
    again and recompute every due time from where its clock started."""
    return _apply(ticket, timezone.now(), actor=actor, announce=True)


def _settle(ticket: Ticket, target: str, due_at: datetime | None, at: datetime, actor):
    """A target was met (or missed) now: record it once."""
    if due_at is None:
        return
    if at <= due_at:
        event_record(
            ticket=ticket,
            actor=actor,
            kind=Kind.SLA_MET,
            new_value=TARGET_LABELS[target],
        )
        return
    _, created = SLANotice.objects.get_or_create(
        ticket=ticket, target=target, stage=Stage.BREACH, due_at=due_at
    )
    if created:
        event_record(
            ticket=ticket,
            actor=None,
            kind=Kind.SLA_BREACHED,
            old_value=due_at.isoformat(),
            new_value=TARGET_LABELS[target],
        )


def sla_on_public_reply(
    *, ticket: Ticket, by_agent: bool, at: datetime, first: bool
) -> list[str]:
    """An agent's public reply meets the first or next response; a customer's
    reply to an answered ticket starts the next-response clock."""
    if ticket.sla_policy_id is None:
        return []
    fields = []
    if by_agent:
        if first:
            _settle(
                ticket, Target.FIRST_RESPONSE, ticket.first_response_due_at, at, None
            )
        if ticket.next_response_due_at:
            _settle(ticket, Target.NEXT_RESPONSE, ticket.next_response_due_at, at, None)
            ticket.next_response_due_at = ticket.next_response_since = None
            fields += ["next_response_due_at", "next_response_since"]
    elif ticket.first_response_at is not None and ticket.next_response_since is None:
        target = target_for(ticket.sla_policy, ticket.priority)
        if target is not None and target.next_response_minutes is not None:
            ticket.next_response_since = at
            ticket.next_response_due_at = _add(
                calendar_for(ticket.sla_policy.calendar),
                at,
                target.next_response_minutes,
            )
            fields += ["next_response_due_at", "next_response_since"]
    return [*fields, *refresh(ticket)]


def sla_on_status(*, ticket: Ticket, old: str, new: str, at: datetime) -> list[str]:
    """Pause and resume the resolution clock; settle it when solved."""
    if ticket.sla_policy_id is None:
        return []
    pausing = set(settings.SLA_PAUSE_STATUSES)
    fields = []
    if new in pausing and old not in pausing and ticket.sla_paused_since is None:
        ticket.sla_paused_since = at
        fields.append("sla_paused_since")
    elif old in pausing and new not in pausing and ticket.sla_paused_since is not None:
        calendar = calendar_for(ticket.sla_policy.calendar)
        paused = bt.business_minutes_between(calendar, ticket.sla_paused_since, at)
        ticket.sla_paused_minutes += paused
        if ticket.resolution_due_at is not None:
            ticket.resolution_due_at = _add(calendar, ticket.resolution_due_at, paused)
        ticket.sla_paused_since = None
        fields += ["sla_paused_since", "sla_paused_minutes", "resolution_due_at"]
    if new == Ticket.Status.SOLVED:
        _settle(ticket, Target.RESOLUTION, ticket.resolution_due_at, at, None)
    return [*fields, *refresh(ticket)]


# --- The sweep --------------------------------------------------------------

SWEEP_LOCK = "tickets:sla-sweep"


@dataclass
class SweepResult:
    examined: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    batches: int = 0


def sla_sweep(*, now: datetime | None = None, batch_size: int = 1000) -> SweepResult:
    """Announce every warning and breach that is due, once; escalate breaches.

    Reads only tickets whose next check time has come (an indexed column),
    in batches of ``batch_size`` with a fixed number of queries per batch.
    One sweep runs at a time (a cache lock), so nothing is announced twice.
    """
    now = now or timezone.now()
    result = SweepResult()
    if not cache.add(SWEEP_LOCK, "1", timeout=600):
        return result
    try:
        last_pk = 0
        while True:
            batch = list(
                Ticket.objects.filter(
                    pk__gt=last_pk,
                    sla_next_check_at__lte=now,
                    status__in=UNSOLVED_STATUSES,
                    sla_policy__isnull=False,
                )
                .select_related("sla_policy__calendar", "sla_policy__escalate_to_team")
                .prefetch_related(
                    "sla_policy__targets",
                    "sla_policy__calendar__hours",
                    "sla_policy__calendar__holidays",
                )
                .order_by("pk")[:batch_size]
            )
            if not batch:
                return result
            last_pk = batch[-1].pk
            result.batches += 1
            result.examined += len(batch)
            _sweep_batch(batch, now, result)
    finally:
        cache.delete(SWEEP_LOCK)


@transaction.atomic
def _sweep_batch(batch: list[Ticket], now: datetime, result: SweepResult) -> None:
    announced: dict[int, set] = {ticket.pk: set() for ticket in batch}
    for row in SLANotice.objects.filter(ticket_id__in=list(announced)).values_list(
        "ticket_id", "target", "stage", "due_at"
    ):
        announced[row[0]].add(row[1:])
    notices, events, changed, escalated = [], [], [], []
    for ticket in batch:
        seen = announced[ticket.pk]
        clocks = running_clocks(ticket)
        escalate = False
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
            notices.append(
                SLANotice(
                    ticket=ticket, target=clock.target, stage=stage, due_at=clock.due_at
                )
            )
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=Kind.SLA_BREACHED
                    if stage == Stage.BREACH
                    else Kind.SLA_WARNING,
                    old_value=clock.due_at.isoformat(),
                    new_value=TARGET_LABELS[clock.target],
                    created_at=now,
                )
            )
            if stage == Stage.BREACH:
                result.breaches += 1
                escalate = True
            else:
                result.warnings += 1
        if escalate and _escalate(ticket, events, now):
            result.escalations += 1
            escalated.append(ticket)
        ticket.sla_next_check_at = _next_check(clocks, seen)
        changed.append(ticket)
    SLANotice.objects.bulk_create(notices)
    created = TicketEvent.objects.bulk_create(events)
    # Writes kept small: the deadlines themselves never change here, only when
    # to look next; most breached tickets have nothing left to announce.
    done = [t.pk for t in changed if t.sla_next_check_at is None]
    Ticket.objects.filter(pk__in=done).update(sla_next_check_at=None)
    Ticket.objects.bulk_update(
        [t for t in changed if t.sla_next_check_at is not None], ["sla_next_check_at"]
    )
    # Escalations share a handful of outcomes (priority, team): one UPDATE each.
    outcomes: dict[tuple, list[int]] = {}
    for ticket in escalated:
        key = (ticket.priority, ticket.team_id, ticket.department_id)
        outcomes.setdefault(key, []).append(ticket.pk)
    for (priority, team_id, department_id), pks in outcomes.items():
        Ticket.objects.filter(pk__in=pks).update(
            priority=priority, team_id=team_id, department_id=department_id
        )
    if created:
        transaction.on_commit(
            partial(
                ticket_events_recorded.send,
                sender=TicketEvent,
                event_ids=[event.pk for event in created],
            ),
            robust=True,
        )
        transaction.on_commit(counts_version_bump)


def _escalate(ticket: Ticket, events: list[TicketEvent], now: datetime) -> bool:
    """Apply the policy's escalation; the deadlines stay as they were."""
    policy = ticket.sla_policy
    changes = []
    if policy.escalate_priority:
        index = PRIORITY_ORDER.index(ticket.priority)
        if index < len(PRIORITY_ORDER) - 1:
            old = ticket.get_priority_display()
            ticket.priority = PRIORITY_ORDER[index + 1]
            changes.append(f"priority {old} → {ticket.get_priority_display()}")
    team = policy.escalate_to_team
    if team is not None and ticket.team_id != team.pk:
        ticket.team = team
        ticket.department_id = team.department_id
        changes.append(f"team → {team}")
    if changes:
        events.append(
            TicketEvent(
                ticket=ticket,
                kind=Kind.SLA_ESCALATED,
                new_value="; ".join(changes)[:255],
                created_at=now,
            )
        )
    return bool(changes)


BADGE_HORIZON = timedelta(days=7)


def nearest_deadline(ticket: Ticket) -> tuple[str, datetime] | None:
    """The running target due first, from the stored due times alone (no
    calendar arithmetic): what a badge shows."""
    if ticket.sla_policy_id is None or ticket.status not in UNSOLVED_STATUSES:
        return None
    running = []
    if ticket.first_response_at is None and ticket.first_response_due_at:
        running.append((ticket.first_response_due_at, Target.FIRST_RESPONSE))
    if ticket.next_response_due_at:
        running.append((ticket.next_response_due_at, Target.NEXT_RESPONSE))
    if ticket.resolution_due_at and ticket.sla_paused_since is None:
        running.append((ticket.resolution_due_at, Target.RESOLUTION))
    if not running:
        return None
    due, target = min(running)
    return target, due


def sla_minutes_left(
    ticket: Ticket, due: datetime, now: datetime | None = None
) -> tuple[float, bool]:
    """Business minutes from now to ``due`` (negative when overdue), and
    whether the figure was capped: beyond a week only "over a week" is shown,
    so a badge never walks a long stretch of calendar."""
    now = now or timezone.now()
    calendar = calendar_for(policy_cached(ticket.sla_policy_id).calendar)
    start, end, sign = (now, due, 1) if now <= due else (due, now, -1)
    capped = end - start > BADGE_HORIZON
    if capped:
        end = start + BADGE_HORIZON
    return sign * bt.business_minutes_between(calendar, start, end), capped


__all__ = [
    "SweepResult",
    "calendar_for",
    "nearest_deadline",
    "policy_cached",
    "policy_for",
    "running_clocks",
    "sla_minutes_left",
    "sla_on_public_reply",
    "sla_on_status",
    "sla_recompute",
    "sla_start",
    "sla_sweep",
]
