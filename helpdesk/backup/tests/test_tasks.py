"""The backup tasks: the scheduled one, and the job the admin and the API
queue (marked running, then done or failed; safe to run twice).

``backup_calls`` (conftest.py) records the calls of the real
``backup_create``."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from accounts.tests.factories import UserFactory
from helpdesk.backup import service, store
from helpdesk.backup.errors import BackupError
from helpdesk.celery import app
from helpdesk.tasks import backup_job, backup_scheduled

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    return store.job_create(requested_by=UserFactory(admin=True))


def test_beat_runs_the_scheduled_backup_task():
    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["backup"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.BACKUP_SCHEDULE_HOURS * 3600


def test_the_scheduled_backup_lands_in_the_storage(backup_calls):
    name = backup_scheduled.delay().get()
    assert [entry.name for entry in store.archive_list()] == [name]
    assert backup_calls == [{}]  # the settings decide passphrase and compression


def test_a_job_runs_the_backup_and_names_its_archive(job, backup_calls):
    assert backup_job.delay(job["id"]).get() == "done"

    finished = store.job_get(job["id"])
    assert finished["status"] == "done"
    assert finished["error"] == ""
    assert finished["finished_at"] is not None
    assert [entry.name for entry in store.archive_list()] == [finished["archive"]]


def test_the_job_is_running_while_the_backup_is_made(job, monkeypatch):
    seen = []

    def create(**kwargs):
        seen.append(store.job_get(job["id"])["status"])
        raise BackupError("Disk full.")

    monkeypatch.setattr(service, "backup_create", create)
    backup_job(job["id"])
    assert seen == ["running"]


def test_a_job_run_twice_makes_one_backup(job, backup_calls):
    backup_job(job["id"])
    first = store.job_get(job["id"])

    assert backup_job(job["id"]) == "done"

    assert len(backup_calls) == 1
    assert store.job_get(job["id"]) == first
    assert len(store.archive_list()) == 1


def test_a_refused_backup_fails_the_job_with_its_reason(job, monkeypatch):
    calls = []

    def create(**kwargs):
        calls.append(kwargs)
        raise BackupError("The backup storage is full.")

    monkeypatch.setattr(service, "backup_create", create)
    assert backup_job(job["id"]) == "failed"
    failed = store.job_get(job["id"])
    assert failed["status"] == "failed"
    assert failed["error"] == "The backup storage is full."
    assert failed["archive"] is None
    assert failed["finished_at"] is not None

    assert backup_job(job["id"]) == "failed"  # a failed job is left alone
    assert len(calls) == 1


def test_an_unexpected_error_fails_the_job_too(job, monkeypatch):
    def create(**kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(service, "backup_create", create)
    assert backup_job(job["id"]) == "failed"
    error = store.job_get(job["id"])["error"]
    assert "OSError" in error and "No space left on device" in error


def test_an_unknown_job_is_skipped(backup_calls):
    assert backup_job("0" * 32) == "missing"
    assert backup_job("../../etc") == "missing"
    assert backup_calls == []


@pytest.mark.parametrize(("hours", "scheduled"), [("0", "None"), ("6", "21600.0")])
def test_the_schedule_follows_backup_schedule_hours(tmp_path, hours, scheduled):
    """BACKUP_SCHEDULE_HOURS sets beat's interval; 0 takes the entry out."""
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "shell",
            "-c",
            "from django.conf import settings as s; "
            "print(s.CELERY_BEAT_SCHEDULE.get('backup', {}).get('schedule'))",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings.dev",
            "DJANGO_ENV_FILE": os.devnull,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            "BACKUP_SCHEDULE_HOURS": hours,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == scheduled
