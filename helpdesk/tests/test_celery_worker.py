"""A real Celery worker, over a real Redis, writing to the test database."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
import redis
from celery.result import EagerResult
from django.conf import settings
from django.db import connection
from django.utils import timezone

from helpdesk.celery import app as celery_app
from tickets.models import Ticket
from tickets.tasks import close_solved_tickets
from tickets.tests.factories import TicketFactory


def redis_problem() -> str | None:
    """Why the real-worker tests cannot run here, or None when they can."""
    url = settings.REDIS_URL
    if not url:
        return "REDIS_URL is not set; CI sets it to run the real Celery worker"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at {url} is unreachable ({error})"
    return None


@pytest.fixture
def celery_worker(transactional_db, monkeypatch, tmp_path):
    """Start a worker process on a queue of its own; yield the queue name.

    The worker opens the database this test run created (its name travels in
    HELPDESK_TEST_DB_NAME) and listens only on a fresh queue, so no other
    worker on the machine can take the test's tasks.
    """
    problem = redis_problem()
    if problem and os.environ.get("HELPDESK_REQUIRE_SERVICES"):
        pytest.fail(f"{problem}, but HELPDESK_REQUIRE_SERVICES is set")
    if problem:
        pytest.skip(problem)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test",
        "HELPDESK_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "REDIS_URL": settings.REDIS_URL,
    }
    with log_path.open("w") as log:
        worker = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "helpdesk",
                "worker",
                "--queues",
                queue,
                "--pool",
                "solo",
                "--hostname",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)
    try:
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        print(f"--- worker log ---\n{log_path.read_text()[-3000:]}")


def test_real_worker_runs_a_task_against_the_test_database(celery_worker):
    old = timezone.now() - timedelta(days=settings.TICKET_AUTO_CLOSE_DAYS + 1)
    ticket = TicketFactory(solved=True, solved_at=old)

    result = close_solved_tickets.apply_async(queue=celery_worker)

    assert result.get(timeout=60) == 1
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    assert ticket.events.get().actor is None
    # It ran in the worker process, not eagerly in this one.
    assert not isinstance(result, EagerResult)
