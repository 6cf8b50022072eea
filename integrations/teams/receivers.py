"""Listening for committed ticket events (``tickets.signals``)."""

CHUNK = 200


def on_ticket_events(sender, event_ids: list, **kwargs) -> None:
    """Committed ticket events: one task per chunk of events (ids as text). Nothing is
    queued when no card could be posted (no active Teams rule or no active
    connector): two cheap queries instead of a task per ticket event."""
    from .posting import teams_wanted
    from .tasks import dispatch_teams_cards

    if not event_ids or not teams_wanted():
        return
    ids = [str(event_id) for event_id in event_ids]
    for start in range(0, len(ids), CHUNK):
        dispatch_teams_cards.delay(ids[start : start + CHUNK])
