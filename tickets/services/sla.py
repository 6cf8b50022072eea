"""The SLA clock: when each target is due, pauses, and when to look next.

Business-time arithmetic lives in ``tickets.business_time``, which policy
applies and its calendar in ``sla_policies``, and the sweep that warns,
announces breaches and escalates in ``sla_sweep``; this module decides what to
measure from when. Every due time is computed from where its clock started
(creation, or the customer's reply), so recomputing after a priority or
policy change is exact. The resolution clock stands still while a ticket
waits in a status of SLA_PAUSE_STATUSES, or is solved within its target, and
its due time moves by the business minutes of the pause.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from helpdesk.commit_hooks import on_commit_robust
from helpdesk.metrics import sla_breached
from tickets import business_time as bt
from tickets.models import (
    UNSOLVED_STATUSES,
    SLANotice,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketEvent,
)

from .events import event_record
from .sla_policies import calendar_for, policy_cached, policy_for, target_for

Kind = TicketEvent.Kind
Target = SLANotice.Target
Stage = SLANotice.Stage
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


# --- Running clocks ---------------------------------------------------------


class TicketClockFields(Protocol):
    """What a clock is computed from: a Ticket's SLA fields, by name."""

    created_at: datetime
    first_response_at: datetime | None
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    next_response_since: datetime | None
    resolution_due_at: datetime | None
    sla_paused_since: datetime | None
    sla_paused_minutes: float


@dataclass(frozen=True)
class Clock:
    """One running target: when it is due, and when to warn about it."""

    target: str
    due_at: datetime
    warn_at: datetime


def _add(calendar: bt.Calendar, start: datetime, minutes: float) -> datetime:
    return bt.add_business_minutes_indexed(calendar, start, max(0.0, minutes))


def running_clocks(ticket: Ticket) -> list[Clock]:
    """The targets still running on a ticket, with their warning times."""
    policy = ticket.sla_policy
    if policy is None or ticket.status not in UNSOLVED_STATUSES:
        return []
    target = target_for(policy, ticket.priority)
    if target is None:
        return []
    return clocks_running(
        ticket, target, calendar_for(policy.calendar), policy.warn_before_minutes
    )


def clocks_running(
    ticket: "Ticket | TicketClockFields",
    target: SLATarget,
    calendar: bt.Calendar,
    warn_before_minutes: int,
) -> list[Clock]:
    """``running_clocks`` for an unsolved ticket under ``target`` of its
    policy. ``ticket`` may be a model or any row with the same SLA
    attributes (the sweep reads rows, not models)."""
    warn = warn_before_minutes
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


def next_check(clocks: list[Clock], announced: set[tuple[str, str, datetime]]):
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
    ticket.sla_next_check_at = next_check(clocks, announced)
    return ["sla_next_due_at", "sla_next_check_at"]


# --- Events in a ticket's life ----------------------------------------------


def sla_clocks_start(*, ticket: Ticket) -> SLAPolicy | None:
    """A new ticket: pick its policy and start the first-response and
    resolution clocks from ``created_at``. Saves and records nothing, so
    ``ticket_create`` calls it before the insert and the new row carries its
    deadlines. Returns the policy, for the caller to announce once the ticket
    exists (an ``SLA_POLICY`` event), or None when no policy applies (the due
    times stay empty)."""
    policy = policy_for(ticket)
    if policy is not None:
        sla_fields_for_import(ticket=ticket, policy=policy)
    return policy


def sla_start(*, ticket: Ticket) -> list[str]:
    """Start the clocks of a ticket that was saved without them (made by a
    factory or a script, not by ``ticket_create``) exactly as
    ``ticket_create`` starts them, and announce the policy. Returns the
    fields to save."""
    policy = sla_clocks_start(ticket=ticket)
    if policy is not None:
        event_record(ticket=ticket, actor=None, kind=Kind.SLA_POLICY, new_value=policy)
    return list(SLA_FIELDS)


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
    tests. ``policy`` should have its targets and calendar prefetched. A
    ticket solved in time has its resolution clock stopped at solved_at."""
    ticket.sla_policy = policy
    _apply(ticket, ticket.created_at, actor=None, announce=False)
    sla_pause_if_solved_in_time(ticket=ticket)


def sla_recompute(*, ticket: Ticket, actor: User | None) -> list[str]:
    """After a change of priority or of a policy's conditions: pick the policy
    again and recompute every due time from where its clock started."""
    return _apply(ticket, timezone.now(), actor=actor, announce=True)


def _settle(
    ticket: Ticket, target: str, due_at: datetime | None, at: datetime, actor
) -> bool:
    """A target was met (or missed) now: record it once; return whether met."""
    if due_at is None:
        return False
    if at <= due_at:
        event_record(
            ticket=ticket,
            actor=actor,
            kind=Kind.SLA_MET,
            new_value=TARGET_LABELS[target],
        )
        return True
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
        on_commit_robust("sla_breach_count", lambda: sla_breached(target))
    return False


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
    """Pause and resume the resolution clock; settle it when solved.

    A waiting status (SLA_PAUSE_STATUSES) stops the resolution clock, and so
    does solving within the target: time spent solved does not count, and
    reopening (the customer's reply, or an agent moving the ticket back to
    open) resumes the clock with the business time that was left at the solve.
    Both record a timeline event saying how much time is left. A target missed
    at the solve stays missed: its due time does not move, so the breach
    already recorded stands and the sweep has nothing new to announce.
    """
    if ticket.sla_policy_id is None:
        return []
    pausing = set(settings.SLA_PAUSE_STATUSES)
    reopening = old == Ticket.Status.SOLVED and new in UNSOLVED_STATUSES
    fields = []
    if new in pausing and old not in pausing and ticket.sla_paused_since is None:
        ticket.sla_paused_since = at
        fields.append("sla_paused_since")
    elif (
        (old in pausing or reopening)
        and new not in pausing
        and ticket.sla_paused_since is not None
    ):
        left = _resume(ticket, at)
        fields += ["sla_paused_since", "sla_paused_minutes", "resolution_due_at"]
        if reopening and left is not None:
            event_record(
                ticket=ticket,
                actor=None,
                kind=Kind.SLA_RESUMED,
                new_value=f"{duration_words(left)} left",
            )
    if new == Ticket.Status.SOLVED and _settle(
        ticket, Target.RESOLUTION, ticket.resolution_due_at, at, None
    ):
        ticket.sla_paused_since = at
        fields.append("sla_paused_since")
        left = bt.business_minutes_between_indexed(
            calendar_for(ticket.sla_policy.calendar), at, ticket.resolution_due_at
        )
        event_record(
            ticket=ticket,
            actor=None,
            kind=Kind.SLA_PAUSED,
            new_value=f"{duration_words(left)} left",
        )
    return [*fields, *refresh(ticket)]


def _resume(ticket: Ticket, at: datetime) -> float | None:
    """End the pause that began at sla_paused_since: its business minutes
    count as paused and move the resolution due time. Returns the business
    minutes the resolution target had left when the pause began (None without
    a resolution target); the moved due time leaves exactly that from ``at``."""
    calendar = calendar_for(ticket.sla_policy.calendar)
    since = ticket.sla_paused_since
    paused = bt.business_minutes_between_indexed(calendar, since, at)
    ticket.sla_paused_minutes += paused
    left = None
    if ticket.resolution_due_at is not None:
        left = bt.business_minutes_between_indexed(
            calendar, since, ticket.resolution_due_at
        )
        ticket.resolution_due_at = _add(calendar, ticket.resolution_due_at, paused)
    ticket.sla_paused_since = None
    return left


def sla_pause_if_solved_in_time(*, ticket: Ticket) -> list[str]:
    """For a solved ticket whose history was written after the fact (imports,
    demo data): stop the resolution clock at solved_at when the target was met
    then, as solving it through ``sla_on_status`` would have; no events."""
    if (
        ticket.status == Ticket.Status.SOLVED
        and ticket.solved_at is not None
        and ticket.resolution_due_at is not None
        and ticket.solved_at <= ticket.resolution_due_at
    ):
        ticket.sla_paused_since = ticket.solved_at
        return ["sla_paused_since", *refresh(ticket)]
    return []


def duration_words(minutes: float) -> str:
    """Business minutes as "2 h 5 min", "3 h", "40 min" (whole minutes)."""
    hours, mins = divmod(max(0, round(minutes)), 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


# --- Badges -----------------------------------------------------------------

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
    calendar = calendar_for(policy_cached(ticket.sla_policy_id).calendar)
    return business_minutes_signed(calendar, now or timezone.now(), due)


def business_minutes_signed(
    calendar: bt.Calendar, start: datetime, end: datetime
) -> tuple[float, bool]:
    """Business minutes from ``start`` to ``end``, negative when ``end`` is
    earlier, over at most ``BADGE_HORIZON`` of calendar time (then capped,
    the second value True). A bounded walk, not the sweep's precomputed
    table: a badge may measure from a moment years back (a long-paused or
    long-overdue ticket), and the table would be rebuilt for it and again for
    the next badge of the page."""
    low, high, sign = (start, end, 1) if start <= end else (end, start, -1)
    capped = high - low > BADGE_HORIZON
    if capped:
        high = low + BADGE_HORIZON
    return sign * bt.business_minutes_between(calendar, low, high), capped
