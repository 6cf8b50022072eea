"""Shared pieces of the webhook tests: an endpoint pointing at the recording
receiver, verifying what arrived as a receiver would, and running the
retry sweeper later on."""

import json
from datetime import timedelta

import time_machine
from django.utils import timezone
from standardwebhooks import Webhook

from integrations.models import WebhookEndpoint
from integrations.webhooks.services import webhook_endpoint_save
from integrations.webhooks.tasks import deliver_due_webhooks


def endpoint_for(receiver, admin, *, path="/hook", **fields) -> WebhookEndpoint:
    return webhook_endpoint_save(
        actor=admin, endpoint=None, url=f"{receiver.url}{path}", **fields
    )


def verified(received, secret: str) -> dict:
    """The payload of one received request, after the Standard Webhooks
    check a receiver makes (raises WebhookVerificationError if unsigned)."""
    return Webhook(secret).verify(received.body, received.headers)


def payloads_of(receiver, secret: str) -> list[dict]:
    return [verified(request, secret) for request in receiver.requests]


def sweep_later(minutes: float) -> int:
    """Run the minute sweeper as if ``minutes`` had passed."""
    with time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=False):
        return deliver_due_webhooks()


def body_json(received) -> dict:
    return json.loads(received.body)
