"""What admins do with webhook endpoints: save, rotate the secret, delete,
send a test ping, redeliver a delivery. Admins only (PermissionDeniedError
for anyone else); the HTTP itself happens in a task after commit."""

from __future__ import annotations

from accounts.models import User
from helpdesk.commit_hooks import on_commit_robust
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError, ConflictError, PermissionDeniedError

from ..models.webhooks import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    new_signing_secret,
)
from ..outbound import UnsafeTarget, url_check
from .delivery import ping_create

EDITABLE_FIELDS = ("url", "description", "events", "active")
# What an endpoint may subscribe to (a ping is sent on demand only).
SUBSCRIBABLE = [value for value in WebhookEvent.values if value != WebhookEvent.PING]


class WebhookEndpointInvalid(ApplicationError):
    """A field of an endpoint is not acceptable; ``extra`` maps the field to
    its messages (as a form's errors)."""

    code = "invalid"
    status_code = 400


def _require_admin(actor: User | None) -> None:
    if actor is None or not actor.is_active or not actor.is_admin:
        raise PermissionDeniedError("Only admins may manage webhooks.")


def _deliver_after_commit(delivery: WebhookDelivery, *, redelivery: bool) -> None:
    from .tasks import deliver_webhook

    delivery_id = str(delivery.pk)
    # Robust: a broker that is down must not turn the admin's committed ping
    # or redelivery into a 500; the delivery stays pending and the minute
    # sweeper (deliver_due_webhooks) sends it.
    on_commit_robust(
        "webhook_deliver_after_commit",
        lambda: deliver_webhook.delay(delivery_id, redelivery=redelivery),
    )


def endpoint_url_error(url: str) -> str | None:
    """Why ``url`` may not be an endpoint (too long, not http(s), a
    non-public address unless INTEGRATIONS_ALLOWED_NETWORKS allows it), or
    None when it may."""
    if not url:
        return "Enter the URL to send events to."
    if len(url) > 2000:
        return "A URL may have at most 2,000 characters."
    try:
        url_check(url)
    except UnsafeTarget as error:
        return error.message
    return None


def clean_events(events: object) -> list[str]:
    """A list of known event types, without repeats (empty: every type);
    raises WebhookEndpointInvalid for anything else."""
    if not isinstance(events, list | tuple) or not all(
        isinstance(event, str) for event in events
    ):
        raise WebhookEndpointInvalid(
            "Events must be a list of event types.",
            extra={"events": ["A list of event types."]},
        )
    unknown = [event for event in events if event not in SUBSCRIBABLE]
    if unknown:
        raise WebhookEndpointInvalid(
            f"Unknown event types: {', '.join(unknown)}.",
            extra={"events": [f"Choose from {', '.join(SUBSCRIBABLE)}."]},
        )
    return list(dict.fromkeys(events))


@atomic
def webhook_endpoint_save(
    *, actor: User, endpoint: WebhookEndpoint | None = None, **fields: object
) -> WebhookEndpoint:
    """Create (``endpoint`` None) or change an endpoint.

    ``fields``: any of url (str), description (str), events (list of
    WebhookEvent values; empty means every type), active (bool). Turning an
    endpoint back on clears ``disabled_reason`` and ``failing_since``. A new
    endpoint gets a fresh signing secret. Raises PermissionDeniedError
    (not an admin) and WebhookEndpointInvalid (unknown field, unsafe URL
    with the reason, unknown event).
    """
    _require_admin(actor)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise WebhookEndpointInvalid(
            f"Cannot change {', '.join(sorted(unknown))}.",
            extra={name: ["Not a field of an endpoint."] for name in unknown},
        )
    creating = endpoint is None
    if creating:
        endpoint = WebhookEndpoint(created_by=actor)
    if "url" in fields or creating:
        url = str(fields.get("url", endpoint.url) or "").strip()
        problem = endpoint_url_error(url)
        if problem:
            raise WebhookEndpointInvalid(problem, extra={"url": [problem]})
        endpoint.url = url
    if "events" in fields:
        endpoint.events = clean_events(fields["events"])
    if "description" in fields:
        endpoint.description = str(fields["description"] or "").strip()[:255]
    if "active" in fields:
        turning_on = bool(fields["active"]) and not endpoint.active
        endpoint.active = bool(fields["active"])
        if turning_on:
            endpoint.disabled_reason = ""
            endpoint.failing_since = None
    endpoint.save()
    return endpoint


@atomic
def webhook_endpoint_rotate_secret(
    *, actor: User, endpoint: WebhookEndpoint
) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new signing secret, at once (the old one stops
    working: receivers must be updated). Returns the endpoint and the new
    secret (``whsec_...``). Raises PermissionDeniedError."""
    _require_admin(actor)
    secret = new_signing_secret()
    endpoint.signing_secret = secret
    endpoint.save(update_fields=["signing_secret_encrypted", "updated_at"])
    return endpoint, secret


@atomic
def webhook_endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its deliveries and their attempts."""
    _require_admin(actor)
    endpoint.delete()


def _require_on(endpoint: WebhookEndpoint) -> None:
    if not endpoint.active:
        reason = f" ({endpoint.disabled_reason})" if endpoint.disabled_reason else ""
        raise ConflictError(
            f"This endpoint is switched off{reason}; turn it on first.",
            code="endpoint_inactive",
        )


@atomic
def webhook_ping(*, actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a ``webhook.ping`` to the endpoint, after commit (a delivery like
    any other: signed, logged, retried). Raises PermissionDeniedError and
    ConflictError (``endpoint_inactive``)."""
    _require_admin(actor)
    _require_on(endpoint)
    delivery = ping_create(endpoint=endpoint)
    _deliver_after_commit(delivery, redelivery=False)
    return delivery


@atomic
def webhook_redeliver(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, whatever its status (delivered or failed
    included), with the same ``webhook-id`` and body; the attempt is marked
    as a redelivery. A failed redelivery is retried like any attempt while
    the retry window (``WEBHOOK_RETRY_HOURS`` from its creation) lasts,
    then it is failed again. Raises PermissionDeniedError, ConflictError
    (``endpoint_inactive``; ``delivering``: an attempt is under way)."""
    _require_admin(actor)
    _require_on(delivery.endpoint)
    changed = (
        WebhookDelivery.objects.filter(pk=delivery.pk)
        .exclude(status=WebhookDelivery.Status.DELIVERING)
        .update(status=WebhookDelivery.Status.PENDING, lease_until=None)
    )
    if not changed:
        raise ConflictError(
            "An attempt at this delivery is under way; try again in a minute.",
            code="delivering",
        )
    delivery.status = WebhookDelivery.Status.PENDING
    _deliver_after_commit(delivery, redelivery=True)
    return delivery
