"""The dashboard's short summary (GET /api/v1/reports/summary)."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from tickets.models import UNSOLVED_STATUSES, Ticket, TicketEvent
from tickets.permissions import agent_sees_all_tickets
from tickets.selectors import ticket_list_visible_to


def summary_for(user: User, *, days: int = 7) -> dict:
    """Open work by status and priority, and the last ``days`` days' flow:
    tickets created and solved, and SLA breaches (the SLA-breached events
    recorded in the window on visible tickets, as the service-level report
    counts them). Each count is its own query so each is bounded by an
    index (created_at, solved_at, status, assignee) rather than one scan of
    every ticket."""
    since = timezone.now() - timedelta(days=days)
    visible = ticket_list_visible_to(user).select_related(None).order_by()
    by_status = {
        row["status"]: row["total"]
        for row in visible.values("status").annotate(total=Count("pk"))
    }
    unsolved = visible.filter(status__in=UNSOLVED_STATUSES)
    by_priority = {
        row["priority"]: row["total"]
        for row in unsolved.values("priority").annotate(total=Count("pk"))
    }
    breaches = TicketEvent.objects.filter(
        kind=TicketEvent.Kind.SLA_BREACHED, created_at__gte=since
    )
    if not agent_sees_all_tickets(user):
        breaches = breaches.filter(Exists(visible.filter(pk=OuterRef("ticket_id"))))
    return {
        "days": days,
        "by_status": {value: by_status.get(value, 0) for value in Ticket.Status.values},
        "open_by_priority": {
            value: by_priority.get(value, 0) for value in Ticket.Priority.values
        },
        "created": visible.filter(created_at__gte=since).count(),
        "solved": visible.filter(solved_at__gte=since).count(),
        "unassigned": unsolved.filter(assignee__isnull=True).count(),
        "sla_breaches": breaches.count(),
    }
