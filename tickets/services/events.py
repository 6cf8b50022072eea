"""The audit trail: one helper every ticket service writes through."""

import threading

from django.db import transaction

from accounts.models import User
from tickets.models import Ticket, TicketEvent
from tickets.selectors import counts_version_bump
from tickets.signals import events_announced


def event_record(
    *,
    ticket: Ticket,
    actor: User | None,
    kind: str,
    old_value: object = "",
    new_value: object = "",
) -> TicketEvent:
    """Write one event; once the transaction commits, the cached counts go
    stale and the event is announced to the listeners (mail, webhooks,
    Teams), together with every other event of the same transaction."""
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        old_value=_as_text(old_value),
        new_value=_as_text(new_value),
    )
    _announce_after_commit(event.pk, announce=events_announced())
    return event


def _as_text(value: object) -> str:
    if value is None:
        return ""
    return str(value)[:255]


# --- One announcement per transaction ------------------------------------------
#
# Opening a ticket records two or three events. Each used to queue its own
# after-commit hooks, and each hook its own tasks: a broker round trip per
# event and listener, on the request's time. Now the events of one
# transaction collect in one batch, and one hook hands the whole batch to one
# task (``tickets.tasks.events_announce``); the worker tells the listeners.


class _Batch:
    """The event ids one transaction recorded, and the hook that sends them."""

    def __init__(self) -> None:
        self.event_ids: list[str] = []

        def hook() -> None:
            self.send()

        # Django logs a failing robust hook by its name.
        hook.__name__ = hook.__qualname__ = "ticket_event_recorded.announce"
        self.hook = hook

    def send(self) -> None:
        """Mark the counts stale and hand the events to one task. A failure
        (the broker down) is logged by Django and fails nothing: the change
        is committed already."""
        if getattr(_pending, "batch", None) is self:
            _pending.batch = None
        counts_version_bump()
        if self.event_ids:
            from tickets.tasks import events_announce

            events_announce.delay(self.event_ids)

    def is_pending(self) -> bool:
        """Whether the hook still waits for the current transaction to commit
        (a rollback discarded it, a commit or no transaction at all ran it).
        ``run_on_commit`` is the same list on every backend, MongoDB's too."""
        return any(
            entry[1] is self.hook
            for entry in transaction.get_connection().run_on_commit
        )


_pending = threading.local()


def _announce_after_commit(event_id: object, *, announce: bool) -> None:
    """Add the event to this transaction's batch, starting one (and queueing
    its hook) with the transaction's first event. Outside a transaction the
    hook runs at once, with this event alone."""
    batch = getattr(_pending, "batch", None)
    if batch is None or not batch.is_pending():
        batch = _pending.batch = _Batch()
        if announce:
            batch.event_ids.append(str(event_id))
        transaction.on_commit(batch.hook, robust=True)
    elif announce:
        batch.event_ids.append(str(event_id))
