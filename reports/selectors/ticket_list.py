"""The tickets behind the figures, for the list page and its CSV."""

from django.db.models import QuerySet

from accounts.models import User
from reports.filters import ReportFilters
from tickets.models import Ticket

BASES = {
    "created": "Created in the range",
    "solved": "Solved in the range",
    "breached": "SLA breached in the range",
}


def report_ticket_list(
    user: User, filters: ReportFilters, *, basis: str = "created", target: str = ""
) -> QuerySet[Ticket]:
    """The tickets the viewer may see that match the filters and the basis:
    created in the range, solved in it, or with an SLA breach recorded in it
    (of ``target`` when given: an SLANotice.Target value), newest first, with
    what a row shows fetched in the same query."""
    raise NotImplementedError
