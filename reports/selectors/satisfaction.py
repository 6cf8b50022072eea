"""Satisfaction: the CSAT score over time, with the comments."""

from accounts.models import User
from reports.filters import ReportFilters

from .results import SatisfactionReport


def satisfaction_report(
    user: User, filters: ReportFilters, *, comment_limit: int | None = 50
) -> SatisfactionReport:
    """Ratings given or last changed in the range (``rated_at``), per bucket;
    the score is good / (good + bad). Comments: the non-empty ones, newest
    first, at most ``comment_limit`` (None: all, for the CSV)."""
    raise NotImplementedError
