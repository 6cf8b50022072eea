"""Listening for committed ticket events (``tickets.signals``)."""


def on_ticket_event(sender, event_id: object, **kwargs) -> None:
    """One committed ticket event: hand it to a worker (ids as text)."""
    return None  # filled in by the receiver's owner


def on_ticket_events(sender, event_ids: list, **kwargs) -> None:
    """Many at once (the SLA sweep): one task per chunk of events."""
    return None  # filled in by the receiver's owner
