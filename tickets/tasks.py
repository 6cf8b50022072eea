from celery import shared_task
from django.conf import settings

from .services import tickets_close_solved


@shared_task(name="tickets.tasks.close_solved_tickets")
def close_solved_tickets(older_than_days: int | None = None) -> int:
    """Close solved tickets nobody reopened within TICKET_AUTO_CLOSE_DAYS.

    Runs from beat every hour; running it twice closes nothing twice.
    """
    days = (
        settings.TICKET_AUTO_CLOSE_DAYS if older_than_days is None else older_than_days
    )
    return tickets_close_solved(older_than_days=days)


@shared_task(name="tickets.tasks.sla_sweep")
def sla_sweep() -> dict:
    """Every minute (beat): announce SLA warnings and breaches, escalate."""
    from dataclasses import asdict

    from .services.sla_sweep import sla_sweep as sweep

    return asdict(sweep())
