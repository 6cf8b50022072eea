"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1: every event
type arrives signed per Standard Webhooks with the documented payload, a
failing receiver gets the event again with the same id, an endpoint failing
for a day is switched off and the admins are told."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import UserFactory
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.tests.receivers import Reply
from integrations.webhooks.payloads import iso
from integrations.webhooks.services import (
    WebhookEndpointInvalid,
    webhook_endpoint_save,
    webhooks_dispatch,
)
from integrations.webhooks.tasks import (
    deliver_due_webhooks,
    deliver_webhook,
    dispatch_webhook,
)
from notifications.seed import seed_defaults
from tickets import services
from tickets.models import TicketEvent
from tickets.services.satisfaction import satisfaction_rate
from tickets.signals import ticket_events_recorded

from .webhook_helpers import body_json, endpoint_for, payloads_of, sweep_later

pytestmark = pytest.mark.django_db

TICKET_KEYS = {
    "id",
    "number",
    "reference",
    "subject",
    "status",
    "priority",
    "channel",
    "requester",
    "assignee",
    "organization",
    "department",
    "team",
    "category",
    "created_at",
    "updated_at",
    "first_response_due_at",
    "resolution_due_at",
    "url",
}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service and what it queued after commit (webhooks included)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def desk(agent, customer, department, admin_user):
    seed_defaults()
    customer.full_name = "Ann Lee"
    customer.save()
    return agent, customer, department, admin_user


def open_ticket(committed, customer, department, subject="Printer broken"):
    return committed(
        services.ticket_create,
        requester=customer,
        subject=subject,
        body="It jams.",
        department=department,
    )


def test_every_event_type_arrives_signed_with_its_payload(
    desk, committed, http_receiver, settings
):
    agent, customer, department, admin = desk
    endpoint = endpoint_for(http_receiver, admin)
    secret = endpoint.signing_secret

    ticket = open_ticket(committed, customer, department)
    committed(services.ticket_update, ticket=ticket, actor=agent, priority="high")
    committed(services.ticket_assign, ticket=ticket, actor=agent, assignee=agent)
    reply = committed(
        services.message_add, ticket=ticket, author=agent, body="On my way."
    )
    note = committed(
        services.message_add,
        ticket=ticket,
        author=agent,
        body="Toner looks empty.",
        internal=True,
    )
    committed(
        services.ticket_change_status, ticket=ticket, actor=agent, status="solved"
    )
    committed(
        satisfaction_rate,
        ticket=ticket,
        actor=customer,
        rating="bad",
        comment="Slow.",
    )
    due = timezone.now() + timedelta(hours=1)
    sla_events = [
        TicketEvent.objects.create(
            ticket=ticket,
            kind=kind,
            old_value=due.isoformat(),
            new_value="first response",
        )
        for kind in (TicketEvent.Kind.SLA_WARNING, TicketEvent.Kind.SLA_BREACHED)
    ]
    ticket_events_recorded.send(
        sender=TicketEvent, event_ids=[event.pk for event in sla_events]
    )
    other = open_ticket(committed, customer, department, subject="Same printer")
    committed(services.ticket_merge, source=other, target=ticket, actor=agent)

    received = payloads_of(http_receiver, secret)  # every signature verifies
    types = [payload["type"] for payload in received]
    for wanted in (
        "ticket.created",
        "ticket.updated",
        "ticket.assigned",
        "ticket.status_changed",
        "message.added",
        "satisfaction.rated",
        "sla.warning",
        "sla.breached",
        "ticket.merged",
    ):
        assert wanted in types, (wanted, types)
    sequences = [payload["sequence"] for payload in received]
    assert sequences == list(range(1, len(received) + 1))
    assert len({r.headers["webhook-id"] for r in http_receiver.requests}) == len(
        received
    )
    for request, payload in zip(http_receiver.requests, received, strict=True):
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"] == "Helpdesk-Integrations/1.0"
        assert request.headers["webhook-id"].startswith("msg_")
        assert request.path == "/hook"
        assert b", " not in request.body and b'": ' not in request.body  # compact
        assert set(payload) == {"type", "timestamp", "sequence", "data"}
        assert payload["timestamp"].endswith("Z")
        assert set(payload["data"]["ticket"]) == TICKET_KEYS
        assert "actor" in payload["data"]

    by_type = {}
    for payload in received:
        by_type.setdefault(payload["type"], []).append(payload["data"])
    created = by_type["ticket.created"][0]
    assert created["ticket"]["reference"] == f"#{ticket.number}"
    assert created["ticket"]["id"] == str(ticket.pk)
    assert created["ticket"]["requester"] == {
        "id": str(customer.pk),
        "name": "Ann Lee",
        "email": customer.email,
    }
    assert created["ticket"]["department"] == {
        "id": str(department.pk),
        "name": department.name,
    }
    assert created["ticket"]["url"].endswith(f"/{ticket.number}/")
    assert created["ticket"]["url"].startswith(settings.SITE_URL)
    assert "change" not in created and "message" not in created

    assert {"field": "priority", "old": "normal", "new": "high"} in [
        data["change"] for data in by_type["ticket.updated"]
    ]
    assigned = by_type["ticket.assigned"][0]
    assert assigned["change"] == {"field": "assignee", "old": "", "new": agent.email}
    assert assigned["actor"]["email"] == agent.email
    assert {"field": "status", "old": "open", "new": "solved"} in [
        data["change"] for data in by_type["ticket.status_changed"]
    ]

    messages = {
        data["message"]["id"]: data["message"] for data in by_type["message.added"]
    }
    assert messages[str(reply.pk)]["internal"] is False
    assert messages[str(reply.pk)]["body"] == "On my way."
    assert messages[str(note.pk)]["internal"] is True
    assert messages[str(note.pk)]["author"]["email"] == agent.email

    assert by_type["satisfaction.rated"][0]["satisfaction"] == {
        "rating": "bad",
        "comment": "Slow.",
    }
    warning = by_type["sla.warning"][0]
    assert warning["sla"] == {"target": "first_response", "due_at": iso(due)}
    assert warning["actor"] is None  # the system acted
    assert by_type["sla.breached"][0]["sla"]["target"] == "first_response"
    merged = by_type["ticket.merged"][0]
    assert merged["change"] == {
        "field": "merged_into",
        "old": "",
        "new": str(ticket.number),
    }
    assert merged["ticket"]["number"] == other.number

    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {
        "delivered"
    }
    assert WebhookAttempt.objects.filter(status_code=200).count() == len(received)


def test_an_endpoint_gets_only_the_events_it_subscribed_to(
    desk, committed, http_receiver
):
    agent, customer, department, admin = desk
    endpoint = endpoint_for(
        http_receiver, admin, events=["message.added", "ticket.status_changed"]
    )
    ticket = open_ticket(committed, customer, department)
    committed(services.ticket_update, ticket=ticket, actor=agent, priority="high")
    committed(
        services.message_add,
        ticket=ticket,
        author=agent,
        body="A note.",
        internal=True,
    )

    types = [p["type"] for p in payloads_of(http_receiver, endpoint.signing_secret)]
    assert "ticket.created" not in types and "ticket.updated" not in types
    assert types.count("message.added") == 1
    assert set(types) <= {"message.added", "ticket.status_changed"}
    note = [p for p in map(body_json, http_receiver.requests) if "message" in p["data"]]
    assert note[0]["data"]["message"]["internal"] is True


def test_an_inactive_endpoint_gets_nothing_and_no_task_runs(
    desk, committed, http_receiver
):
    _agent, customer, department, admin = desk
    endpoint_for(http_receiver, admin, active=False)
    open_ticket(committed, customer, department)
    assert http_receiver.requests == []
    assert WebhookDelivery.objects.count() == 0


def test_dispatching_an_event_twice_delivers_it_once(desk, committed, http_receiver):
    _agent, customer, department, admin = desk
    endpoint_for(http_receiver, admin)
    ticket = open_ticket(committed, customer, department)
    event = TicketEvent.objects.get(ticket=ticket, kind="created")
    first = WebhookDelivery.objects.get()

    assert webhooks_dispatch(event_id=str(event.pk)) == [first]
    assert dispatch_webhook(str(event.pk)) == 0  # delivered: nothing to queue
    assert deliver_webhook(str(first.pk)) == "delivered"
    assert len(http_receiver.requests) == 1
    assert WebhookDelivery.objects.count() == 1


def test_a_receiver_failing_twice_gets_the_event_three_times(
    desk, committed, http_receiver
):
    _agent, customer, department, admin = desk
    endpoint = endpoint_for(http_receiver, admin, events=["ticket.created"])
    http_receiver.reply(Reply(status=500, body=b"boom"), Reply(status=500))

    open_ticket(committed, customer, department)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None

    # Signed at the time of the attempt: within the 5 minutes receivers allow.
    assert sweep_later(2) == 1
    assert sweep_later(4) == 1

    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert [r.headers["webhook-id"] for r in http_receiver.requests] == [
        delivery.webhook_id
    ] * 3
    assert len({r.body for r in http_receiver.requests}) == 1
    payloads_of(http_receiver, endpoint.signing_secret)  # each one verifies
    log = list(delivery.attempt_log.order_by("number"))
    assert [(a.number, a.status_code) for a in log] == [(1, 500), (2, 500), (3, 200)]
    assert log[0].response_excerpt == "boom"
    assert all(a.duration_ms >= 0 and not a.redelivery for a in log)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None  # a success clears it


def test_retry_after_of_a_429_is_honoured(desk, committed, http_receiver):
    _agent, customer, department, admin = desk
    endpoint_for(http_receiver, admin, events=["ticket.created"])
    http_receiver.reply(Reply(status=429, headers={"Retry-After": "600"}))
    before = timezone.now()

    open_ticket(committed, customer, department)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    assert delivery.next_attempt_at >= before + timedelta(seconds=600)
    assert sweep_later(5) == 0  # not due yet: the receiver asked for 10 minutes
    assert len(http_receiver.requests) == 1
    assert sweep_later(12) == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_a_redirect_is_not_followed_but_recorded_as_a_failure(
    desk, committed, http_receiver
):
    _agent, customer, department, admin = desk
    endpoint_for(http_receiver, admin, events=["ticket.created"])
    http_receiver.reply(
        Reply(status=302, headers={"Location": f"{http_receiver.url}/elsewhere"})
    )
    open_ticket(committed, customer, department)

    assert [r.path for r in http_receiver.requests] == ["/hook"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    assert delivery.attempt_log.get().status_code == 302


def test_a_delivery_is_failed_when_the_retry_window_closes(
    desk, committed, http_receiver, settings
):
    _agent, customer, department, admin = desk
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 1000  # keep the endpoint on
    endpoint_for(http_receiver, admin, events=["ticket.created"])
    http_receiver.default = Reply(status=503)
    open_ticket(committed, customer, department)

    assert sweep_later(60 * 25) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempt_log.count() == 2


def test_an_endpoint_failing_for_a_day_is_switched_off_and_admins_told(
    desk, committed, http_receiver, django_capture_on_commit_callbacks
):
    agent, customer, department, admin = desk
    endpoint = endpoint_for(http_receiver, admin)
    http_receiver.default = Reply(status=500)
    start = timezone.now()
    open_ticket(committed, customer, department)
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.failing_since is not None
    mail.outbox.clear()

    ticket = open_ticket(committed, customer, department, subject="Second")
    with (
        time_machine.travel(start + timedelta(hours=24, minutes=5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        deliver_due_webhooks()
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "24 hours" in endpoint.disabled_reason
    assert "HTTP 500" in endpoint.disabled_reason
    assert set(
        WebhookDelivery.objects.filter(endpoint=endpoint).values_list(
            "status", flat=True
        )
    ) == {"failed"}
    admins = [m for m in mail.outbox if admin.email in m.to]
    assert len(admins) == 1, [m.subject for m in mail.outbox]
    assert endpoint.url in admins[0].body or str(endpoint) in admins[0].body

    # Switched off: new events make no deliveries, and nobody is told again.
    requests = len(http_receiver.requests)
    committed(services.ticket_update, ticket=ticket, actor=agent, priority="high")
    assert len(http_receiver.requests) == requests
    assert len([m for m in mail.outbox if admin.email in m.to]) == 1


def test_a_410_gone_switches_the_endpoint_off_at_once(desk, committed, http_receiver):
    _agent, customer, department, admin = desk
    endpoint = endpoint_for(http_receiver, admin, events=["ticket.created"])
    http_receiver.reply(Reply(status=410))
    open_ticket(committed, customer, department)
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "410" in endpoint.disabled_reason
    assert WebhookDelivery.objects.get().status == "failed"


def test_private_and_loopback_urls_are_refused_unless_allowed(admin_user, settings):
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "ftp://example.com/hook",
    ):
        with pytest.raises(WebhookEndpointInvalid) as refused:
            webhook_endpoint_save(actor=admin_user, url=url)
        assert "url" in refused.value.extra, url
    assert WebhookEndpoint.objects.count() == 0


def test_a_private_address_is_not_called_even_if_stored(
    desk, committed, http_receiver, settings
):
    """An endpoint saved while its address was allowed is not called once it
    is not (the check runs again before every request)."""
    _agent, customer, department, admin = desk
    endpoint_for(http_receiver, admin, events=["ticket.created"])
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []
    open_ticket(committed, customer, department)
    assert http_receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "non-public" in attempt.error


def test_unknown_events_and_non_admins_are_refused(admin_user, agent, customer):
    with pytest.raises(WebhookEndpointInvalid):
        webhook_endpoint_save(
            actor=admin_user, url="https://hooks.example.com/x", events=["nope"]
        )
    from helpdesk.errors import PermissionDeniedError

    for user in (agent, customer, UserFactory(admin=True, is_active=False)):
        with pytest.raises(PermissionDeniedError):
            webhook_endpoint_save(actor=user, url="https://hooks.example.com/x")
    assert WebhookEndpoint.objects.count() == 0
