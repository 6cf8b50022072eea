"""Listening for committed ticket events (``tickets.signals``): ids go to
the dispatch tasks as text; nothing is queued while no endpoint is on."""

from ..models import WebhookEndpoint

CHUNK = 200


def _any_endpoint_on() -> bool:
    return WebhookEndpoint.objects.filter(active=True).exists()


def on_ticket_events(sender, event_ids: list, **kwargs) -> None:
    """Committed ticket events: one task per chunk of events."""
    if not event_ids or not _any_endpoint_on():
        return
    from .tasks import dispatch_webhooks

    ids = [str(event_id) for event_id in event_ids]
    for start in range(0, len(ids), CHUNK):
        dispatch_webhooks.delay(ids[start : start + CHUNK])
