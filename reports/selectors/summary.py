"""The dashboard's short summary (GET /api/v1/reports/summary)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from tickets.models import UNSOLVED_STATUSES, Ticket, TicketEvent
from tickets.selectors import ticket_list_visible_to


def summary_for(user: User, *, days: int = 7) -> dict:
    """Open work by status and priority, and the last ``days`` days' flow:
    tickets created and solved, and SLA breaches (the SLA-breached events
    recorded in the window on visible tickets, as the service-level report
    counts them)."""
    since = timezone.now() - timedelta(days=days)
    visible = ticket_list_visible_to(user).order_by()
    by_status = {
        row["status"]: row["total"]
        for row in visible.values("status").annotate(total=Count("pk"))
    }
    unsolved = visible.filter(status__in=UNSOLVED_STATUSES)
    by_priority = {
        row["priority"]: row["total"]
        for row in unsolved.values("priority").annotate(total=Count("pk"))
    }
    flow = visible.aggregate(
        created=Count("pk", filter=Q(created_at__gte=since)),
        solved=Count("pk", filter=Q(solved_at__gte=since)),
        unassigned=Count(
            "pk", filter=Q(status__in=UNSOLVED_STATUSES, assignee__isnull=True)
        ),
    )
    # The SLA-breached events, as the service-level report counts them.
    breaches = TicketEvent.objects.filter(
        kind=TicketEvent.Kind.SLA_BREACHED,
        created_at__gte=since,
        ticket_id__in=visible.values("pk"),
    ).count()
    return {
        "days": days,
        "by_status": {value: by_status.get(value, 0) for value in Ticket.Status.values},
        "open_by_priority": {
            value: by_priority.get(value, 0) for value in Ticket.Priority.values
        },
        "created": flow["created"],
        "solved": flow["solved"],
        "unassigned": flow["unassigned"],
        "sla_breaches": breaches,
    }
