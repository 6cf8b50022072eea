import logging

from celery import shared_task

from .backup import service, store
from .backup.errors import BackupError, BackupNotFound
from .maintenance import database_optimize

logger = logging.getLogger("helpdesk.backup")


@shared_task(name="helpdesk.tasks.optimize_database")
def optimize_database() -> str:
    """Nightly: keep SQLite's planner statistics fresh. Safe to run any time."""
    return database_optimize()


@shared_task(name="helpdesk.tasks.backup_scheduled")
def backup_scheduled() -> str:
    """Beat, every BACKUP_SCHEDULE_HOURS: a backup into the backup storage.
    ``backup_create`` keeps the newest BACKUP_KEEP and removes older ones.
    Returns the archive's name; a failure raises (and is logged by Celery),
    the next run tries again."""
    return service.backup_create().name


@shared_task(name="helpdesk.tasks.backup_job")
def backup_job(job_id: str) -> str:
    """A backup asked for in the admin or the API (``job_id`` from
    ``store.job_create``): marks the job running, makes the backup, then marks
    it done with the archive's name or failed with why. Returns the job's
    final status. Safe to run twice: a job already done or failed is left as
    it is; an unknown job is logged and skipped ("missing")."""
    try:
        job = store.job_get(job_id)
    except BackupNotFound:
        logger.warning("backup job %s: no such job", job_id)
        return "missing"
    if job["status"] in ("done", "failed"):
        return job["status"]
    store.job_update(job_id, status="running")
    try:
        result = service.backup_create()
    except BackupError as error:
        logger.warning("backup job %s failed: %s", job_id, error.message)
        store.job_update(job_id, status="failed", error=error.message)
        return "failed"
    except Exception as error:
        logger.exception("backup job %s failed", job_id)
        message = f"Unexpected error ({type(error).__name__}): {error}"
        store.job_update(job_id, status="failed", error=message)
        return "failed"
    store.job_update(job_id, status="done", archive=result.name)
    return "done"
