"""Satisfaction: the CSAT score over time, with the comments."""

from django.db.models import Count

from accounts.models import User
from reports.filters import ReportFilters
from tickets.models import SatisfactionRating

from .common import bucket_number, related_ticket_condition
from .results import SatisfactionComment, SatisfactionPoint, SatisfactionReport

GOOD, BAD = SatisfactionRating.Rating.GOOD, SatisfactionRating.Rating.BAD


def satisfaction_report(
    user: User, filters: ReportFilters, *, comment_limit: int | None = 50
) -> SatisfactionReport:
    """Ratings given or last changed in the range (``rated_at``), per bucket;
    the score is good / (good + bad). Comments: the non-empty ones, newest
    first, at most ``comment_limit`` (None: all, for the CSV).

    Two queries: the ratings counted per bucket and answer (the bucket
    found by the database, as the volume report does), and the comments."""
    scope = related_ticket_condition(user, filters)
    buckets = filters.buckets()
    in_range = SatisfactionRating.objects.filter(
        scope, rated_at__gte=filters.start, rated_at__lt=filters.end
    ).order_by()
    counts = {
        (row["bucket"], row["rating"]): row["total"]
        for row in in_range.annotate(
            bucket=bucket_number("rated_at", [bucket.start for bucket in buckets])
        )
        .values("bucket", "rating")
        .annotate(total=Count("pk"))
    }
    points = [
        SatisfactionPoint(
            bucket=bucket,
            good=counts.get((index, GOOD), 0),
            bad=counts.get((index, BAD), 0),
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
