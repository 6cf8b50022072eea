"""The Celery application.

Configuration comes from Django settings under the ``CELERY_`` prefix: the
broker (Redis with REDIS_URL, else a folder of files) and result backend, JSON
only, late acknowledgement so a task whose worker dies is delivered again, and
time limits so none runs forever.
"""

import os
from pathlib import Path

from celery import Celery
from celery.signals import (
    celeryd_init,
    setup_logging,
    task_failure,
    task_retry,
    task_success,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.dev")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Every worker writes a heartbeat row that /readyz reads (helpdesk/health.py).
app.steps["worker"].add("helpdesk.health:WorkerHeartbeatStep")
# Tasks log with the request id of the request that queued them (logs.py).
app.steps["worker"].add("django_structlog.celery.steps:DjangoStructLogInitStep")


@setup_logging.connect
def _django_logging(**kwargs) -> None:
    """Workers and beat log through Django's LOGGING (LOG_FORMAT, LOG_LEVEL),
    as the web does, instead of Celery's own format: JSON lines in production,
    each record with the request id of the task's request."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@app.on_after_configure.connect
def _make_folders(sender: Celery, **kwargs) -> None:
    """kombu's filesystem broker needs its folders, and beat the folder of its
    schedule file, before the first message or tick; every process (web,
    worker, beat, a management command) may be the first to get here."""
    folders = []
    if sender.conf.broker_url.startswith("filesystem:"):
        options = sender.conf.broker_transport_options
        folders += [options["data_folder_in"], options["control_folder"]]
    if sender.conf.beat_schedule_filename:
        folders.append(Path(sender.conf.beat_schedule_filename).parent)
    for folder in folders:
        Path(folder).mkdir(parents=True, exist_ok=True)


@celeryd_init.connect
def _capped_filesystem_waits(conf, **kwargs) -> None:
    """In a worker only, before it connects: with the embedded broker
    ("filesystem://"), kombu's filesystem transport with each wait for
    messages capped, so the worker stops within a second (helpdesk/broker.py).
    Other processes (web, beat, ``celery inspect``, which waits its whole
    timeout for replies) keep kombu's own transport; Redis is untouched."""
    if conf.broker_url and conf.broker_url.startswith("filesystem:"):
        conf.broker_transport = "helpdesk.broker:Transport"


@task_success.connect
def _count_success(sender=None, **kwargs) -> None:
    from helpdesk.metrics import task_finished

    task_finished(getattr(sender, "name", ""), "success")


@task_failure.connect
def _count_failure(sender=None, **kwargs) -> None:
    from helpdesk.metrics import task_finished

    task_finished(getattr(sender, "name", ""), "failure")


@task_retry.connect
def _count_retry(sender=None, request=None, **kwargs) -> None:
    from helpdesk.metrics import task_finished

    task_finished(getattr(request, "task", "") or getattr(sender, "name", ""), "retry")
