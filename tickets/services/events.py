"""The audit trail: one helper every ticket service writes through."""

from functools import partial

from django.db import transaction

from accounts.models import User
from helpdesk.commit_hooks import on_commit_robust
from tickets.models import Ticket, TicketEvent
from tickets.selectors import counts_version_bump
from tickets.signals import events_announced, ticket_event_recorded


def event_record(
    *,
    ticket: Ticket,
    actor: User | None,
    kind: str,
    old_value: object = "",
    new_value: object = "",
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        old_value=_as_text(old_value),
        new_value=_as_text(new_value),
    )
    transaction.on_commit(counts_version_bump)
    if events_announced():
        # A listener's failure (mail, say) must not undo or fail the change.
        on_commit_robust(
            "ticket_event_recorded.send",
            partial(ticket_event_recorded.send, sender=TicketEvent, event_id=event.pk),
        )
    return event


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return str(value)[:255]
