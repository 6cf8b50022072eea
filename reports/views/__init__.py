"""The report pages under /agent/reports/ (agents and admins) and their CSV
downloads.

Every page reads the same filter bar from the query string, asks its one
selector once, and shows each figure twice: as a chart (``reports.charts``)
and as a table beside it, which is also what its CSV holds.
"""

from .downloads import TABLES, export
from .pages import people, satisfaction, service_levels, speed, tickets, volume

__all__ = [
    "TABLES",
    "export",
    "people",
    "satisfaction",
    "service_levels",
    "speed",
    "tickets",
    "volume",
]
