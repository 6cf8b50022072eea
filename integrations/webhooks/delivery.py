"""Dispatching ticket events to endpoints and delivering them, at least once.

One ``WebhookDelivery`` per (endpoint, ticket event, type), made once: the
unique constraint backs a check done before the insert. Each delivery is
POSTed, signed per the Standard Webhooks specification
(https://www.standardwebhooks.com/, "Signature scheme": ``webhook-id``,
``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">``), by ``integrations.outbound.post_json``; every
attempt is logged. A worker holds a lease while it posts, so two workers
never post the same delivery at once, and a worker that dies mid-post
leaves a lease that expires; the redelivered task (or the sweeper) then
posts again with the same ``webhook-id`` (receivers drop duplicates by it,
as the specification recommends).
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError

from helpdesk.db import atomic
from helpdesk.shortcuts import id_value
from tickets.models import TicketEvent

from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ..outbound import HttpOutcome, post_json
from . import payloads

log = logging.getLogger(__name__)

Status = WebhookDelivery.Status
MAX_DELAY_SECONDS = 3600.0
# An answer of 410 Gone says the URL will not come back: switched off at once.
GONE = 410


class DeliverLater(Exception):
    """Another worker holds the delivery's lease (``waiting`` False), or its
    next attempt is not due (``waiting`` True): try again after
    ``seconds``."""

    def __init__(self, seconds: float, *, waiting: bool = False):
        super().__init__(f"not deliverable for {seconds:.1f} more seconds")
        self.seconds = max(seconds, 0.0)
        self.waiting = waiting


def new_webhook_id() -> str:
    """``msg_<uuid4 hex>``: the Standard Webhooks message id of a delivery."""
    return f"msg_{uuid.uuid4().hex}"


# --- Dispatching ----------------------------------------------------------------


@atomic
def _delivery_create(
    *,
    endpoint: WebhookEndpoint,
    event_type: str,
    timestamp: datetime,
    data: dict,
    ticket_event: TicketEvent | None,
) -> WebhookDelivery:
    """Take the endpoint's next sequence number (an F() increment of its
    counter, which serializes concurrent dispatches as the ticket number
    counter does) and store the delivery with its exact body."""
    counters = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    counters.update(last_sequence=F("last_sequence") + 1)
    sequence = counters.values_list("last_sequence", flat=True).get()
    body = payloads.body_bytes(
        payloads.envelope(
            event_type=event_type, timestamp=timestamp, sequence=sequence, data=data
        )
    )
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=event_type,
        ticket_event=ticket_event,
        webhook_id=new_webhook_id(),
        sequence=sequence,
        payload=body.decode(),
        next_attempt_at=timezone.now(),
    )


def webhooks_dispatch(*, event_id: str) -> list[WebhookDelivery]:
    """The deliveries of one ticket event: one per active endpoint that wants
    its type, made now if missing. Safe to run twice (a second run finds the
    deliveries of the first and makes none). Returns every delivery of the
    event, old and new; [] for an event without a webhook type or a missing
    event."""
    pk = id_value(TicketEvent, event_id)
    event = (
        TicketEvent.objects.select_related("actor").filter(pk=pk).first()
        if pk is not None
        else None
    )
    event_type = payloads.event_type_of(event.kind) if event is not None else None
    if event_type is None:
        return []
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(active=True).order_by("pk")
        if endpoint.wants(event_type)
    ]
    if not endpoints:
        return []
    existing = {
        delivery.endpoint_id: delivery
        for delivery in WebhookDelivery.objects.filter(
            ticket_event_id=event.pk,
            event_type=event_type,
            endpoint_id__in=[endpoint.pk for endpoint in endpoints],
        )
    }
    missing = [endpoint for endpoint in endpoints if endpoint.pk not in existing]
    if missing:
        data = payloads.event_data(event)
    for endpoint in missing:
        try:
            existing[endpoint.pk] = _delivery_create(
                endpoint=endpoint,
                event_type=event_type,
                timestamp=event.created_at,
                data=data,
                ticket_event=event,
            )
        except IntegrityError:
            # Another worker made it between the check and the insert; its
            # whole block failed, so nothing else was written here.
            existing[endpoint.pk] = WebhookDelivery.objects.get(
                endpoint=endpoint, ticket_event=event, event_type=event_type
            )
    return [existing[endpoint.pk] for endpoint in endpoints]


def ping_create(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``webhook.ping`` delivery for ``endpoint`` (no ticket event)."""
    return _delivery_create(
        endpoint=endpoint,
        event_type=payloads.WebhookEvent.PING,
        timestamp=timezone.now(),
        data=payloads.ping_data(endpoint),
        ticket_event=None,
    )


# --- Delivering ----------------------------------------------------------------


def retry_delay(failures: int) -> float:
    """Seconds before the next attempt after ``failures`` failed ones:
    ``WEBHOOK_RETRY_BASE_SECONDS * 2**(failures - 1)``, with ±20 % jitter,
    at most an hour."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS * (2 ** max(failures - 1, 0))
    return min(MAX_DELAY_SECONDS, base * random.uniform(0.8, 1.2))  # noqa: S311


def _claim(delivery_pk, *, redelivery: bool) -> WebhookDelivery | None:
    """Take the delivery for one attempt: a pending or retrying one whose time
    has come (any time for an admin's redelivery), or one whose lease ran
    out. Returns it with the attempt counted, or None when not claimable."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.INTEGRATIONS_LEASE_SECONDS)
    waiting = Q(status__in=[Status.PENDING, Status.RETRYING])
    if not redelivery:
        waiting &= Q(next_attempt_at__lte=now)
    claimable = waiting | Q(status=Status.DELIVERING, lease_until__lt=now)
    taken = WebhookDelivery.objects.filter(Q(pk=delivery_pk) & claimable).update(
        status=Status.DELIVERING, lease_until=lease, attempts=F("attempts") + 1
    )
    if not taken:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_pk)


def signed_headers(
    delivery: WebhookDelivery, *, secret: str, at: datetime
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt at ``at``."""
    signature = Webhook(secret).sign(delivery.webhook_id, at, delivery.payload)
    return {
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def webhook_deliver(
    *, delivery_id: str, redelivery: bool = False
) -> WebhookDelivery | None:
    """Make one attempt at a delivery, if it is due and nobody else is at it.

    Returns the delivery as it stands afterwards (None if missing): status
    ``delivered`` (2xx), ``retrying`` with ``next_attempt_at`` set, or
    ``failed`` (out of time: ``WEBHOOK_RETRY_HOURS`` after it was made; or
    its endpoint is switched off). Already delivered or failed: returned as
    is, nothing sent (unless ``redelivery``, set by ``webhook_redeliver``,
    which marks the attempt). Raises DeliverLater when another worker holds
    a live lease or the next attempt is not due yet. Runs outside any
    transaction so the claim is visible to other workers at once.
    """
    pk = id_value(WebhookDelivery, delivery_id)
    current = WebhookDelivery.objects.filter(pk=pk).first() if pk else None
    if current is None or current.status in (Status.DELIVERED, Status.FAILED):
        return current
    delivery = _claim(pk, redelivery=redelivery)
    if delivery is None:
        current.refresh_from_db()
        now = timezone.now()
        if current.status == Status.DELIVERING and current.lease_until:
            raise DeliverLater((current.lease_until - now).total_seconds())
        if current.status in (Status.PENDING, Status.RETRYING):
            raise DeliverLater(
                (current.next_attempt_at - now).total_seconds(), waiting=True
            )
        return current
    endpoint = delivery.endpoint
    if not endpoint.active:
        _settle(delivery, status=Status.FAILED)
        return delivery
    at = timezone.now()
    try:
        headers = signed_headers(delivery, secret=endpoint.signing_secret, at=at)
    except (ValueError, EmptyWebhookSecretError) as error:
        # The secret no longer decrypts (the key changed) or is not a
        # Standard Webhooks secret: a failed attempt with the reason, retried
        # like any (rotating the secret mends it), never a task that crashes
        # with the lease held and is swept up again every minute.
        outcome = HttpOutcome(
            status=None, duration_ms=0, error=f"Not sent: {error}"[:500]
        )
    else:
        outcome = post_json(endpoint.url, delivery.payload.encode(), headers)
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        attempted_at=at,
        status_code=outcome.status,
        duration_ms=outcome.duration_ms,
        response_excerpt=outcome.excerpt,
        error=outcome.error[:500],
        redelivery=redelivery,
    )
    if outcome.ok:
        _settle(
            delivery,
            status=Status.DELIVERED,
            last_status_code=outcome.status,
            delivered_at=timezone.now(),
        )
        WebhookEndpoint.objects.filter(
            pk=endpoint.pk, failing_since__isnull=False
        ).update(failing_since=None)
        return delivery
    return _failed(delivery, outcome, at=at)


def _settle(delivery: WebhookDelivery, **fields) -> None:
    """Write the outcome of an attempt and drop the lease."""
    fields["lease_until"] = None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    for name, value in fields.items():
        setattr(delivery, name, value)


def _failed(
    delivery: WebhookDelivery, outcome: HttpOutcome, *, at: datetime
) -> WebhookDelivery:
    """After a failed attempt: note the endpoint failing, switch it off when
    it failed long enough (or answered 410 Gone), else schedule the next
    attempt with exponential backoff (a Retry-After asking for longer wins)
    until the retry window closes."""
    endpoint = delivery.endpoint
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=at
    )
    endpoint.refresh_from_db(fields=["failing_since", "active"])
    failing_for = at - (endpoint.failing_since or at)
    limit = timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
    reason = ""
    if outcome.status == GONE:
        reason = "The endpoint answered 410 Gone."
    elif failing_for >= limit:
        reason = (
            f"Every delivery failed for {settings.WEBHOOK_DISABLE_AFTER_HOURS:g} "
            f"hours; the last attempt: {outcome.summary()}."
        )
    if reason:
        endpoint_disable(endpoint=endpoint, reason=reason)
        _settle(delivery, status=Status.FAILED, last_status_code=outcome.status)
        return delivery
    delay = retry_delay(delivery.attempts)
    if outcome.retry_after is not None:
        delay = max(delay, outcome.retry_after)
    next_at = timezone.now() + timedelta(seconds=delay)
    deadline = delivery.created_at + timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    if next_at > deadline:
        _settle(delivery, status=Status.FAILED, last_status_code=outcome.status)
    else:
        _settle(
            delivery,
            status=Status.RETRYING,
            last_status_code=outcome.status,
            next_attempt_at=next_at,
        )
    return delivery


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Switch an endpoint off for ``reason`` and email the admins, once: only
    the call that turns it off tells them. Returns whether this call did."""
    from ..services.alerts import admins_tell_integration_disabled

    with atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
            active=False, disabled_reason=reason[:255]
        )
        if changed:
            admins_tell_integration_disabled(
                kind="webhook endpoint",
                name=str(endpoint),
                reason=reason,
                link=settings.SITE_URL.rstrip("/")
                + reverse(
                    "admin:integrations_webhookendpoint_change", args=[endpoint.pk]
                ),
            )
    endpoint.active = False
    endpoint.disabled_reason = reason[:255]
    if changed:
        log.warning("Webhook endpoint %s switched off: %s", endpoint.pk, reason)
    return bool(changed)


def due_delivery_ids(*, grace_seconds: float, limit: int = 500) -> list[str]:
    """Deliveries whose task seems lost: pending or retrying ones due for
    more than ``grace_seconds``, and delivering ones whose lease ran out."""
    now = timezone.now()
    grace = now - timedelta(seconds=grace_seconds)
    due = WebhookDelivery.objects.filter(
        Q(status__in=[Status.PENDING, Status.RETRYING], next_attempt_at__lte=grace)
        | Q(status=Status.DELIVERING, lease_until__lt=now)
    ).order_by("next_attempt_at", "pk")
    return [str(pk) for pk in due.values_list("pk", flat=True)[:limit]]
