"""Outgoing webhooks: signed (Standard Webhooks), delivered at least once by
Celery after commit, each attempt logged."""
