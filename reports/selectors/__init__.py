"""The reports' figures, one selector per report, shared by the pages, the
CSV exports and the API (``reports.api``) so all three give the same numbers.

Every selector takes the viewer and a ``ReportFilters`` (``reports.filters``)
and counts only tickets the viewer may see.
"""

from .people import people_report
from .satisfaction import satisfaction_report
from .service_levels import service_level_report
from .speed import speed_report
from .summary import summary_for
from .ticket_list import report_ticket_list
from .volume import volume_report

__all__ = [
    "people_report",
    "report_ticket_list",
    "satisfaction_report",
    "service_level_report",
    "speed_report",
    "summary_for",
    "volume_report",
]
