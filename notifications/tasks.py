import random
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from .models import EmailLog
from .sending import TRANSIENT_ERRORS, SendLater, email_give_up, email_send
from .services import notifications_dispatch


@shared_task(
    bind=True,
    name="notifications.tasks.dispatch_ticket_event",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def dispatch_ticket_event(self, event_id: str) -> int:
    """Work out the emails for one ticket event and send each in its own task.

    Safe to run twice: the log refuses a second copy of the same email.
    Nothing queues this task by name any more (events go out in batches,
    ``dispatch_ticket_events``); it stays registered so that messages queued
    before an upgrade still run.
    """
    entries = notifications_dispatch(event_id=event_id)
    now = timezone.now()
    for entry in entries:
        if entry.status != EmailLog.Status.QUEUED:
            continue
        eta = entry.scheduled_for if entry.scheduled_for > now else None
        send_email.apply_async(args=[str(entry.pk)], eta=eta)
    return len(entries)


@shared_task(
    name="notifications.tasks.dispatch_ticket_events",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def dispatch_ticket_events(event_ids: list[str]) -> int:
    """Many events in one task (a request's or an SLA sweep batch's);
    safe to run twice."""
    return sum(dispatch_ticket_event(event_id) for event_id in event_ids)


def retry_delay(retries: int) -> float:
    """Exponential backoff with jitter, capped at an hour."""
    base = settings.EMAIL_RETRY_BASE_SECONDS * (2**retries)
    return min(3600.0, base) * random.uniform(0.8, 1.2)  # noqa: S311


@shared_task(
    bind=True,
    name="notifications.tasks.send_email",
    max_retries=None,
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_email(self, log_id: str) -> str | None:
    """Send one logged email; retried with backoff on SMTP or network errors.

    Late acknowledgement: a worker killed mid-send leaves the task to be
    delivered again, and the log's lease and status make the second run send
    only if the first did not finish.
    """
    try:
        entry = email_send(log_id=log_id)
    except SendLater as later:
        raise self.retry(countdown=max(1.0, later.seconds), exc=later) from later
    except TRANSIENT_ERRORS as error:
        if (
            self.request.is_eager
            or self.request.retries >= settings.EMAIL_SEND_MAX_RETRIES
        ):
            # No broker to retry later (eager mode), or out of attempts.
            email_give_up(log_id=log_id, error=error)
            return EmailLog.Status.FAILED
        raise self.retry(
            countdown=retry_delay(self.request.retries), exc=error
        ) from error
    return entry.status if entry else None


@shared_task(name="notifications.tasks.send_due_emails")
def send_due_emails() -> int:
    """Every minute: hand any queued email whose time has come (and whose task
    was lost, say with a restarted broker) to a sender again."""
    now = timezone.now()
    grace = now - timedelta(minutes=2)
    due = EmailLog.objects.filter(
        status__in=[EmailLog.Status.QUEUED, EmailLog.Status.RETRYING],
        scheduled_for__lte=grace,
    ).values_list("pk", flat=True)[:500]
    for log_id in due:
        send_email.delay(str(log_id))
    return len(due)
