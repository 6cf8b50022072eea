"""The webhook admin pages: endpoints with checkboxes for events, the secret
shown and rotated (after a confirmation), a test ping, the delivery log
with every attempt and a confirmed redeliver; nobody but admins gets in."""

import pytest
from django.urls import reverse

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.tests.receivers import Reply
from notifications.seed import seed_defaults
from tickets import services

from .webhook_helpers import endpoint_for, payloads_of, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(login, admin_user):
    return login(admin_user)


@pytest.fixture
def delivered(
    admin_user, customer, department, http_receiver, django_capture_on_commit_callbacks
):
    """An endpoint with one delivered ``ticket.created``."""
    seed_defaults()
    endpoint = endpoint_for(http_receiver, admin_user, events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(
            requester=customer, subject="Printer", body="Jams.", department=department
        )
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"
    return endpoint, delivery


def test_an_admin_registers_an_endpoint_with_chosen_events(admin_client, http_receiver):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {
            "url": f"{http_receiver.url}/in",
            "description": "CRM",
            "events": ["ticket.created", "message.added"],
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["ticket.created", "message.added"]
    assert endpoint.signing_secret.startswith("whsec_")

    page = admin_client.get(
        reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])
    ).content.decode()
    assert 'type="checkbox" name="events" value="sla.warning"' in page
    assert endpoint.signing_secret in page
    assert "Rotate secret" in page and "Send test ping" in page


def test_a_private_address_is_a_form_error(admin_client, settings):
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"url": "http://192.168.1.10/hook", "description": "", "active": "on"},
    )
    assert response.status_code == 200
    assert "non-public address" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_rotating_the_secret_asks_first(admin_client, admin_user, http_receiver):
    endpoint = endpoint_for(http_receiver, admin_user)
    old = endpoint.signing_secret
    url = reverse("admin:integrations_webhookendpoint_rotate", args=[endpoint.pk])

    page = admin_client.get(url)
    assert "stops working at once" in page.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.signing_secret == old  # asking changed nothing

    response = admin_client.post(url, follow=True)
    endpoint.refresh_from_db()
    assert endpoint.signing_secret != old
    assert "new signing secret" in response.content.decode()


def test_a_test_ping_arrives_signed(
    admin_client, admin_user, http_receiver, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(http_receiver, admin_user, events=["ticket.created"])
    url = reverse("admin:integrations_webhookendpoint_ping", args=[endpoint.pk])
    assert "Send the ping" in admin_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, follow=True)
    assert "Test ping queued" in response.content.decode()
    [ping] = payloads_of(http_receiver, endpoint.signing_secret)
    assert ping["type"] == "webhook.ping"
    assert ping["data"] == {"endpoint": {"id": str(endpoint.pk), "url": endpoint.url}}
    assert ping["sequence"] == 1


def test_the_delivery_log_shows_payload_and_attempts_and_redelivers(
    admin_client, delivered, http_receiver, django_capture_on_commit_callbacks
):
    endpoint, delivery = delivered
    http_receiver.reply(Reply(status=500, body=b"try later"))
    listing = admin_client.get(
        reverse("admin:integrations_webhookdelivery_changelist"),
        {"status__exact": "delivered"},
    ).content.decode()
    assert "ticket.created" in listing

    change = reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk])
    page = admin_client.get(change).content.decode()
    assert "&quot;type&quot;: &quot;ticket.created&quot;" in page  # pretty-printed
    assert "Duration (ms)" in page and "Redeliver" in page

    changelist = reverse("admin:integrations_webhookdelivery_changelist")
    chosen = {"action": "redeliver", "_selected_action": [delivery.pk]}
    asking = admin_client.post(changelist, chosen)
    assert "Send 1 delivery again?" in asking.content.decode()
    assert len(http_receiver.requests) == 1  # nothing sent yet

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(changelist, {**chosen, "post": "yes"}, follow=True)
    assert len(http_receiver.requests) == 2
    first, again = http_receiver.requests
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert again.body == first.body
    verified(again, endpoint.signing_secret)
    attempt = WebhookAttempt.objects.get(delivery=delivery, number=2)
    assert attempt.redelivery and attempt.status_code == 500
    page = admin_client.get(change).content.decode()
    assert "try later" in page and "redelivery" in page

    # The single-delivery page asks too, then sends.
    single = reverse("admin:integrations_webhookdelivery_redeliver", args=[delivery.pk])
    assert "Yes, redeliver" in admin_client.get(single).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(single)
    assert len(http_receiver.requests) == 3
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_a_switched_off_endpoint_refuses_redelivery(
    admin_client, delivered, http_receiver
):
    endpoint, delivery = delivered
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=False, disabled_reason="The endpoint answered 410 Gone."
    )
    single = reverse("admin:integrations_webhookdelivery_redeliver", args=[delivery.pk])
    response = admin_client.post(single, follow=True)
    assert "switched off" in response.content.decode()
    assert len(http_receiver.requests) == 1


def test_deliveries_and_attempts_cannot_be_added_or_changed(admin_client, delivered):
    _endpoint, delivery = delivered
    for model in ("webhookdelivery", "webhookattempt"):
        add = admin_client.get(reverse(f"admin:integrations_{model}_add"))
        assert add.status_code == 403
    change = reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk])
    response = admin_client.post(change, {"status": "failed"})
    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    attempt = delivery.attempt_log.get()
    page = admin_client.get(
        reverse("admin:integrations_webhookattempt_change", args=[attempt.pk])
    )
    assert page.status_code == 200


def test_only_admins_get_into_the_webhook_pages(
    client, login, agent, customer, delivered
):
    endpoint, delivery = delivered
    attempt = delivery.attempt_log.get()
    pages = [
        ("get", reverse("admin:integrations_webhookendpoint_changelist")),
        ("get", reverse("admin:integrations_webhookendpoint_add")),
        (
            "get",
            reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]),
        ),
        (
            "post",
            reverse("admin:integrations_webhookendpoint_rotate", args=[endpoint.pk]),
        ),
        (
            "post",
            reverse("admin:integrations_webhookendpoint_ping", args=[endpoint.pk]),
        ),
        ("get", reverse("admin:integrations_webhookdelivery_changelist")),
        (
            "get",
            reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk]),
        ),
        (
            "post",
            reverse("admin:integrations_webhookdelivery_redeliver", args=[delivery.pk]),
        ),
        ("get", reverse("admin:integrations_webhookattempt_changelist")),
        ("get", reverse("admin:integrations_webhookattempt_change", args=[attempt.pk])),
    ]
    secret = endpoint.signing_secret
    for who in (None, customer, agent):
        client.logout()
        if who is not None:
            login(who)
        for method, url in pages:
            response = getattr(client, method)(url)
            assert response.status_code == 302, (who, url, response.status_code)
            assert secret not in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.signing_secret == secret
    assert WebhookDelivery.objects.count() == 1  # no ping was made
    assert delivery.attempt_log.count() == 1  # nothing was redelivered
