"""Satisfaction: the CSAT score over time, with the comments."""

from bisect import bisect_right
from collections import Counter

from accounts.models import User
from reports.filters import ReportFilters
from tickets.models import SatisfactionRating

from .results import SatisfactionComment, SatisfactionPoint, SatisfactionReport
from .service_levels import related_ticket_condition

GOOD, BAD = SatisfactionRating.Rating.GOOD, SatisfactionRating.Rating.BAD


def satisfaction_report(
    user: User, filters: ReportFilters, *, comment_limit: int | None = 50
) -> SatisfactionReport:
    """Ratings given or last changed in the range (``rated_at``), per bucket;
    the score is good / (good + bad). Comments: the non-empty ones, newest
    first, at most ``comment_limit`` (None: all, for the CSV).

    Two queries: the moments and answers of the range's ratings (a few per
    solved ticket at most), put in their buckets here, and the comments."""
    in_range = SatisfactionRating.objects.filter(
        related_ticket_condition(user, filters),
        rated_at__gte=filters.start,
        rated_at__lt=filters.end,
    ).order_by()
    buckets = filters.buckets()
    starts = [bucket.start for bucket in buckets]
    counts: Counter[tuple[int, str]] = Counter()
    for rated_at, rating in in_range.values_list("rated_at", "rating"):
        counts[bisect_right(starts, rated_at) - 1, rating] += 1
    points = [
        SatisfactionPoint(
            bucket=bucket, good=counts[index, GOOD], bad=counts[index, BAD]
        )
        for index, bucket in enumerate(buckets)
    ]

    rows = (
        in_range.exclude(comment="")
        .order_by("-rated_at", "-pk")
        .values_list(
            "ticket__number",
            "ticket__subject",
            "rating",
            "comment",
            "rated_at",
            "rated_by__full_name",
            "rated_by__email",
        )
    )
    if comment_limit is not None:
        rows = rows[:comment_limit]
    comments = [
        SatisfactionComment(
            ticket_number=number,
            subject=subject,
            rating=rating,
            comment=comment,
            rated_at=rated_at,
            requester_name=full_name or email,
        )
        for number, subject, rating, comment, rated_at, full_name, email in rows
    ]
    return SatisfactionReport(
        points=points,
        good=sum(point.good for point in points),
        bad=sum(point.bad for point in points),
        comments=comments,
    )
