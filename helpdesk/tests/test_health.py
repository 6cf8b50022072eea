"""``/healthz`` and ``/readyz``: what a load balancer or orchestrator sees."""

import json
import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import django_process
from helpdesk.celery import app as celery_app
from helpdesk.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

CHECKS = {"database", "cache", "broker", "storage", "worker"}


@pytest.fixture(autouse=True)
def _fresh_answers(settings):
    """Every request runs the checks (production keeps an answer 2 s)."""
    settings.HEALTH_CHECK_CACHE_SECONDS = 0


@pytest.fixture
def with_worker_expected(monkeypatch):
    """Tasks go to a broker and a worker, as in every deployment (the test
    settings otherwise run them in-process)."""
    monkeypatch.setattr(celery_app.conf, "task_always_eager", False)


def test_liveness_answers_without_a_known_host_or_https(client, settings):
    """A probe sends the pod's address as Host and speaks plain HTTP."""
    settings.ALLOWED_HOSTS = ["helpdesk.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    # Everything else is still refused for that host.
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_readiness_without_a_worker_in_eager_mode_skips_broker_and_worker(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    for name in ("database", "cache", "storage"):
        assert body["checks"][name]["status"] == "ok"
        assert body["checks"][name]["duration_ms"] >= 0
    assert body["checks"]["worker"]["status"] == "skipped"
    assert body["checks"]["broker"]["status"] == "skipped"


@pytest.mark.usefixtures("transactional_db")
def test_readiness_needs_a_recent_worker_heartbeat(client, with_worker_expected):
    WorkerHeartbeat.objects.create(
        hostname="celery@old", seen_at=timezone.now() - timedelta(seconds=61)
    )

    stale = client.get("/readyz")

    assert stale.status_code == 503
    body = stale.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["worker"]["status"] == "failing"
    assert "60 s" in body["checks"]["worker"]["error"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "ok"

    WorkerHeartbeat.objects.create(hostname="celery@new", seen_at=timezone.now())
    fresh = client.get("/readyz")

    assert fresh.status_code == 200
    assert fresh.json()["checks"]["worker"]["status"] == "ok"


def test_only_get_and_head_are_answered_by_the_probe(client):
    assert client.head("/readyz").status_code == 200
    assert client.post("/healthz").status_code == 404


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _readyz_in_a_process(**env: str) -> tuple[int, dict, str]:
    """``GET /readyz`` in a fresh process whose settings point where told:
    the settings of a broken deployment, not a patched object."""
    out = django_process(
        "r = Client().get('/readyz'); print(r.status_code); print(r.content.decode())",
        timeout=60,
        **{
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "HEALTH_CHECK_TIMEOUT_SECONDS": "2",
            **env,
        },
    )
    status, body = out.strip().split("\n", 1)
    return int(status), json.loads(body), body


@pytest.mark.usefixtures("transactional_db")
def test_readiness_names_the_database_when_it_is_down():
    port = _closed_port()
    status, body, raw = _readyz_in_a_process(
        DATABASE_URL=f"postgres://helpdesk:s3cret-pw@127.0.0.1:{port}/helpdesk",
        HELPDESK_TEST_DB_NAME="helpdesk",
        REDIS_URL="",
    )

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "status": "failing",
        "duration_ms": body["checks"]["database"]["duration_ms"],
        "error": "The database does not answer.",
    }
    assert body["checks"]["cache"]["status"] == "ok"
    # No secret, host or port of the deployment in what anyone may read.
    assert "s3cret-pw" not in raw
    assert str(port) not in raw


@pytest.mark.usefixtures("transactional_db")
def test_readiness_names_the_broker_when_it_is_down():
    port = _closed_port()
    status, body, raw = _readyz_in_a_process(
        REDIS_URL=f"redis://:s3cret-pw@127.0.0.1:{port}/0"
    )

    assert status == 503
    assert body["checks"]["broker"]["status"] == "failing"
    assert body["checks"]["broker"]["error"] == "The broker does not answer."
    assert body["checks"]["database"]["status"] == "ok"
    assert "s3cret-pw" not in raw
    assert str(port) not in raw


def test_a_real_worker_keeps_readiness_up_and_takes_it_down_when_it_stops(
    start_worker, client
):
    worker = start_worker(WORKER_HEARTBEAT_SECONDS="1")
    deadline = time.monotonic() + 60
    while not WorkerHeartbeat.objects.filter(hostname__startswith=start_worker.queue):
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.2)
    first = WorkerHeartbeat.objects.get(hostname__startswith=start_worker.queue)

    assert client.get("/readyz").json()["checks"]["worker"]["status"] == "ok"
    # It keeps beating.
    deadline = time.monotonic() + 30
    while WorkerHeartbeat.objects.get(pk=first.pk).seen_at == first.seen_at:
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.2)

    worker.stop()

    assert not WorkerHeartbeat.objects.filter(pk=first.pk).exists()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["status"] == "failing"


def test_a_stalled_redis_fails_the_cache_and_broker_checks_without_holding_on(
    silent_port, tmp_path
):
    """Redis accepts and never answers: the checks time out and name it; the
    answer comes (the process would otherwise wait for good). The
    development settings, whose cache is Redis when REDIS_URL is set (the
    test settings' is always in memory)."""
    status, body, raw = _readyz_in_a_process(
        DJANGO_SETTINGS_MODULE="helpdesk.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        REDIS_URL=f"redis://127.0.0.1:{silent_port}/0",
        HEALTH_CHECK_TIMEOUT_SECONDS="1",
        REDIS_SOCKET_TIMEOUT_SECONDS="1",
    )

    assert status == 503
    # Redis's socket timeout or the check's own, whichever comes first.
    assert body["checks"]["cache"]["status"] == "failing"
    assert body["checks"]["cache"]["error"] in (
        "The cache does not answer.",
        "Timed out after 1 seconds",
    )
    assert body["checks"]["broker"]["status"] == "failing"
    assert str(silent_port) not in raw


def test_one_answer_serves_the_probes_of_the_next_seconds(client, settings):
    settings.HEALTH_CHECK_CACHE_SECONDS = 60
    first = client.get("/readyz").json()

    WorkerHeartbeat.objects.create(hostname="celery@late", seen_at=timezone.now())
    again = client.get("/readyz").json()

    assert again == first  # the same round of checks, not a new one
