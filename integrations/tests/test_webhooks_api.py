"""Webhooks in the API: endpoints (the secret only on create and rotate),
pings, the paginated delivery log with attempts, redelivery; admins only."""

import pytest
from django.test import Client

from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.tests.receivers import Reply
from notifications.seed import seed_defaults
from tickets import services

from .webhook_helpers import endpoint_for, payloads_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_admin(api_as, admin_user):
    return api_as(admin_user)


def test_create_read_change_delete_an_endpoint(as_admin, http_receiver):
    created = as_admin.post(
        "/webhooks/endpoints",
        {"url": f"{http_receiver.url}/in", "events": ["ticket.created"]},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    secret = body["signing_secret"]
    assert secret.startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.signing_secret == secret
    assert body["events"] == ["ticket.created"] and body["active"] is True

    listed = as_admin.get("/webhooks/endpoints").json()
    assert [row["id"] for row in listed] == [str(endpoint.pk)]
    assert "signing_secret" not in listed[0]
    one = as_admin.get(f"/webhooks/endpoints/{endpoint.pk}").json()
    assert "signing_secret" not in one and one["url"] == f"{http_receiver.url}/in"

    patched = as_admin.patch(
        f"/webhooks/endpoints/{endpoint.pk}",
        {"description": "CRM", "events": ["message.added", "sla.breached"]},
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["events"] == ["message.added", "sla.breached"]
    assert "signing_secret" not in patched.json()

    rotated = as_admin.post(f"/webhooks/endpoints/{endpoint.pk}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["signing_secret"] not in (secret, "")
    endpoint.refresh_from_db()
    assert endpoint.signing_secret == rotated.json()["signing_secret"]

    assert as_admin.delete(f"/webhooks/endpoints/{endpoint.pk}").status_code == 204
    assert WebhookEndpoint.objects.count() == 0
    assert as_admin.get(f"/webhooks/endpoints/{endpoint.pk}").status_code == 404


def test_bad_input_is_a_400_with_the_reason(as_admin, settings):
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []
    private = as_admin.post("/webhooks/endpoints", {"url": "http://10.1.2.3/hook"})
    assert private.status_code == 400
    assert private.json()["code"] == "invalid"
    assert "non-public address" in private.json()["errors"]["url"][0]

    unknown = as_admin.post(
        "/webhooks/endpoints",
        {"url": "https://hooks.example.com/in", "events": ["ticket.exploded"]},
    )
    assert unknown.status_code == 400
    assert "events" in str(unknown.json()["errors"])
    assert as_admin.post("/webhooks/endpoints", {}).status_code == 400
    assert WebhookEndpoint.objects.count() == 0
    assert as_admin.get("/webhooks/endpoints/nope").status_code == 404


def test_ping_deliveries_and_redeliver(
    as_admin,
    admin_user,
    customer,
    department,
    http_receiver,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    seed_defaults()
    endpoint = endpoint_for(http_receiver, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        pinged = as_admin.post(f"/webhooks/endpoints/{endpoint.pk}/ping")
    assert pinged.status_code == 202, pinged.json()
    assert pinged.json()["event_type"] == "webhook.ping"

    http_receiver.reply(Reply(status=500, body=b"down"))
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(
            requester=customer, subject="Printer", body="Jams.", department=department
        )
    path = f"/webhooks/endpoints/{endpoint.pk}/deliveries"
    with django_assert_max_num_queries(12):
        page = as_admin.get(path, {"per_page": 10}).json()
    assert page["count"] == 2
    newest, ping = page["results"]
    assert ping["status"] == "delivered"
    assert ping["attempt_log"][0]["status_code"] == 200
    assert newest["event_type"] == "ticket.created"
    assert newest["status"] == "retrying"
    assert newest["attempt_log"][0]["status_code"] == 500
    assert newest["attempt_log"][0]["response_excerpt"] == "down"
    retrying = as_admin.get(path, {"status": "retrying"}).json()
    assert [row["id"] for row in retrying["results"]] == [newest["id"]]

    with django_capture_on_commit_callbacks(execute=True):
        again = as_admin.post(f"/webhooks/deliveries/{newest['id']}/redeliver")
    assert again.status_code == 202, again.json()
    delivery = WebhookDelivery.objects.get(pk=newest["id"])
    assert delivery.status == "delivered"
    log = list(delivery.attempt_log.order_by("number"))
    assert [(a.status_code, a.redelivery) for a in log] == [(500, False), (200, True)]
    types = [p["type"] for p in payloads_of(http_receiver, endpoint.signing_secret)]
    assert types == ["webhook.ping", "ticket.created", "ticket.created"]

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    refused = as_admin.post(f"/webhooks/deliveries/{newest['id']}/redeliver")
    assert refused.status_code == 409
    assert refused.json()["code"] == "endpoint_inactive"
    assert as_admin.post(f"/webhooks/endpoints/{endpoint.pk}/ping").status_code == 409
    assert as_admin.post("/webhooks/deliveries/nope/redeliver").status_code == 404


def test_only_admins_may_use_the_webhook_api(
    api_as, agent, customer, admin_user, http_receiver
):
    endpoint = endpoint_for(http_receiver, admin_user)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="webhook.ping", webhook_id="msg_x", payload="{}"
    )
    routes = [
        ("get", "/webhooks/endpoints", None),
        ("post", "/webhooks/endpoints", {"url": "https://hooks.example.com/in"}),
        ("get", f"/webhooks/endpoints/{endpoint.pk}", None),
        ("patch", f"/webhooks/endpoints/{endpoint.pk}", {"active": False}),
        ("delete", f"/webhooks/endpoints/{endpoint.pk}", None),
        ("post", f"/webhooks/endpoints/{endpoint.pk}/rotate-secret", None),
        ("post", f"/webhooks/endpoints/{endpoint.pk}/ping", None),
        ("get", f"/webhooks/endpoints/{endpoint.pk}/deliveries", None),
        ("post", f"/webhooks/deliveries/{delivery.pk}/redeliver", None),
    ]
    secret = endpoint.signing_secret
    anonymous = Client()
    for method, path, payload in routes:
        call = getattr(anonymous, method)
        response = call(
            f"/api/v1{path}", payload or {}, content_type="application/json"
        )
        assert response.status_code == 401, (method, path)
        for user in (agent, customer):
            client = api_as(user)
            args = (path, payload) if payload is not None else (path,)
            response = getattr(client, method)(*args)
            assert response.status_code == 403, (user, method, path)
            assert secret not in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.signing_secret == secret
    assert WebhookEndpoint.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1
