"""Health endpoints for load balancers and orchestrators.

- ``/healthz`` (liveness): the process answers; nothing else is touched, so a
  database outage does not get every web process restarted.
- ``/readyz`` (readiness): the database, the cache, the broker and the
  attachment storage answer, and a Celery worker has sent a heartbeat in the
  last ``HEALTH_WORKER_MAX_AGE_SECONDS``. 200 when all pass, else 503.

Both answer JSON, need no authentication and say nothing secret: a failing
check gives a fixed sentence, never the exception's text (which can hold a
host or a password); the full error goes to the log. They are answered by
``ProbeAndScrapeMiddleware``, first in the chain, so a probe that sends the
pod's address as its Host, or plain HTTP behind ``SECURE_SSL_REDIRECT``, is
not refused or redirected, and no session or login machinery runs.

The checks are django-health-check's ``HealthCheck`` classes (each timed, with
a timeout, run side by side in threads of their own); the library's Storage
check is used as it is. The database check is ours because the library's
sends a raw ``SELECT 1``, which MongoDB does not speak; the cache check is
ours because the library's is asynchronous, and Django runs an async cache
call in the request's own thread, where a stalled Redis would hold the
request past the timeout. Every network call also has a socket timeout, so
an abandoned check's thread ends too. The last answer is kept for
``HEALTH_CHECK_CACHE_SECONDS`` per process: probes arriving together, or an
anonymous caller repeating them, cost one round of checks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from asgiref.sync import async_to_sync
from celery import bootsteps
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from health_check.base import HealthCheck, HealthCheckResult
from health_check.checks import Storage
from health_check.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"


def _timeout() -> timedelta:
    return timedelta(seconds=settings.HEALTH_CHECK_TIMEOUT_SECONDS)


@dataclasses.dataclass
class Database(HealthCheck):
    """One ORM read on the ``default`` connection, in the checking thread's
    own connection, closed afterwards (the check runs in a pool thread)."""

    alias: str = "default"

    def run(self) -> None:
        from django.contrib.contenttypes.models import ContentType

        try:
            ContentType.objects.using(self.alias).exists()
        except DatabaseError as error:
            raise ServiceUnavailable("The database does not answer.") from error
        finally:
            connections[self.alias].close()


@dataclasses.dataclass
class Cache(HealthCheck):
    """The default cache stores, returns and deletes a key of its own."""

    def run(self) -> None:
        from django.core.cache import cache

        key = f"helpdesk-readyz:{uuid.uuid4().hex}"
        try:
            cache.set(key, "ok", timeout=30)
            answered = cache.get(key)
            cache.delete(key)
        except Exception as error:  # each backend raises its own errors
            raise ServiceUnavailable("The cache does not answer.") from error
        if answered != "ok":
            raise ServiceUnavailable("The cache does not keep what it is given.")


@dataclasses.dataclass
class Broker(HealthCheck):
    """Celery's broker accepts a connection (Redis answers its PING; the
    embedded broker's folders exist and are writable)."""

    def run(self) -> None:
        from helpdesk.celery import app

        url = app.conf.broker_url or ""
        if url.startswith("filesystem:"):
            options = app.conf.broker_transport_options
            for folder in (options["data_folder_in"], options["control_folder"]):
                if not os.access(folder, os.W_OK):
                    raise ServiceUnavailable("The broker's folder is not writable.")
            return
        seconds = self.timeout.total_seconds()
        try:
            with app.connection_for_write(
                transport_options={
                    "socket_connect_timeout": seconds,
                    "socket_timeout": seconds,
                }
            ) as connection:
                connection.ensure_connection(max_retries=1, timeout=seconds)
        except Exception as error:  # kombu raises the transport's own errors
            raise ServiceUnavailable("The broker does not answer.") from error


@dataclasses.dataclass
class Worker(HealthCheck):
    """A Celery worker wrote its heartbeat within the allowed age."""

    def run(self) -> None:
        from helpdesk.models import WorkerHeartbeat

        max_age = settings.HEALTH_WORKER_MAX_AGE_SECONDS
        since = timezone.now() - timedelta(seconds=max_age)
        try:
            alive = WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()
        except DatabaseError as error:
            raise ServiceUnavailable(
                "Worker heartbeats cannot be read: the database does not answer."
            ) from error
        finally:
            connections["default"].close()
        if not alive:
            raise ServiceUnavailable(
                f"No Celery worker has sent a heartbeat in the last {max_age} s."
            )


# Checks not run when tasks run in-process (the test settings' eager mode):
# there is no broker or worker to ask.
EAGER_SKIPPED = ("broker", "worker")


def readiness_checks() -> dict[str, HealthCheck]:
    """The named checks behind ``/readyz``, each with the configured timeout."""
    from helpdesk.celery import app

    timeout = _timeout()
    checks = {
        "database": Database(),
        "cache": Cache(),
        "broker": Broker(),
        "storage": Storage(alias="private"),
        "worker": Worker(),
    }
    if app.conf.task_always_eager:
        for name in EAGER_SKIPPED:
            del checks[name]
    for check in checks.values():
        check.timeout = timeout
    return checks


def _outcome(result: HealthCheckResult) -> dict:
    outcome: dict = {"status": "ok", "duration_ms": round(result.time_taken * 1000, 1)}
    if result.error is not None:
        outcome.update(status="failing", error=result.error.message)
    return outcome


async def _run_all(checks: dict[str, HealthCheck], executor) -> list:
    return await asyncio.gather(
        *(check.get_result(executor) for check in checks.values())
    )


def readiness() -> tuple[bool, dict]:
    """Run every readiness check side by side.

    Returns ``(ready, body)`` where ``body`` is ``{"status": "ok" |
    "unavailable", "checks": {name: {"status": "ok" | "failing" | "skipped",
    "duration_ms": float, "error" | "detail": str}}}``. A check that takes
    longer than ``HEALTH_CHECK_TIMEOUT_SECONDS`` (+1 s, the library's grace)
    fails as timed out; its thread is abandoned, not waited for.
    """
    global _last
    keep = settings.HEALTH_CHECK_CACHE_SECONDS
    if keep > 0 and _last is not None and time.monotonic() - _last[0] < keep:
        return _last[1]
    checks = readiness_checks()
    executor = ThreadPoolExecutor(max_workers=len(checks))
    try:
        results = async_to_sync(_run_all)(checks, executor)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    outcomes = {name: _outcome(r) for name, r in zip(checks, results, strict=True)}
    for name in EAGER_SKIPPED:
        outcomes.setdefault(
            name, {"status": "skipped", "detail": "Tasks run in-process (eager)."}
        )
    ready = all(o["status"] != "failing" for o in outcomes.values())
    answer = ready, {"status": "ok" if ready else "unavailable", "checks": outcomes}
    _last = (time.monotonic(), answer)
    return answer


# The last readiness answer of this process: (monotonic time, answer).
_last: tuple[float, tuple[bool, dict]] | None = None


def _json(body: dict, status: int) -> HttpResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


def liveness_view(request: HttpRequest) -> HttpResponse:
    """``GET /healthz``: 200 ``{"status": "ok"}`` while the process serves."""
    return _json({"status": "ok"}, 200)


def readiness_view(request: HttpRequest) -> HttpResponse:
    """``GET /readyz``: 200 when every check passes, else 503 naming the
    failing checks (see ``readiness``)."""
    ready, body = readiness()
    if not ready:
        failing = [n for n, o in body["checks"].items() if o["status"] == "failing"]
        logger.warning("Not ready: %s", ", ".join(failing))
    return _json(body, 200 if ready else 503)


class ProbeAndScrapeMiddleware:
    """Answers ``GET``/``HEAD`` on the probe paths, and on the metrics path
    (``METRICS_PATH``), before anything else runs: host validation, the
    HTTPS redirect, sessions, sign-in. A probe sends the pod's address as its
    host and Prometheus scrapes over plain HTTP from inside; the metrics view
    guards itself by address (``helpdesk.views.metrics``)."""

    def __init__(self, get_response):
        self.get_response = get_response
        from helpdesk import views

        self.views = {
            LIVENESS_PATH: liveness_view,
            READINESS_PATH: readiness_view,
            "/" + settings.METRICS_PATH.strip("/"): views.metrics,
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self.views.get(request.path_info.rstrip("/") or "/")
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        try:
            return view(request)
        except Http404:
            return self.get_response(request)


# --- The worker's side --------------------------------------------------------


def worker_heartbeat_record(hostname: str) -> None:
    """Write this worker's heartbeat row (``seen_at`` = now); a database
    error is logged, not raised: the next beat tries again."""
    from helpdesk.models import WorkerHeartbeat

    now = timezone.now()
    try:
        if not WorkerHeartbeat.objects.filter(pk=hostname).update(seen_at=now):
            try:
                WorkerHeartbeat.objects.create(hostname=hostname, seen_at=now)
            except IntegrityError:  # another process of the same name was first
                WorkerHeartbeat.objects.filter(pk=hostname).update(seen_at=now)
    except DatabaseError:
        logger.warning("Could not record the worker heartbeat", exc_info=True)
    finally:
        connections["default"].close()


def worker_heartbeat_forget(hostname: str) -> None:
    """Remove a stopping worker's row, so readiness fails as soon as the last
    worker is gone rather than a minute later."""
    from helpdesk.models import WorkerHeartbeat

    try:
        WorkerHeartbeat.objects.filter(pk=hostname).delete()
    except DatabaseError:
        logger.warning("Could not remove the worker heartbeat", exc_info=True)
    finally:
        connections["default"].close()


class WorkerHeartbeatStep(bootsteps.StartStopStep):
    """Celery worker bootstep: a heartbeat row now and every
    ``WORKER_HEARTBEAT_SECONDS`` on the worker's timer. Independent of
    Celery's own event heartbeats, which ``--without-heartbeat`` turns off
    and which only a listener on the broker would see."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.timer_entry = None

    def start(self, worker) -> None:
        worker_heartbeat_record(worker.hostname)
        self.timer_entry = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS,
            worker_heartbeat_record,
            (worker.hostname,),
        )

    def stop(self, worker) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None
        worker_heartbeat_forget(worker.hostname)
