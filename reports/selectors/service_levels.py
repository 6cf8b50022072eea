"""Service levels: SLA targets achieved and breached."""

from django.db.models import Count

from accounts.models import User
from reports.filters import ReportFilters
from tickets.models import SLANotice, TicketEvent
from tickets.services.sla import TARGET_LABELS

from .common import related_ticket_condition
from .results import ServiceLevelReport, TargetOutcome

Target = SLANotice.Target


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
