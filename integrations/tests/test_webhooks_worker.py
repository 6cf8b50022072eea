"""Webhooks through a real Redis broker and real Celery workers to a real
HTTP receiver: delivered after commit by a worker, retried with the same
id, and never lost when the worker dies in the middle of a delivery."""

import os
import signal

import pytest

from conftest import wait_until
from integrations.models import WebhookDelivery
from integrations.tests.receivers import Reply
from notifications.seed import seed_defaults
from tickets import services

from .webhook_helpers import endpoint_for, payloads_of

pytestmark = pytest.mark.django_db(transaction=True)


def worker_env(**extra: str) -> dict:
    return {
        "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "INTEGRATIONS_LEASE_SECONDS": "3",
        "CELERY_VISIBILITY_TIMEOUT": "4",
        **extra,
    }


def wait_for_requests(receiver, count: int, timeout: float = 60.0) -> list:
    wait_until(lambda: len(receiver.requests) >= count, timeout=timeout)
    return list(receiver.requests)


@pytest.fixture
def desk(admin_user, customer, department):
    # Transactional tests empty every table between tests: put the default
    # templates and rules back.
    seed_defaults()
    return admin_user, customer, department


def open_ticket(customer, department):
    return services.ticket_create(  # commits: the signal fires, a task is queued
        requester=customer, subject="Printer", body="Jams.", department=department
    )


def delivered():
    return WebhookDelivery.objects.filter(status="delivered").first()


def test_a_worker_delivers_a_signed_event_after_commit(
    start_worker, desk, http_receiver
):
    admin, customer, department = desk
    endpoint = endpoint_for(http_receiver, admin, events=["ticket.created"])
    http_receiver.reply(Reply(status=500))
    start_worker(**worker_env())
    ticket = open_ticket(customer, department)

    requests = wait_for_requests(http_receiver, 2)
    [first, second] = payloads_of(http_receiver, endpoint.signing_secret)[:2]
    assert first == second and first["type"] == "ticket.created"
    assert first["data"]["ticket"]["number"] == ticket.number
    assert requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"]
    delivery = wait_until(delivered)
    assert delivery is not None, WebhookDelivery.objects.values_list("status")[:]
    assert [
        (a.number, a.status_code) for a in delivery.attempt_log.order_by("number")
    ] == [(1, 500), (2, 200)]


def test_a_worker_killed_mid_delivery_loses_nothing(start_worker, desk, http_receiver):
    admin, customer, department = desk
    endpoint = endpoint_for(http_receiver, admin, events=["ticket.created"])
    # Hold the first request long enough to kill the worker waiting on it.
    http_receiver.reply(Reply(status=200, pause=30))
    env = worker_env(INTEGRATIONS_HTTP_TIMEOUT_SECONDS="60")
    worker = start_worker(pool="prefork", **env)
    open_ticket(customer, department)

    assert wait_for_requests(http_receiver, 1), "the worker never posted"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivering"
    children = worker.children()
    assert children, "the prefork pool has no child process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)  # the process waiting for the answer dies
    start_worker(**env)  # and another worker joins in

    requests = wait_for_requests(http_receiver, 2, timeout=90)
    assert len(requests) >= 2, worker.log()[-3000:]
    ids = {request.headers["webhook-id"] for request in requests}
    assert ids == {delivery.webhook_id}
    payloads_of(http_receiver, endpoint.signing_secret)  # every copy verifies
    done = wait_until(delivered)
    assert done is not None, WebhookDelivery.objects.values_list("status")[:]
    assert done.attempts >= 2
    assert done.attempt_log.filter(status_code=200).exists()
    assert WebhookDelivery.objects.count() == 1
    # The first worker reports the lost child when its pool notices, which on
    # a loaded machine can come after the second worker has delivered.
    assert wait_until(lambda: "WorkerLostError" in worker.log()), worker.log()[-3000:]
