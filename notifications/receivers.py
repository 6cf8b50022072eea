CHUNK = 200


def on_ticket_events(sender, event_ids: list, **kwargs) -> None:
    """Committed ticket events: one task per chunk of events to work out the
    mail. Runs after commit, so the worker sees the events; ids go to tasks
    as text (task arguments are JSON; keys need not be integers)."""
    from .tasks import dispatch_ticket_events

    ids = [str(event_id) for event_id in event_ids]
    for start in range(0, len(ids), CHUNK):
        dispatch_ticket_events.delay(ids[start : start + CHUNK])
