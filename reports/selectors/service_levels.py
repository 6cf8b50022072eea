"""Service levels: SLA targets achieved and breached."""

from accounts.models import User
from reports.filters import ReportFilters

from .results import ServiceLevelReport


def service_level_report(user: User, filters: ReportFilters) -> ServiceLevelReport:
    """Per SLA target (first response, next response, resolution), the
    outcomes settled in the range: achieved when the SLA-met event was
    recorded in it, breached when the SLA-breached event was (the sweep
    records it when the due time passes). One row per target, always in
    that order, zeros included."""
    raise NotImplementedError
