"""Email through a real Redis broker and real Celery workers to a real SMTP
server: asynchronous, retried while the server is down, never lost when a
worker dies mid-send, never sent twice."""

import os
import signal
import time

import pytest

from accounts.tests.factories import UserFactory
from conftest import free_port, start_smtp_server, wait_until
from notifications.models import EmailLog
from notifications.seed import seed_defaults
from notifications.tasks import send_email
from tickets import services
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def worker_env(port: int) -> dict:
    return {
        "HELPDESK_TEST_REAL_SMTP": "1",
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "EMAIL_RETRY_BASE_SECONDS": "0.5",
        "EMAIL_SEND_LEASE_SECONDS": "3",
    }


@pytest.fixture
def reply_setup(agent):
    # Transactional tests empty every table between tests, data-migration
    # rows included; put the default templates and rules back.
    seed_defaults()
    customer = UserFactory(email="async@customer.example")
    ticket = TicketFactory(department=agent.departments.get(), requester=customer)
    return agent, ticket


def reply(agent, ticket, text="Fixed on our side."):
    services.message_add(ticket=ticket, author=agent, body=text)  # commits


def test_sending_is_asynchronous(start_worker, reply_setup, mailoutbox):
    agent, ticket = reply_setup
    smtp = start_smtp_server(free_port())
    try:
        start_worker(**worker_env(smtp.port))
        reply(agent, ticket)
        # The file's first worker starts cold (imports, Django set-up): on a
        # machine running two test passes side by side that took over 30 s.
        messages = smtp.wait_for(1, timeout=90)
    finally:
        smtp.controller.stop()

    assert [m["rcpt"] for m in messages] == [["async@customer.example"]]
    assert mailoutbox == []  # this (web) process sent nothing itself
    # The server holds the message as soon as the dialogue ends; the worker
    # records "sent" a moment later, so wait for that write too.
    email = wait_until(
        lambda: EmailLog.objects.filter(status=EmailLog.Status.SENT).first()
    )
    assert email is not None, EmailLog.objects.values_list("status", flat=True)[:]
    assert messages[0]["message"]["Message-ID"] == email.message_id


def test_smtp_down_then_back_is_retried_and_delivered(start_worker, reply_setup):
    agent, ticket = reply_setup
    port = free_port()  # nothing listens here yet
    start_worker(**worker_env(port))
    reply(agent, ticket)

    failing = wait_until(
        lambda: EmailLog.objects.filter(status=EmailLog.Status.RETRYING).first()
    )
    assert failing is not None, "the send should fail while the server is down"
    assert "Connection refused" in failing.error or "Errno 111" in failing.error

    smtp = start_smtp_server(port)
    try:
        messages = smtp.wait_for(1, timeout=60)
    finally:
        smtp.controller.stop()
    assert len(messages) == 1
    email = wait_until(
        lambda: EmailLog.objects.filter(status=EmailLog.Status.SENT).first()
    )
    assert email is not None, EmailLog.objects.values_list("status", flat=True)[:]
    assert EmailLog.objects.count() == 1
    assert email.attempts >= 2


def test_a_worker_killed_mid_send_loses_no_email(start_worker, reply_setup):
    agent, ticket = reply_setup
    smtp = start_smtp_server(free_port())
    smtp.rcpt_delay = 30  # hold the first send in the middle of the SMTP dialogue
    try:
        worker = start_worker(pool="prefork", **worker_env(smtp.port))
        reply(agent, ticket)
        assert smtp.rcpt_started.wait(60), "the worker never started sending"
        children = worker.children()
        assert children, "the prefork pool has no child process"
        smtp.rcpt_delay = 0
        for pid in children:
            os.kill(pid, signal.SIGKILL)  # the process doing the send dies

        messages = smtp.wait_for(1, timeout=60)
        time.sleep(2)  # room for a duplicate to show up, if there were one
        messages = smtp.wait_for(2, timeout=0.1)
    finally:
        smtp.controller.stop()

    assert len(messages) == 1
    email = wait_until(
        lambda: EmailLog.objects.filter(status=EmailLog.Status.SENT).first()
    )
    assert email is not None, EmailLog.objects.values_list("status", flat=True)[:]
    assert EmailLog.objects.count() == 1
    assert email.attempts >= 2
    assert "WorkerLostError" in worker.log() or "worker lost" in worker.log().lower()


def test_the_same_send_task_twice_sends_one_email(start_worker, reply_setup):
    agent, ticket = reply_setup
    smtp = start_smtp_server(free_port())
    try:
        start_worker(**worker_env(smtp.port))
        reply(agent, ticket)
        smtp.wait_for(1)
        email = EmailLog.objects.get()
        results = [
            send_email.apply_async(args=[email.pk]).get(timeout=30) for _ in range(2)
        ]
        time.sleep(1)
        messages = smtp.wait_for(2, timeout=0.1)
    finally:
        smtp.controller.stop()
    assert results == ["sent", "sent"]
    assert len(messages) == 1
