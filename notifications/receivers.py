def on_ticket_event(sender, event_id: object, **kwargs) -> None:
    """A ticket event was committed: hand it to a worker to work out the mail.

    Runs after commit, so the worker sees the event; in a web request with no
    broker configured the task runs right here, eagerly. Ids go to tasks as
    text (task arguments are JSON; keys need not be integers).
    """
    from .tasks import dispatch_ticket_event

    dispatch_ticket_event.delay(str(event_id))


CHUNK = 200


def on_ticket_events(sender, event_ids: list, **kwargs) -> None:
    """Many events at once (the SLA sweep): one task per chunk of events."""
    from .tasks import dispatch_ticket_events

    ids = [str(event_id) for event_id in event_ids]
    for start in range(0, len(ids), CHUNK):
        dispatch_ticket_events.delay(ids[start : start + CHUNK])
