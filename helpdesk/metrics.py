"""Prometheus metrics: the helpdesk's own, beside django-prometheus's.

django-prometheus (on with ``METRICS_ENABLED``) counts requests and their
latency by view, responses by status, and database queries by alias (its
SQLite and PostgreSQL engine wrappers; the MongoDB backend has none). This
module adds what the helpdesk does in the background:

- ``helpdesk_celery_tasks_total{task, outcome}``: tasks finished, by outcome
  (``success``, ``failure``, ``retry``), counted in the worker;
- ``helpdesk_celery_queue_length{queue}``: messages waiting in the broker,
  asked at each scrape;
- ``helpdesk_emails_total{outcome}``: outgoing emails ``sent`` or ``failed``
  (given up on, or refused for good);
- ``helpdesk_sla_breaches_total{target}``: SLA breaches recorded, by target
  (``first_response``, ``next_response``, ``resolution``).

Counters live in the process that counts. With several processes (gunicorn
workers, the Celery worker), point ``PROMETHEUS_MULTIPROC_DIR`` at one empty
folder they share: prometheus_client's multiprocess mode adds them up, and
``/metrics`` shows the sum (README, "Metrics").
"""

from __future__ import annotations

import logging

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

CELERY_TASKS = Counter(
    "helpdesk_celery_tasks",
    "Celery tasks finished, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)
EMAILS = Counter(
    "helpdesk_emails",
    "Outgoing emails by outcome: sent, or failed for good.",
    ["outcome"],
)
SLA_BREACHES = Counter(
    "helpdesk_sla_breaches",
    "SLA breaches recorded, by target.",
    ["target"],
)


def task_finished(task_name: str, outcome: str) -> None:
    CELERY_TASKS.labels(task=task_name or "unknown", outcome=outcome).inc()


def email_finished(outcome: str) -> None:
    """``outcome``: ``sent`` or ``failed``."""
    EMAILS.labels(outcome=outcome).inc()


def sla_breached(target: str, count: int = 1) -> None:
    if count:
        SLA_BREACHES.labels(target=target).inc(count)


class CeleryQueueCollector:
    """``helpdesk_celery_queue_length``: asked of the broker at each scrape
    (Redis: the list's length; the embedded broker: its files), so it is
    right whichever process answers. A broker that does not answer gives no
    sample (and ``/readyz`` names it), not a wrong zero."""

    def collect(self):
        from helpdesk.celery import app

        family = GaugeMetricFamily(
            "helpdesk_celery_queue_length",
            "Messages waiting in the broker, by queue.",
            labels=["queue"],
        )
        if app.conf.task_always_eager:
            yield family
            return
        queue = app.conf.task_default_queue
        try:
            family.add_metric([queue], queue_length(app, queue))
        except Exception:  # kombu raises the transport's own errors
            logger.warning("Queue length of %s not available", queue, exc_info=True)
        yield family


def queue_length(app, queue: str) -> int:
    """Messages waiting in ``queue``, without declaring it: a queue no
    worker ever declared (Redis answers 404 NOT_FOUND) holds none."""
    # A broker that accepts but never answers must not hold the scrape.
    timeouts = {"socket_connect_timeout": 2, "socket_timeout": 2}
    with app.connection_for_read(transport_options=timeouts) as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
        try:
            declared = connection.default_channel.queue_declare(
                queue=queue, passive=True
            )
        except Exception as error:
            if str(getattr(error, "reply_code", "")) == "404":
                return 0
            raise
    return declared.message_count


_QUEUE_REGISTRY = None


def exposition() -> tuple[bytes, str]:
    """The text of ``/metrics`` and its content type: every metric of this
    process, or of every process sharing ``PROMETHEUS_MULTIPROC_DIR``, then
    the queue lengths asked of the broker now."""
    import os

    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        generate_latest,
        multiprocess,
    )

    global _QUEUE_REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    if _QUEUE_REGISTRY is None:
        _QUEUE_REGISTRY = CollectorRegistry(auto_describe=False)
        _QUEUE_REGISTRY.register(CeleryQueueCollector())
    return generate_latest(registry) + generate_latest(_QUEUE_REGISTRY), (
        CONTENT_TYPE_LATEST
    )
