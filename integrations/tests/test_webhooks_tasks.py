"""The webhook tasks take ids as text and find their rows; the receivers
queue nothing while no endpoint is on, and chunk bulk event lists."""

import contextlib
import json

import pytest

import integrations.tasks  # noqa: F401 - registers the tasks
from helpdesk.celery import app
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.webhooks import receivers
from tickets import services
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

# Nothing listens on port 9 of 127.0.0.1 here: every attempt is refused.
REFUSING_URL = "http://127.0.0.1:9/in"


@pytest.fixture
def event(customer, department):
    ticket = services.ticket_create(
        requester=customer, subject="Printer", body="Jams.", department=department
    )
    return TicketEvent.objects.get(ticket=ticket, kind="created")


def run(name: str, **kwargs):
    json.dumps(kwargs)  # what travels to a worker
    return app.tasks[name].apply(kwargs=kwargs).get()


def test_each_webhook_task_finds_its_row_by_a_text_id(event):
    WebhookEndpoint.objects.create(url=REFUSING_URL)
    assert run("integrations.tasks.dispatch_webhook", event_id=str(event.pk)) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying"
    assert "refused" in delivery.attempt_log.get().error.lower()

    # Dispatched already: made once, queued again while it is retrying.
    assert run("integrations.tasks.dispatch_webhooks", event_ids=[str(event.pk)]) == 1
    assert WebhookDelivery.objects.count() == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=delivery.created_at
    )
    answer = run("integrations.tasks.deliver_webhook", delivery_id=str(delivery.pk))
    assert answer == "retrying"
    assert delivery.attempt_log.count() == 2
    assert run("integrations.tasks.deliver_webhook", delivery_id="12345678") is None
    assert run("integrations.tasks.deliver_due_webhooks") == 0


def test_receivers_queue_nothing_without_an_active_endpoint(monkeypatch, event):
    queued = []
    monkeypatch.setattr(
        "integrations.webhooks.tasks.dispatch_webhooks.delay", queued.append
    )
    WebhookEndpoint.objects.create(url=REFUSING_URL, active=False)
    receivers.on_ticket_events(sender=TicketEvent, event_ids=[event.pk])
    assert queued == []

    WebhookEndpoint.objects.update(active=True)
    receivers.on_ticket_events(
        sender=TicketEvent, event_ids=[event.pk] * (receivers.CHUNK + 1)
    )
    assert [len(chunk) for chunk in queued] == [receivers.CHUNK, 1]
    assert all(isinstance(i, str) for chunk in queued for i in chunk)


def test_pings_are_deliveries_of_their_own_with_rising_sequences(admin_user):
    """Pings have no ticket event: the one-delivery-per-event rule must not
    refuse a second one (null is no duplicate, on MongoDB as elsewhere)."""
    from integrations.webhooks.services import webhook_ping

    endpoint = WebhookEndpoint.objects.create(url=REFUSING_URL)
    first = webhook_ping(actor=admin_user, endpoint=endpoint)
    second = webhook_ping(actor=admin_user, endpoint=endpoint)
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.webhook_id != second.webhook_id
    assert WebhookDelivery.objects.filter(event_type="webhook.ping").count() == 2


@pytest.mark.parametrize(
    ("task_name", "make"),
    [
        ("integrations.tasks.deliver_webhook", "delivery"),
        ("integrations.tasks.post_teams_card", "post"),
    ],
)
def test_a_duplicate_task_for_a_scheduled_try_ends_instead_of_requeueing(
    monkeypatch, event, task_name, make
):
    """The sweeper queues a task for a try that looks overdue while the
    queue is slow; the try's own task is still coming. Each such duplicate
    re-queued itself until the try was made, and kept doing so after it
    (the next try is then scheduled too), so the copies grew by one a
    minute. A task that finds the try scheduled further ahead now ends."""
    from datetime import timedelta

    from django.utils import timezone

    from integrations.models import TeamsConnector, TeamsPost

    later = timezone.now() + timedelta(hours=1)
    if make == "delivery":
        WebhookEndpoint.objects.create(url=REFUSING_URL)
        run("integrations.tasks.dispatch_webhook", event_id=str(event.pk))
        row = WebhookDelivery.objects.get()
        WebhookDelivery.objects.filter(pk=row.pk).update(next_attempt_at=later)
    else:
        connector = TeamsConnector(name="Ops")
        connector.webhook_url = REFUSING_URL
        connector.save()
        row = TeamsPost.objects.create(
            connector=connector, card="{}", status="retrying", next_attempt_at=later
        )
    task = app.tasks[task_name]
    queued = []
    monkeypatch.setattr(task, "apply_async", lambda *a, **k: queued.append(k))
    monkeypatch.setattr(
        task, "retry", lambda *a, **k: queued.append(k) or RuntimeError("retry")
    )

    # As a worker runs it (not eagerly).
    with contextlib.suppress(RuntimeError):
        task.run(str(row.pk))

    assert queued == []
