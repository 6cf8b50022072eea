"""Service levels: SLA targets achieved and breached."""

from django.db.models import Count, Q

from accounts.models import User
from reports.filters import ReportFilters
from tickets.models import SLANotice, TicketEvent
from tickets.permissions import agent_sees_all_tickets
from tickets.selectors import ticket_list_visible_to
from tickets.services.sla import TARGET_LABELS

from .results import ServiceLevelReport, TargetOutcome

Target = SLANotice.Target


def related_ticket_condition(user: User, filters: ReportFilters) -> Q:
    """A Q on a model with a ``ticket`` (events, ratings) keeping the rows of
    tickets the viewer may see that match the filters.

    The dimensions are a join on the ticket, so the database walks the rows
    in the date range and looks each ticket up by its key; only a viewer who
    does not see every ticket adds the visibility rule, as a subquery."""
    condition = filters.ticket_condition("ticket__")
    if user.is_authenticated and user.is_active and agent_sees_all_tickets(user):
        return condition
    visible = ticket_list_visible_to(user).select_related(None).order_by()
    return condition & Q(ticket__in=visible.values("pk"))


def service_level_report(user: User, filters: ReportFilters) -> ServiceLevelReport:
    """Per SLA target (first response, next response, resolution), the
    outcomes settled in the range: achieved when the SLA-met event was
    recorded in it, breached when the SLA-breached event was (the sweep
    records it when the due time passes). One row per target, always in
    that order, zeros included."""
    rows = (
        TicketEvent.objects.filter(
            related_ticket_condition(user, filters),
            kind__in=[TicketEvent.Kind.SLA_MET, TicketEvent.Kind.SLA_BREACHED],
            created_at__gte=filters.start,
            created_at__lt=filters.end,
        )
        .order_by()
        .values("kind", "new_value")
        .annotate(total=Count("pk"))
    )
    counts = {(row["kind"], row["new_value"]): row["total"] for row in rows}
    return ServiceLevelReport(
        targets=[
            TargetOutcome(
                target=target.value,
                label=target.label,
                achieved=counts.get((TicketEvent.Kind.SLA_MET, label), 0),
                breached=counts.get((TicketEvent.Kind.SLA_BREACHED, label), 0),
            )
            for target, label in TARGET_LABELS.items()
        ]
    )
