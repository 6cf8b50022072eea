"""Volume: tickets created, solved and reopened, and the unsolved backlog."""

from datetime import datetime

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from accounts.models import User
from reports.filters import Bucket, ReportFilters, report_tickets
from tickets.models import UNSOLVED_STATUSES, Ticket, TicketEvent
from tickets.permissions import agent_sees_all_tickets

from .results import VolumePoint, VolumeReport

Status = Ticket.Status
UNSOLVED = sorted(UNSOLVED_STATUSES)


def bucket_number(field: str, buckets: list[Bucket]) -> Case | Value:
    """The index of the bucket a moment in ``field`` falls in, as a database
    expression: a binary search over the buckets' starts written as nested
    CASEs, so each row costs a handful of comparisons however many buckets
    there are, and no per-row function runs (Django's time-zone-aware
    ``TruncDate`` calls Python for every row on SQLite). Rows must already be
    restricted to the buckets' span."""

    def search(low: int, high: int) -> Case | Value:
        if high - low == 1:
            return Value(low, output_field=IntegerField())
        middle = (low + high) // 2
        return Case(
            When(
                Q(**{f"{field}__lt": buckets[middle].start}),
                then=search(low, middle),
            ),
            default=search(middle, high),
            output_field=IntegerField(),
        )

    return search(0, len(buckets))


def per_bucket(
    queryset: QuerySet, field: str, buckets: list[Bucket], *extra: str
) -> dict:
    """Rows of ``queryset`` counted per bucket of ``field`` (and per value of
    the ``extra`` columns), in one query over the range alone so the index on
    ``field`` bounds the work: ``{index: count}``, or ``{(index, *extra):
    count}`` with extra columns."""
    start, end = buckets[0].start, buckets[-1].end
    rows = (
        queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        .order_by()
        .annotate(bucket=bucket_number(field, buckets))
        .values("bucket", *extra)
        .annotate(total=Count("pk"))
    )
    if not extra:
        return {row["bucket"]: row["total"] for row in rows}
    return {
        (row["bucket"], *(row[name] for name in extra)): row["total"] for row in rows
    }


def ticket_events(user: User, filters: ReportFilters) -> QuerySet[TicketEvent]:
    """Events on the tickets the report counts: joined to the ticket for an
    agent who sees everything, else through the visible tickets."""
    if agent_sees_all_tickets(user):
        return TicketEvent.objects.filter(filters.ticket_condition("ticket__"))
    return TicketEvent.objects.filter(
        ticket__in=report_tickets(user, filters).values("pk")
    )


def unsolved_at(tickets: QuerySet[Ticket], moment: datetime) -> int:
    """Tickets created before ``moment`` and neither solved nor closed before
    it (a closed ticket was solved first, unless it was merged or closed
    directly: then only ``closed_at`` says when it left the backlog)."""
    counts = tickets.filter(created_at__lt=moment).aggregate(
        created=Count("pk"),
        done=Count(
            "pk",
            filter=Q(solved_at__lt=moment)
            | Q(solved_at__isnull=True, closed_at__lt=moment),
        ),
    )
    return counts["created"] - counts["done"]


def volume_report(user: User, filters: ReportFilters) -> VolumeReport:
    """Per bucket of ``filters.buckets()``:

    - created: tickets whose ``created_at`` falls in the bucket;
    - solved: tickets whose ``solved_at`` (their latest solve) falls in it; a
      ticket reopened and not solved again is not counted;
    - reopened: status events from solved back to an unsolved status in it
      (a ticket reopened twice counts twice);
    - backlog: tickets unsolved at the bucket's end: created before it and
      neither solved nor closed (``solved_at`` / ``closed_at``) before it.

    Four queries whatever the range: the backlog at the range's end is one
    count, and each earlier bucket's follows from it by the tickets created,
    solved and closed unsolved (merged, or closed directly; their status
    event says when) in the buckets after it.
    """
    buckets = filters.buckets()
    tickets = report_tickets(user, filters)
    created = per_bucket(tickets, "created_at", buckets)
    solved = per_bucket(tickets, "solved_at", buckets)
    moves = per_bucket(
        ticket_events(user, filters).filter(
            Q(old_value=Status.SOLVED, new_value__in=UNSOLVED)
            | Q(old_value__in=UNSOLVED, new_value=Status.CLOSED),
            kind=TicketEvent.Kind.STATUS,
        ),
        "created_at",
        buckets,
        "new_value",
    )
    reopened: dict[int, int] = {}
    closed_unsolved: dict[int, int] = {}
    for (index, new_value), total in moves.items():
        into = closed_unsolved if new_value == Status.CLOSED else reopened
        into[index] = into.get(index, 0) + total

    backlog_end = unsolved_at(tickets, filters.end)
    backlog = backlog_end
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
        backlog += (
            solved.get(index, 0) + closed_unsolved.get(index, 0) - created.get(index, 0)
        )
    points.reverse()
    return VolumeReport(
        points=points,
        created=sum(created.values()),
        solved=sum(solved.values()),
        reopened=sum(reopened.values()),
        backlog_start=backlog,
        backlog_end=backlog_end,
    )
