"""Celery tasks of the Teams cards (imported by ``integrations.tasks``, where
Celery looks; each task's name says ``integrations.tasks.<name>``)."""
