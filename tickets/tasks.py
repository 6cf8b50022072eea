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


# No result is stored: nobody reads it, and asking for one costs the request
# a subscribe and an unsubscribe on the result backend besides the push.
@shared_task(name="tickets.tasks.events_announce", ignore_result=True)
def events_announce(event_ids: list[str]) -> int:
    """Tell the listeners (mail, webhooks, Teams) about committed ticket
    events: one task per transaction that recorded them (``event_record``), so
    a request pays one broker round trip however many events and listeners
    there are. Events rolled back after being batched are left out.

    Each listener only queues its own tasks, which are safe to run twice. One
    that fails is logged and the others still hear; the task is not retried,
    as the after-commit hooks it replaces were not. Returns how many events
    were announced.
    """
    from .models import TicketEvent
    from .signals import ticket_events_recorded

    committed = {
        str(pk)
        for pk in TicketEvent.objects.filter(pk__in=event_ids).values_list(
            "pk", flat=True
        )
    }
    ids = [event_id for event_id in event_ids if event_id in committed]
    if ids:
        # Django logs a listener's exception (logger django.dispatch).
        ticket_events_recorded.send_robust(sender=TicketEvent, event_ids=ids)
    return len(ids)
