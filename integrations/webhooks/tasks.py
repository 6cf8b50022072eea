"""Celery tasks of the webhooks (imported by ``integrations.tasks``, where
Celery looks; each task's name says ``integrations.tasks.<name>``)."""
