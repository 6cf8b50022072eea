from celery import shared_task

from .maintenance import database_optimize


@shared_task(name="helpdesk.tasks.optimize_database")
def optimize_database() -> str:
    """Nightly: keep SQLite's planner statistics fresh. Safe to run any time."""
    return database_optimize()
