"""The SLA sweep: every minute, announce each warning and breach that has
come due, once, and escalate breaches (see ``tickets.services.sla``)."""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from helpdesk.commit_hooks import on_commit_robust
from helpdesk.db import atomic
from tickets.models import (
    UNSOLVED_STATUSES,
    SLANotice,
    Ticket,
    TicketEvent,
)
from tickets.selectors import counts_version_bump
from tickets.signals import events_announced, ticket_events_recorded

from .sla import TARGET_LABELS, next_check, running_clocks

Kind = TicketEvent.Kind
Stage = SLANotice.Stage
PRIORITY_ORDER = list(Ticket.Priority.values)  # low, normal, high, urgent

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
        due = (
            Ticket.objects.filter(
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
            .order_by("pk")
        )
        # Keyset paging by primary key, starting with no lower bound: keys are
        # opaque (object ids on MongoDB), so no "smallest key" is assumed.
        last_pk = None
        while True:
            page = due if last_pk is None else due.filter(pk__gt=last_pk)
            batch = list(page[:batch_size])
            if not batch:
                return result
            last_pk = batch[-1].pk
            result.batches += 1
            result.examined += len(batch)
            announced = _sweep_batch(batch, now)
            result.warnings += announced.warnings
            result.breaches += announced.breaches
            result.escalations += announced.escalations
    finally:
        cache.delete(SWEEP_LOCK)


@atomic
def _sweep_batch(batch: list[Ticket], now: datetime) -> SweepResult:
    """Announce and escalate one batch, all of it or none of it; returns what
    it announced (counted afresh if MongoDB runs the transaction again)."""
    result = SweepResult()
    announced: dict[object, set] = {ticket.pk: set() for ticket in batch}
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
        ticket.sla_next_check_at = next_check(clocks, seen)
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
    outcomes: dict[tuple, list] = {}
    for ticket in escalated:
        key = (ticket.priority, ticket.team_id, ticket.department_id)
        outcomes.setdefault(key, []).append(ticket.pk)
    for (priority, team_id, department_id), pks in outcomes.items():
        Ticket.objects.filter(pk__in=pks).update(
            priority=priority, team_id=team_id, department_id=department_id
        )
    if created:
        event_ids = [event.pk for event in created]
        if events_announced():  # not for history being written (the demo)
            on_commit_robust(
                "ticket_events_recorded.send",
                lambda: ticket_events_recorded.send(
                    sender=TicketEvent, event_ids=event_ids
                ),
            )
        transaction.on_commit(counts_version_bump)
    return result


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
