"""Volume: tickets created, solved and reopened, and the unsolved backlog."""

from django.db.models import (
    Exists,
    OuterRef,
    QuerySet,
)
from django.utils import timezone

from accounts.models import User
from reports.filters import ReportFilters, report_tickets
from tickets.models import UNSOLVED_STATUSES, Ticket, TicketEvent
from tickets.permissions import agent_sees_all_tickets

from .common import per_bucket
from .results import VolumePoint, VolumeReport

Status = Ticket.Status
UNSOLVED = sorted(UNSOLVED_STATUSES)


def ticket_events(user: User, filters: ReportFilters) -> QuerySet[TicketEvent]:
    """Events on the tickets the report counts: joined to the ticket for an
    agent who sees everything, else each checked against the visible tickets
    (a correlated EXISTS: the events' own index picks the few rows, and each
    looks up one ticket, where ``IN (visible tickets)`` would first list
    every ticket the agent may see)."""
    if agent_sees_all_tickets(user):
        return TicketEvent.objects.filter(filters.ticket_condition("ticket__"))
    return TicketEvent.objects.filter(
        Exists(report_tickets(user, filters).filter(pk=OuterRef("ticket_id")))
    )


def volume_report(user: User, filters: ReportFilters) -> VolumeReport:
    """Per bucket of ``filters.buckets()``:

    - created: tickets whose ``created_at`` falls in the bucket;
    - solved: tickets whose ``solved_at`` (their latest solve) falls in it; a
      ticket reopened and not solved again is not counted;
    - reopened: status events from solved back to an unsolved status in it
      (a ticket reopened twice counts twice);
    - backlog: tickets unsolved at the bucket's end: created before it and
      neither solved nor closed (``solved_at`` / ``closed_at``) before it.

    Five queries whatever the range, each bounded by an index: the tickets
    unsolved now (by status), the reopenings per bucket, and per bucket plus
    one last bucket from the range's end to now, the tickets created, solved,
    and closed unsolved (merged, or closed directly: their status event says
    when). The
    backlog at each bucket's end follows from now's by differences, never by
    counting the whole history per bucket.
    """
    buckets = filters.buckets()
    starts = [bucket.start for bucket in buckets]
    until = filters.end
    if timezone.now() >= filters.end:
        starts.append(filters.end)  # the tail: from the range's end to now
        until = None
    tickets = report_tickets(user, filters)
    created = per_bucket(tickets, "created_at", starts, until)
    solved = per_bucket(tickets, "solved_at", starts, until)
    events = ticket_events(user, filters).filter(kind=TicketEvent.Kind.STATUS)
    # Two queries rather than one with an OR, so each can seek an index on
    # (kind, old_value, new_value, created_at) straight to its few rows.
    reopened = per_bucket(
        events.filter(old_value=Status.SOLVED, new_value__in=UNSOLVED),
        "created_at",
        starts[: len(buckets)],
        filters.end,
    )
    closed_unsolved = per_bucket(
        events.filter(old_value__in=UNSOLVED, new_value=Status.CLOSED),
        "created_at",
        starts,
        until,
    )

    def left_backlog(index: int) -> int:
        """Tickets created in bucket ``index`` less those it saw solved or
        closed unsolved: how much the backlog grew across it."""
        return (
            created.get(index, 0) - solved.get(index, 0) - closed_unsolved.get(index, 0)
        )

    backlog = tickets.filter(status__in=UNSOLVED).count()
    if len(starts) > len(buckets):
        backlog -= left_backlog(len(buckets))
    backlog_end = backlog
    points = []
    for index in reversed(range(len(buckets))):
        points.append(
            VolumePoint(
                bucket=buckets[index],
                created=created.get(index, 0),
                solved=solved.get(index, 0),
                reopened=reopened.get(index, 0),
                backlog=backlog,
            )
        )
        backlog -= left_backlog(index)
    points.reverse()
    return VolumeReport(
        points=points,
        created=sum(created.get(index, 0) for index in range(len(buckets))),
        solved=sum(solved.get(index, 0) for index in range(len(buckets))),
        reopened=sum(reopened.get(index, 0) for index in range(len(buckets))),
        backlog_start=backlog,
        backlog_end=backlog_end,
    )
