"""Speed: first reply time, resolution time, one-touch resolution."""

from accounts.models import User
from reports.filters import ReportFilters

from .results import Distribution, SpeedReport


def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` (0..1) percentile of ``values`` by linear
    interpolation between the closest ranks (Excel's PERCENTILE.INC, NumPy's
    default "linear" method); None for no values. The median is 0.5."""
    raise NotImplementedError


def distribution(values: list[float]) -> Distribution:
    """Count, median and 90th percentile of a list of minutes."""
    raise NotImplementedError


def speed_report(user: User, filters: ReportFilters) -> SpeedReport:
    """First reply time over tickets first answered in the range
    (``first_response_at``), resolution time over tickets solved in it
    (``solved_at``), both in calendar and business minutes as stored on the
    ticket (``tickets.services.metrics``); one-touch: tickets solved in the
    range with exactly one public agent reply, as a share of all solved."""
    raise NotImplementedError
