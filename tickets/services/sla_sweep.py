"""The SLA sweep: every minute, announce each warning and breach that has
come due, once, and escalate breaches (see ``tickets.services.sla``).

Built for a backlog of 100,000 due tickets: each batch is read as plain rows
(no model per ticket, no per-ticket prefetch of its policy), the policies are
loaded once per sweep with their targets and calendar, the business-time
arithmetic runs on each calendar's precomputed open time, and the writes are
a fixed handful of bulk statements per batch.
"""

import collections
from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from helpdesk.commit_hooks import on_commit_robust
from helpdesk.db import atomic
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
from tickets.signals import events_announced, ticket_events_recorded

from .counts import ticket_counts_move
from .sla import TARGET_LABELS, Clock, clocks_running, next_check
from .sla_policies import calendar_for

Kind = TicketEvent.Kind
Stage = SLANotice.Stage
PRIORITY_ORDER = list(Ticket.Priority.values)  # low, normal, high, urgent
PRIORITY_LABELS = dict(Ticket.Priority.choices)

SWEEP_LOCK = "tickets:sla-sweep"

# The columns a sweep reads per ticket: its clocks (``sla.clocks_running``)
# and what an escalation changes.
ROW_FIELDS = (
    "pk",
    "status",
    "priority",
    "sla_policy_id",
    "team_id",
    "department_id",
    "assignee_id",
    "sla_next_check_at",
    "created_at",
    "first_response_at",
    "first_response_due_at",
    "next_response_due_at",
    "next_response_since",
    "resolution_due_at",
    "sla_paused_since",
    "sla_paused_minutes",
)
TicketRow = namedtuple("TicketRow", ROW_FIELDS)


@dataclass
class SweepResult:
    examined: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    batches: int = 0


@dataclass
class _Policy:
    """What the sweep needs of one policy, read once per sweep."""

    targets: dict[str, SLATarget]
    calendar: bt.Calendar
    warn_before_minutes: int
    escalate_priority: bool
    team_id: object | None = None
    team_department_id: object | None = None
    team_name: str = ""


class _Policies(dict):
    """Policy id -> ``_Policy``, loaded on first sight in a fixed number of
    queries (four) however many tickets and batches follow."""

    def load(self, ids: set) -> None:
        missing = ids - self.keys()
        if not missing:
            return
        for policy in (
            SLAPolicy.objects.filter(pk__in=missing)
            .select_related("calendar", "escalate_to_team__department")
            .prefetch_related("targets", "calendar__hours", "calendar__holidays")
        ):
            team = policy.escalate_to_team
            self[policy.pk] = _Policy(
                targets={target.priority: target for target in policy.targets.all()},
                calendar=calendar_for(policy.calendar),
                warn_before_minutes=policy.warn_before_minutes,
                escalate_priority=policy.escalate_priority,
                team_id=team.pk if team is not None else None,
                team_department_id=team.department_id if team is not None else None,
                team_name=str(team) if team is not None else "",
            )


def sla_sweep(*, now: datetime | None = None, batch_size: int = 1000) -> SweepResult:
    """Announce every warning and breach that is due, once; escalate breaches.

    Reads only tickets whose next check time has come (an indexed column),
    in batches of ``batch_size`` with a fixed number of queries per batch
    (about a dozen, whatever its size; four more the first time a policy is
    met). One sweep runs at a time (a cache lock), so nothing is announced
    twice. Each batch commits on its own: its notices, events, escalations
    and next check times, then after commit its events go to the listeners
    (notifications, Teams, webhooks) in one signal, one task per chunk.
    """
    now = now or timezone.now()
    result = SweepResult()
    if not cache.add(SWEEP_LOCK, "1", timeout=600):
        return result
    try:
        due = (
            Ticket.objects.filter(
                sla_next_check_at__lte=now,
                status__in=UNSOLVED_STATUSES,
                sla_policy__isnull=False,
            )
            .order_by("pk")
            .values_list(*ROW_FIELDS)
        )
        policies = _Policies()
        # Keyset paging by primary key, starting with no lower bound: keys are
        # opaque (object ids on MongoDB), so no "smallest key" is assumed.
        last_pk = None
        while True:
            page = due if last_pk is None else due.filter(pk__gt=last_pk)
            batch = [TicketRow._make(row) for row in page[:batch_size]]
            if not batch:
                return result
            last_pk = batch[-1].pk
            result.batches += 1
            result.examined += len(batch)
            policies.load({row.sla_policy_id for row in batch})
            announced = _sweep_batch(batch, policies, now)
            result.warnings += announced.warnings
            result.breaches += announced.breaches
            result.escalations += announced.escalations
    finally:
        cache.delete(SWEEP_LOCK)


@atomic
def _sweep_batch(
    batch: list[TicketRow], policies: _Policies, now: datetime
) -> SweepResult:
    """Announce and escalate one batch, all of it or none of it; returns what
    it announced (counted afresh if MongoDB runs the transaction again: the
    rows in ``batch`` are never changed)."""
    result = SweepResult()
    announced: dict[object, set] = {row.pk: set() for row in batch}
    for row in SLANotice.objects.filter(ticket_id__in=list(announced)).values_list(
        "ticket_id", "target", "stage", "due_at"
    ):
        announced[row[0]].add(row[1:])
    notices, events = [], []
    next_checks: dict[object, datetime | None] = {}
    outcomes: dict[tuple, list] = {}  # (priority, team, department) -> ticket ids
    for row in batch:
        seen = announced[row.pk]
        policy = policies.get(row.sla_policy_id)  # None: deleted since the read
        clocks = _clocks(row, policy) if policy is not None else []
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
                    ticket_id=row.pk,
                    target=clock.target,
                    stage=stage,
                    due_at=clock.due_at,
                )
            )
            events.append(
                TicketEvent(
                    ticket_id=row.pk,
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
        if escalate:
            outcome = _escalate(row, policy, events, now)
            if outcome is not None:
                result.escalations += 1
                outcomes.setdefault(outcome, []).append(row)
        check = next_check(clocks, seen)
        if check != row.sla_next_check_at:
            next_checks[row.pk] = check
    SLANotice.objects.bulk_create(notices)
    breached = collections.Counter(n.target for n in notices if n.stage == Stage.BREACH)
    if breached:
        on_commit_robust(
            "sla_breaches_count",
            lambda: [sla_breached(target, n) for target, n in breached.items()],
        )
    created = TicketEvent.objects.bulk_create(events)
    _save_next_checks(next_checks)
    # Escalations share a handful of outcomes (priority, team): one UPDATE
    # each, and the workspace's kept counts follow a ticket moved to a team.
    moves: dict[tuple, int] = {}
    for (priority, team_id, department_id), rows in outcomes.items():
        Ticket.objects.filter(pk__in=[row.pk for row in rows]).update(
            priority=priority, team_id=team_id, department_id=department_id
        )
        for row in rows:
            move = (
                (row.department_id, row.team_id, row.assignee_id, row.status),
                (department_id, team_id, row.assignee_id, row.status),
            )
            moves[move] = moves.get(move, 0) + 1
    ticket_counts_move(moves)
    if created:
        event_ids = [event.pk for event in created]
        if events_announced():  # not for history being written (the demo)
            on_commit_robust(
                "ticket_events_recorded.send",
                lambda: ticket_events_recorded.send(
                    sender=TicketEvent, event_ids=event_ids
                ),
            )
    return result


def _clocks(row: TicketRow, policy: _Policy) -> list[Clock]:
    """``sla.running_clocks`` for a row (the due query only reads unsolved
    tickets with a policy)."""
    target = policy.targets.get(row.priority)
    if target is None:
        return []
    return clocks_running(row, target, policy.calendar, policy.warn_before_minutes)


def _save_next_checks(next_checks: dict[object, datetime | None]) -> None:
    """Write the tickets' new next check times: the deadlines never change
    here, only when to look next. Tickets with nothing left to announce (most
    after a first sweep) share one UPDATE; the others one bulk UPDATE."""
    done = [pk for pk, check in next_checks.items() if check is None]
    if done:
        Ticket.objects.filter(pk__in=done).update(sla_next_check_at=None)
    later = [
        Ticket(pk=pk, sla_next_check_at=check)
        for pk, check in next_checks.items()
        if check is not None
    ]
    if later:
        Ticket.objects.bulk_update(later, ["sla_next_check_at"])


def _escalate(
    row: TicketRow, policy: _Policy, events: list[TicketEvent], now: datetime
) -> tuple | None:
    """Apply the policy's escalation to a breached ticket: its new (priority,
    team, department), with an event saying what changed, or None when
    nothing changes. The deadlines stay as they were."""
    priority, team_id, department_id = row.priority, row.team_id, row.department_id
    changes = []
    if policy.escalate_priority:
        index = PRIORITY_ORDER.index(priority)
        if index < len(PRIORITY_ORDER) - 1:
            priority = PRIORITY_ORDER[index + 1]
            old, new = PRIORITY_LABELS[row.priority], PRIORITY_LABELS[priority]
            changes.append(f"priority {old} → {new}")
    if policy.team_id is not None and team_id != policy.team_id:
        team_id, department_id = policy.team_id, policy.team_department_id
        changes.append(f"team → {policy.team_name}")
    if not changes:
        return None
    events.append(
        TicketEvent(
            ticket_id=row.pk,
            kind=Kind.SLA_ESCALATED,
            new_value="; ".join(changes)[:255],
            created_at=now,
        )
    )
    return priority, team_id, department_id
