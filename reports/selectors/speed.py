"""Speed: first reply time, resolution time, one-touch resolution."""

import math

from accounts.models import User
from reports.filters import ReportFilters, report_tickets

from .results import Distribution, SpeedReport


def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` (0..1) percentile of ``values`` by linear
    interpolation between the closest ranks (Excel's PERCENTILE.INC, NumPy's
    default "linear" method); None for no values. The median is 0.5."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * min(max(fraction, 0.0), 1.0)
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(values: list[float]) -> Distribution:
    """Count, median and 90th percentile of a list of minutes."""
    ordered = sorted(values)
    return Distribution(
        count=len(ordered),
        median=percentile(ordered, 0.5),
        p90=percentile(ordered, 0.9),
    )


def speed_report(user: User, filters: ReportFilters) -> SpeedReport:
    """First reply time over tickets first answered in the range
    (``first_response_at``), resolution time over tickets solved in it
    (``solved_at``), both in calendar and business minutes as stored on the
    ticket (``tickets.services.metrics``); one-touch: tickets solved in the
    range with exactly one public agent reply, as a share of all solved.

    Two queries, each reading one indexed date range and only the figures
    it needs; the percentiles are computed here (no database computes them
    the same way, and SQLite not at all)."""
    tickets = report_tickets(user, filters)
    answered = tickets.filter(
        first_response_at__gte=filters.start, first_response_at__lt=filters.end
    ).values_list("first_reply_minutes", "first_reply_business_minutes")
    first_calendar, first_business = [], []
    for calendar_minutes, business_minutes in answered:
        if calendar_minutes is not None:
            first_calendar.append(calendar_minutes)
        if business_minutes is not None:
            first_business.append(business_minutes)

    solved_rows = tickets.filter(
        solved_at__gte=filters.start, solved_at__lt=filters.end
    ).values_list(
        "resolution_minutes", "resolution_business_minutes", "public_reply_count"
    )
    resolution_calendar, resolution_business = [], []
    solved = one_touch = 0
    for calendar_minutes, business_minutes, replies in solved_rows:
        solved += 1
        if replies == 1:
            one_touch += 1
        if calendar_minutes is not None:
            resolution_calendar.append(calendar_minutes)
        if business_minutes is not None:
            resolution_business.append(business_minutes)

    return SpeedReport(
        first_reply_calendar=distribution(first_calendar),
        first_reply_business=distribution(first_business),
        resolution_calendar=distribution(resolution_calendar),
        resolution_business=distribution(resolution_business),
        solved=solved,
        one_touch=one_touch,
        one_touch_rate=one_touch / solved if solved else None,
    )
