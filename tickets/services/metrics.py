"""Report figures kept on the ticket at the moment each happens.

The reports read a ticket's first reply time, resolution time, public reply
count and reopen count from columns instead of replaying a million histories.
The services call the hooks here as things happen and save what they return
with the ticket; ``metrics_backfill`` computes the same figures from the
stored history for tickets written before (or around) the hooks.

Times are measured to the millisecond, the finest any of our databases
stores, so a figure computed live from the moment in memory equals the one
computed later from the stored timestamps. Business minutes run on the
ticket's SLA policy's calendar; a ticket without a policy counts calendar
minutes (round the clock).
"""

from collections import Counter
from datetime import datetime, timedelta

from django.apps import apps as global_apps

from tickets import business_time as bt
from tickets.models import UNSOLVED_STATUSES, Ticket, TicketEvent

from .sla_policies import calendar_for

Status = Ticket.Status
METRIC_FIELDS = [
    "first_reply_minutes",
    "first_reply_business_minutes",
    "resolution_minutes",
    "resolution_business_minutes",
    "public_reply_count",
    "reopen_count",
]
AGENT_ROLES = ("agent", "admin")
_ONE_MINUTE = timedelta(minutes=1)


def _to_millisecond(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _minutes(start: datetime, end: datetime) -> float:
    return max(0.0, (_to_millisecond(end) - _to_millisecond(start)) / _ONE_MINUTE)


def _business_minutes(policy, start: datetime, end: datetime) -> float:
    """Open minutes of ``policy``'s calendar in [start, end]; calendar minutes
    without a policy."""
    if policy is None:
        return _minutes(start, end)
    return bt.business_minutes_between(
        calendar_for(policy.calendar), _to_millisecond(start), _to_millisecond(end)
    )


def _first_reply(ticket, at: datetime) -> None:
    ticket.first_reply_minutes = _minutes(ticket.created_at, at)
    ticket.first_reply_business_minutes = _business_minutes(
        ticket.sla_policy, ticket.created_at, at
    )


def _resolution(ticket, at: datetime | None) -> None:
    if at is None:
        ticket.resolution_minutes = ticket.resolution_business_minutes = None
        return
    ticket.resolution_minutes = _minutes(ticket.created_at, at)
    ticket.resolution_business_minutes = _business_minutes(
        ticket.sla_policy, ticket.created_at, at
    )


# --- Hooks the services call ------------------------------------------------


def metrics_on_public_reply(*, ticket: Ticket, at: datetime, first: bool) -> list[str]:
    """A public reply by an agent working the ticket (internal notes and the
    customer's replies are not counted): count it, and when it is the first
    (the one that stamps ``first_response_at``), measure the first reply
    time from creation. Returns the changed fields; the caller saves."""
    ticket.public_reply_count += 1
    if not first:
        return ["public_reply_count"]
    _first_reply(ticket, at)
    return [
        "public_reply_count",
        "first_reply_minutes",
        "first_reply_business_minutes",
    ]


def metrics_on_status(*, ticket: Ticket, old: str, new: str, at: datetime) -> list[str]:
    """Solving measures the resolution time from creation to ``at`` (a ticket
    solved again is measured to its latest solve); moving a solved ticket
    back to work counts a reopen and clears the resolution time, as the
    status change clears ``solved_at``. Closing a solved ticket keeps its
    figures; closing one that was never solved (an admin's close, a merge)
    measures no resolution: nothing was solved, and ``solved_at`` stays
    empty. Returns the changed fields; the caller saves."""
    if new == Status.SOLVED:
        _resolution(ticket, at)
        return ["resolution_minutes", "resolution_business_minutes"]
    if old == Status.SOLVED and new in UNSOLVED_STATUSES:
        ticket.reopen_count += 1
        _resolution(ticket, None)
        return ["reopen_count", "resolution_minutes", "resolution_business_minutes"]
    return []


# --- Figures from the stored history ----------------------------------------


def metrics_backfill(*, batch_size: int = 500, apps=None) -> int:
    """Compute every ticket's figures from its stored history, as the hooks
    would have kept them, and save those that differ; return how many
    tickets changed. Safe to run again: a second run changes nothing.

    The history: ``first_response_at`` and ``solved_at`` (the first reply and
    latest solve), the REPLY timeline events written by agents (one per
    public reply; the opening message and a merge's note are not replies),
    and STATUS events from solved back to an unsolved status. An agent is
    told by their role today; the live hook asks whether they worked the
    ticket then, which differs only for someone whose role has changed.
    ``apps`` gives a migration's historical models; None, the current ones.
    """
    apps = apps or global_apps
    ticket_model = apps.get_model("tickets", "Ticket")
    event_model = apps.get_model("tickets", "TicketEvent")
    tickets = (
        ticket_model.objects.select_related("sla_policy__calendar")
        .prefetch_related(
            "sla_policy__calendar__hours", "sla_policy__calendar__holidays"
        )
        .order_by("pk")
    )
    updated = 0
    last_pk = None
    while True:
        # Keyset paging: primary keys are opaque (ObjectIds on MongoDB).
        page = tickets if last_pk is None else tickets.filter(pk__gt=last_pk)
        batch = list(page[:batch_size])
        if not batch:
            return updated
        last_pk = batch[-1].pk
        changed = _backfill_batch(batch, event_model)
        if changed:
            ticket_model.objects.bulk_update(changed, METRIC_FIELDS)
            updated += len(changed)


def _backfill_batch(batch: list, event_model) -> list:
    """The tickets of ``batch`` whose figures differ from their history's,
    with the figures set."""
    pks = [ticket.pk for ticket in batch]
    replies = Counter(
        event_model.objects.filter(
            ticket_id__in=pks,
            kind=TicketEvent.Kind.REPLY,
            actor__role__in=AGENT_ROLES,
        ).values_list("ticket_id", flat=True)
    )
    reopens = Counter(
        event_model.objects.filter(
            ticket_id__in=pks,
            kind=TicketEvent.Kind.STATUS,
            old_value=Status.SOLVED,
            new_value__in=list(UNSOLVED_STATUSES),
        ).values_list("ticket_id", flat=True)
    )
    changed = []
    for ticket in batch:
        before = _figures(ticket)
        metrics_from_history(
            ticket,
            public_replies=replies[ticket.pk],
            reopens=reopens[ticket.pk],
        )
        if _figures(ticket) != before:
            changed.append(ticket)
    return changed


def metrics_from_history(ticket, *, public_replies: int, reopens: int) -> None:
    """Set a ticket's figures from its stamps (``first_response_at``,
    ``solved_at``) and the counts given; for the backfill and for bulk
    imports that write a history without the services. Its ``sla_policy``
    should have its calendar's hours and holidays prefetched."""
    if ticket.first_response_at is None:
        ticket.first_reply_minutes = ticket.first_reply_business_minutes = None
    else:
        _first_reply(ticket, ticket.first_response_at)
    _resolution(ticket, ticket.solved_at)
    ticket.public_reply_count = public_replies
    ticket.reopen_count = reopens


def _figures(ticket) -> tuple:
    return tuple(getattr(ticket, name) for name in METRIC_FIELDS)
