from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    """Base for every domain model: when a row was created and last changed.

    ``created_at`` takes a default rather than ``auto_now_add`` so imports and
    demo data can keep the original time of an old ticket.
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker said it was alive (``/readyz``).

    Keyed by the worker's node name (``celery@host``): one row per worker,
    rewritten every ``WORKER_HEARTBEAT_SECONDS`` by the worker itself
    (``helpdesk.health.WorkerHeartbeatStep``) and removed when it stops.
    Stored in the database, which every process shares, rather than in the
    cache, which is per process without Redis.
    """

    hostname = models.CharField(max_length=255, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
