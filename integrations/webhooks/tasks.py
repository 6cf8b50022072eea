"""Celery tasks of the webhooks (imported by ``integrations.tasks``, where
Celery looks; each task's name says ``integrations.tasks.<name>``).

Ids travel as text. ``deliver_webhook`` acknowledges late and is rejected
(so redelivered by the broker) when its worker dies: the delivery's lease
makes the second run post only once the first run's lease ran out.
"""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from ..models import WebhookDelivery
from .delivery import DeliverLater, due_delivery_ids, webhook_deliver, webhooks_dispatch

__all__ = [
    "deliver_due_webhooks",
    "deliver_webhook",
    "dispatch_webhook",
    "dispatch_webhooks",
]

# A pending delivery this many seconds past its time is taken for lost.
DUE_GRACE_SECONDS = 60.0
# A task that finds its delivery waiting for an attempt further away than
# this is a duplicate (the sweeper's, or the broker's redelivery): the task
# queued with that attempt's time sends it, so this one stops. Closer than
# this, the task ran a little early (clocks differ) and waits.
EARLY_SECONDS = 5.0
WAITING = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING)


@shared_task(
    name="integrations.tasks.dispatch_webhook",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def dispatch_webhook(event_id: str) -> int:
    """Make the deliveries of one ticket event and post each in its own
    task. Safe to run twice. Returns how many deliveries were queued.
    Receivers queue ``dispatch_webhooks`` (a batch); this name stays
    registered for messages queued before an upgrade."""
    queued = 0
    for delivery in webhooks_dispatch(event_id=event_id):
        if delivery.status in WAITING:
            deliver_webhook.delay(str(delivery.pk))
            queued += 1
    return queued


@shared_task(
    name="integrations.tasks.dispatch_webhooks",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def dispatch_webhooks(event_ids: list[str]) -> int:
    """Many events in one task (the SLA sweep); safe to run twice."""
    return sum(dispatch_webhook(event_id) for event_id in event_ids)


@shared_task(
    bind=True,
    name="integrations.tasks.deliver_webhook",
    max_retries=None,
    acks_late=True,
    reject_on_worker_lost=True,
)
def deliver_webhook(self, delivery_id: str, redelivery: bool = False) -> str | None:
    """One attempt at a delivery; when it fails, the next attempt is queued
    with a countdown (exponential backoff, see ``delivery.retry_delay``).

    A task that finds the delivery's next attempt already scheduled (a
    duplicate from the sweeper while the queue was slow) ends there, so
    duplicates never multiply; ``deliver_due_webhooks`` stays the safety
    net for a lost task.

    Eagerly run (no broker: tests, a web request in development) nothing is
    queued again: the attempt is logged and the delivery left ``retrying``
    for ``deliver_due_webhooks`` or the next call, so a failing receiver
    never makes a request loop.
    """
    try:
        delivery = webhook_deliver(delivery_id=delivery_id, redelivery=redelivery)
    except DeliverLater as later:
        if self.request.is_eager:
            return "later"
        if later.waiting and later.seconds > EARLY_SECONDS:
            return "scheduled"
        deliver_webhook.apply_async(
            args=[delivery_id],
            kwargs={"redelivery": redelivery},
            countdown=max(0.5, later.seconds + 0.1),
        )
        return "later"
    if delivery is None:
        return None
    if delivery.status in WAITING and not self.request.is_eager:
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        deliver_webhook.apply_async(args=[delivery_id], countdown=max(0.0, wait))
    return delivery.status


@shared_task(name="integrations.tasks.deliver_due_webhooks")
def deliver_due_webhooks() -> int:
    """Every minute (beat): queue again the deliveries whose task was lost
    (due for a minute and more, or leased by a worker that died)."""
    ids = due_delivery_ids(grace_seconds=DUE_GRACE_SECONDS)
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
