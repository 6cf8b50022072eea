def on_ticket_event(sender, event_id: int, **kwargs) -> None:
    """A ticket event was committed: hand it to a worker to work out the mail.

    Runs after commit, so the worker sees the event; in a web request with no
    broker configured the task runs right here, eagerly.
    """
    from .tasks import dispatch_ticket_event

    dispatch_ticket_event.delay(event_id)


CHUNK = 200


def on_ticket_events(sender, event_ids: list[int], **kwargs) -> None:
    """Many events at once (the SLA sweep): one task per chunk of events."""
    from .tasks import dispatch_ticket_events

    for start in range(0, len(event_ids), CHUNK):
        dispatch_ticket_events.delay(event_ids[start : start + CHUNK])
