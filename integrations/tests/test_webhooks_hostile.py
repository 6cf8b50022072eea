"""Webhooks under hostile input: non-ASCII bodies verify with the Standard
Webhooks library, a retry after a secret rotation is signed with the new
secret, and what a receiver answers is shown escaped in the admin."""

import pytest
from django.urls import reverse
from standardwebhooks import Webhook

from accounts.tests.factories import UserFactory
from integrations.models import WebhookDelivery
from integrations.tests.receivers import Reply
from integrations.webhooks.services import webhook_endpoint_rotate_secret
from notifications.seed import seed_defaults
from tickets import services

from .webhook_helpers import endpoint_for, sweep_later, verified

pytestmark = pytest.mark.django_db

SUBJECT = 'Café ünïcödé 非常 😀 \u202e <b>x</b> "quoted" \\ back'


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def test_a_non_ascii_body_verifies_and_a_retry_uses_the_rotated_secret(
    committed, http_receiver, customer, department, admin_user
):
    """Decision: each attempt is signed with the secret in force when it is
    made. After a rotation the receiver holds only the new secret, so a
    retry of an older delivery is signed with it (same webhook-id and
    body) and verifies; the old secret no longer does."""
    seed_defaults()
    endpoint = endpoint_for(http_receiver, admin_user, events=["ticket.created"])
    old_secret = endpoint.signing_secret
    http_receiver.reply(Reply(status=500))

    committed(
        services.ticket_create,
        requester=customer,
        subject=SUBJECT,
        body="Ça marche pas",
        department=department,
    )
    first = http_receiver.requests[0]
    assert verified(first, old_secret)["data"]["ticket"]["subject"] == SUBJECT
    assert "Café".encode() in first.body  # UTF-8, as signed

    endpoint, new_secret = webhook_endpoint_rotate_secret(
        actor=admin_user, endpoint=endpoint
    )
    assert sweep_later(2) == 1

    second = http_receiver.requests[1]
    assert second.body == first.body
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert verified(second, new_secret)["data"]["ticket"]["subject"] == SUBJECT
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(old_secret).verify(second.body, second.headers)
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_hostile_answer_and_payload_are_shown_escaped_in_the_admin(
    committed, http_receiver, customer, department, admin_user, login
):
    seed_defaults()
    endpoint_for(http_receiver, admin_user, events=["ticket.created"])
    marker = "<img src=x onerror=alert(1)>"
    http_receiver.reply(Reply(status=500, body=marker.encode()))
    committed(
        services.ticket_create,
        requester=customer,
        subject=f"Subject {marker}",
        body="x",
        department=department,
    )
    delivery = WebhookDelivery.objects.get()
    admin = login(UserFactory(admin=True))

    for url in (
        reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk]),
        reverse("admin:integrations_webhookdelivery_changelist"),
        reverse("admin:integrations_webhookattempt_changelist"),
    ):
        page = admin.get(url).content.decode()
        assert marker not in page
    page = admin.get(
        reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk])
    ).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_broker_that_is_down_does_not_fail_the_admins_ping_or_redelivery(
    monkeypatch, http_receiver, admin_user, django_capture_on_commit_callbacks
):
    """The ping and redelivery queued their task with a plain on_commit: a
    broker error after the commit turned the admin's request into a 500
    although the delivery was saved. The delivery now stays pending for
    the minute sweeper."""
    from kombu.exceptions import OperationalError

    from integrations.webhooks import tasks
    from integrations.webhooks.services import webhook_ping, webhook_redeliver

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379.")

    monkeypatch.setattr(tasks.deliver_webhook, "delay", broker_down)
    endpoint = endpoint_for(http_receiver, admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_ping(actor=admin_user, endpoint=endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(actor=admin_user, delivery=delivery)

    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert http_receiver.requests == []
    monkeypatch.undo()
    assert sweep_later(2) == 1
    assert len(http_receiver.requests) == 1


@pytest.mark.parametrize("stored", ["not-a-fernet-token", "valid-but-not-whsec"])
def test_a_secret_that_cannot_be_used_is_a_failed_attempt_not_a_crash(
    http_receiver, admin_user, stored
):
    """A signing secret that no longer decrypts (the encryption key changed)
    raised out of webhook_deliver with the lease held: the sweeper took the
    delivery up again every minute, for ever. It is a failed attempt with
    the reason, retried like any other; a rotated secret mends it."""
    from integrations.crypto import encrypt
    from integrations.models import WebhookEndpoint
    from integrations.webhooks.delivery import webhook_deliver
    from integrations.webhooks.services import webhook_ping

    endpoint = endpoint_for(http_receiver, admin_user)
    garbage = stored if stored == "not-a-fernet-token" else encrypt("whsec_%%%")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        signing_secret_encrypted=garbage
    )
    endpoint.refresh_from_db()
    delivery = webhook_ping(actor=admin_user, endpoint=endpoint)

    delivery = webhook_deliver(delivery_id=str(delivery.pk))

    assert delivery.status == "retrying"
    attempt = delivery.attempt_log.get()
    assert attempt.status_code is None and attempt.error.startswith("Not sent:")
    assert http_receiver.requests == []

    endpoint, secret = webhook_endpoint_rotate_secret(
        actor=admin_user, endpoint=endpoint
    )
    assert sweep_later(2) == 1
    assert verified(http_receiver.requests[0], secret)["type"] == "webhook.ping"


def test_an_answer_with_nul_bytes_is_logged_without_them(
    committed, http_receiver, customer, department, admin_user
):
    """PostgreSQL text cannot hold NUL: a receiver answering ``ok\\x00``
    made logging the attempt raise after the POST, with the lease held, so
    the sweeper posted the delivery again every minute. The excerpt is
    stored without NUL and other control characters."""
    seed_defaults()
    endpoint_for(http_receiver, admin_user, events=["ticket.created"])
    http_receiver.reply(Reply(status=500, body=b"bad\x00\x00\x1b[31m answer\n"))

    committed(
        services.ticket_create,
        requester=customer,
        subject="Printer",
        body="x",
        department=department,
    )

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    attempt = delivery.attempt_log.get()
    assert attempt.response_excerpt == "bad\ufffd\ufffd\ufffd[31m answer\n"
