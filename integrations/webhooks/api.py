"""Outgoing webhooks in the API (admins only, with a proven second factor):
endpoints, their deliveries with every attempt, a test ping, redelivery.

The signing secret (``whsec_...``, Standard Webhooks) is shown once, when
an endpoint is created or its secret rotated; no other answer carries it.
"""

from datetime import datetime
from typing import Literal

from django.db.models import Prefetch
from ninja import Query, Router, Status
from pydantic import Field

from helpdesk.api_tools import (
    In,
    Page,
    RowOut,
    answers,
    page_of,
    require_admin,
    row_or_404,
    sent_fields,
)

from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from . import services
from .endpoints import SUBSCRIBABLE

router = Router(tags=["webhooks"])
EventName = Literal[tuple(SUBSCRIBABLE)]
DeliveryStatusName = Literal[tuple(WebhookDelivery.Status.values)]


class WebhookEndpointOut(RowOut):
    url: str
    description: str
    events: list[str] = Field(description="Event types sent; empty: every type.")
    active: bool
    disabled_reason: str = Field(description="Why the helpdesk switched it off.")
    failing_since: datetime | None = Field(
        description="The first failed attempt since the last success."
    )
    last_sequence: int = Field(description="The sequence of the latest delivery.")
    created_at: datetime
    updated_at: datetime


class WebhookEndpointSecretOut(WebhookEndpointOut):
    signing_secret: str = Field(
        description="The Standard Webhooks secret (whsec_...); shown only now."
    )


class WebhookEndpointIn(In):
    url: str = Field(max_length=2000)
    description: str = Field("", max_length=255)
    events: list[EventName] = Field(default_factory=list)
    active: bool = True


class WebhookEndpointPatch(In):
    url: str | None = Field(None, max_length=2000)
    description: str | None = Field(None, max_length=255)
    events: list[EventName] | None = None
    active: bool | None = None


class WebhookAttemptOut(RowOut):
    number: int
    attempted_at: datetime
    status_code: int | None = Field(description="Null: no answer (see error).")
    duration_ms: int
    response_excerpt: str
    error: str
    redelivery: bool


class WebhookDeliveryOut(RowOut):
    endpoint_id: str
    event_type: str
    webhook_id: str = Field(description="The webhook-id header, on every attempt.")
    sequence: int
    status: str
    attempts: int
    last_status_code: int | None
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    payload: str = Field(description="The exact JSON body sent.")
    attempt_log: list[WebhookAttemptOut]

    @staticmethod
    def resolve_endpoint_id(obj) -> str:
        return str(obj.endpoint_id)

    @staticmethod
    def resolve_attempt_log(obj) -> list:
        return list(obj.attempt_log.all())


class WebhookDeliveryFilter(In):
    status: DeliveryStatusName | None = None
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


def _endpoint(request, endpoint_id: str) -> WebhookEndpoint:
    require_admin(request)
    return row_or_404(WebhookEndpoint.objects.all(), endpoint_id)


@router.get("/webhooks/endpoints", response=answers({200: list[WebhookEndpointOut]}))
def webhook_endpoint_list(request):
    """Every endpoint. Admins only (403 otherwise)."""
    require_admin(request)
    return list(WebhookEndpoint.objects.order_by("url", "pk"))


@router.post("/webhooks/endpoints", response=answers({201: WebhookEndpointSecretOut}))
def webhook_endpoint_create(request, payload: WebhookEndpointIn):
    """Register an endpoint; the answer holds its signing secret, shown only
    here. 400 ``invalid`` for a URL that may not be called (a private,
    loopback or link-local address, not http(s), ...) with the reason."""
    require_admin(request)
    endpoint = services.webhook_endpoint_save(
        actor=request.user, endpoint=None, **payload.model_dump()
    )
    return Status(201, endpoint)  # with its secret: the one time it is shown


@router.get(
    "/webhooks/endpoints/{endpoint_id}", response=answers({200: WebhookEndpointOut})
)
def webhook_endpoint_get(request, endpoint_id: str):
    """One endpoint; 404 for an id with none."""
    return _endpoint(request, endpoint_id)


@router.patch(
    "/webhooks/endpoints/{endpoint_id}", response=answers({200: WebhookEndpointOut})
)
def webhook_endpoint_patch(request, endpoint_id: str, payload: WebhookEndpointPatch):
    """Change the fields sent (null leaves one as it is). ``active: true``
    turns an endpoint the helpdesk switched off back on."""
    endpoint = _endpoint(request, endpoint_id)
    return services.webhook_endpoint_save(
        actor=request.user, endpoint=endpoint, **sent_fields(payload)
    )


@router.delete("/webhooks/endpoints/{endpoint_id}", response=answers({204: None}))
def webhook_endpoint_remove(request, endpoint_id: str):
    """Delete an endpoint with its delivery log."""
    endpoint = _endpoint(request, endpoint_id)
    services.webhook_endpoint_delete(actor=request.user, endpoint=endpoint)
    return Status(204, None)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/rotate-secret",
    response=answers({200: WebhookEndpointSecretOut}),
)
def webhook_endpoint_rotate(request, endpoint_id: str):
    """A new signing secret, in force at once; the answer is the only place
    it is shown."""
    endpoint = _endpoint(request, endpoint_id)
    endpoint, _secret = services.webhook_endpoint_rotate_secret(
        actor=request.user, endpoint=endpoint
    )
    return endpoint


@router.post(
    "/webhooks/endpoints/{endpoint_id}/ping",
    response=answers({202: WebhookDeliveryOut}),
)
def webhook_endpoint_ping(request, endpoint_id: str):
    """Send a ``webhook.ping`` (queued: the answer is the delivery, follow it
    in the deliveries list). 409 ``endpoint_inactive`` for an endpoint that
    is switched off."""
    endpoint = _endpoint(request, endpoint_id)
    delivery = services.webhook_ping(actor=request.user, endpoint=endpoint)
    return Status(202, _delivery_fresh(delivery))


def _deliveries():
    return WebhookDelivery.objects.prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number"))
    )


def _delivery_fresh(delivery: WebhookDelivery) -> WebhookDelivery:
    return _deliveries().get(pk=delivery.pk)


@router.get(
    "/webhooks/endpoints/{endpoint_id}/deliveries",
    response=answers({200: Page[WebhookDeliveryOut]}),
)
def webhook_delivery_list(
    request, endpoint_id: str, filters: Query[WebhookDeliveryFilter]
):
    """The endpoint's deliveries, newest first, each with every attempt."""
    endpoint = _endpoint(request, endpoint_id)
    deliveries = _deliveries().filter(endpoint=endpoint).order_by("-created_at", "-pk")
    if filters.status:
        deliveries = deliveries.filter(status=filters.status)
    return page_of(deliveries, filters.page, filters.per_page)


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response=answers({202: WebhookDeliveryOut}),
)
def webhook_delivery_redeliver(request, delivery_id: str):
    """Send a delivery again now (same webhook-id and body); the attempt is
    marked as a redelivery. 409 ``endpoint_inactive`` when its endpoint is
    switched off, ``delivering`` while an attempt is under way."""
    require_admin(request)
    delivery = row_or_404(
        WebhookDelivery.objects.select_related("endpoint"), delivery_id
    )
    services.webhook_redeliver(actor=request.user, delivery=delivery)
    return Status(202, _delivery_fresh(delivery))
