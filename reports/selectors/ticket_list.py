"""The tickets behind the figures, for the list page and its CSV."""

from django.db.models import QuerySet

from accounts.models import User
from reports.filters import ReportFilters
from tickets.models import SLANotice, Ticket, TicketEvent
from tickets.selectors import ticket_list_visible_to
from tickets.services.sla import TARGET_LABELS

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
    what a row shows fetched in the same query.

    "Newest" is by the moment the basis counts (created, solved); breached
    tickets by their creation. A breach is the SLA-breached event the
    service-level report counts, so the list and the figure agree.
    """
    if basis not in BASES:
        raise ValueError(f"Unknown basis {basis!r}.")
    if target and target not in SLANotice.Target.values:
        raise ValueError(f"Unknown SLA target {target!r}.")
    start, end = filters.start, filters.end
    tickets = ticket_list_visible_to(user).filter(filters.ticket_condition())
    if basis == "solved":
        tickets = tickets.filter(solved_at__gte=start, solved_at__lt=end)
        return tickets.order_by("-solved_at", "-number")
    if basis == "created":
        tickets = tickets.filter(created_at__gte=start, created_at__lt=end)
    else:
        breaches = TicketEvent.objects.filter(
            kind=TicketEvent.Kind.SLA_BREACHED,
            created_at__gte=start,
            created_at__lt=end,
        )
        if target:
            breaches = breaches.filter(new_value=TARGET_LABELS[target])
        tickets = tickets.filter(pk__in=breaches.values("ticket_id"))
    return tickets.order_by("-created_at", "-number")
