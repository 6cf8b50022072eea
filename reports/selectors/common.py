"""Pieces every report selector uses: which rows of events and ratings
belong to the report, and the database expression that puts a moment in its
bucket."""

from datetime import datetime

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from accounts.models import User
from reports.filters import ReportFilters
from tickets.selectors import ticket_visibility_condition


def related_ticket_condition(user: User, filters: ReportFilters) -> Q:
    """A Q on a model with a ``ticket`` (events, ratings) keeping the rows of
    tickets the viewer may see that match the filters.

    Everything is a join on the ticket, so the database walks the rows in the
    date range and looks each ticket up by its key. For an agent the rule is
    ``can_work_ticket``'s (their departments' tickets, unrouted ones and their
    own), the one ``ticket_list_visible_to`` applies; a subquery of the
    visible tickets instead would list every ticket the agent may see, on
    each report, however short the range."""
    condition = filters.ticket_condition("ticket__")
    if not (user.is_authenticated and user.is_active):
        return condition & Q(pk__in=[])
    visible = ticket_visibility_condition(user, "ticket__")
    return condition if visible is None else condition & visible


def bucket_number(field: str, starts: list[datetime]) -> Case | Value:
    """The index of the bucket a moment in ``field`` falls in, given the
    buckets' starts in order, as a database expression: a binary search
    written as nested CASEs, so each row costs a handful of comparisons
    however many buckets there are, and no per-row function runs (Django's
    time-zone-aware ``TruncDate`` calls Python for every row on SQLite). Rows
    must already be restricted to the buckets' span."""

    def search(low: int, high: int) -> Case | Value:
        if high - low == 1:
            return Value(low, output_field=IntegerField())
        middle = (low + high) // 2
        return Case(
            When(Q(**{f"{field}__lt": starts[middle]}), then=search(low, middle)),
            default=search(middle, high),
            output_field=IntegerField(),
        )

    return search(0, len(starts))


def per_bucket(
    queryset: QuerySet, field: str, starts: list[datetime], end: datetime | None
) -> dict[int, int]:
    """Rows of ``queryset`` counted per bucket of ``field``, ``{index:
    count}``, in one query over the span alone (from the first start to
    ``end``, or on without end) so the index on ``field`` bounds the work."""
    span = {f"{field}__gte": starts[0]}
    if end is not None:
        span[f"{field}__lt"] = end
    rows = (
        queryset.filter(**span)
        .order_by()
        .annotate(bucket=bucket_number(field, starts))
        .values("bucket")
        .annotate(total=Count("pk"))
    )
    return {row["bucket"]: row["total"] for row in rows}
