"""The audit trail: one helper every ticket service writes through."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from accounts.models import User
from tickets.models import Ticket, TicketEvent
from tickets.signals import events_announced


def event_record(
    *,
    ticket: Ticket,
    actor: User | None,
    kind: str,
    old_value: object = "",
    new_value: object = "",
) -> TicketEvent:
    """Write one event; once the transaction commits, a worker's task
    announces it to the listeners (mail, webhooks, Teams): alone, or inside
    ``events_batched`` with the other events of the same service call."""
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        old_value=_as_text(old_value),
        new_value=_as_text(new_value),
    )
    batch = getattr(_batching, "event_ids", None)
    if batch is None:
        _announce_after_commit([str(event.pk)] if events_announced() else [])
    elif events_announced():
        batch.append(str(event.pk))
    return event


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return str(value)[:255]


# --- One announcement per service call ----------------------------------------
#
# Opening a ticket records two or three events. Each used to queue its own
# after-commit hooks, and each hook its own tasks: a broker round trip per
# event and listener, and a query or two per listener, on the request's time.
# A service that records several events wraps them in ``events_batched``: one
# hook, once the transaction commits, hands them all to one task
# (``tickets.tasks.events_announce``), and the worker tells the listeners.

_batching = threading.local()


@contextmanager
def events_batched() -> Iterator[None]:
    """Announce the events recorded inside in one task after commit. Use it
    inside the service's transaction: an error inside queues nothing (the
    events roll back with the transaction). A nested block joins the outer."""
    if getattr(_batching, "event_ids", None) is not None:
        yield
        return
    event_ids: list[str] = []
    _batching.event_ids = event_ids
    try:
        yield
    finally:
        _batching.event_ids = None
    _announce_after_commit(event_ids)


def _announce_after_commit(event_ids: list[str]) -> None:
    """After commit: queue one task for the events (none for events recorded
    unannounced). A failure to queue (the
    broker down) is logged by Django and fails nothing, as the change is
    committed already."""

    def announce() -> None:
        if event_ids:
            from tickets.tasks import events_announce

            events_announce.delay(event_ids)

    # Django logs a failing robust hook by its name.
    announce.__name__ = announce.__qualname__ = "ticket_events_recorded.announce"
    transaction.on_commit(announce, robust=True)
