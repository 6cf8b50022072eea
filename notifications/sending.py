"""Sending a logged email: exactly once, with a lease so two workers never
both send it, retried on SMTP trouble and given up on with the error kept."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone

from helpdesk.metrics import email_finished

from .models import EmailLog

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


class SendLater(Exception):
    """Another worker holds this email's lease; try again after ``seconds``."""

    def __init__(self, seconds: float):
        super().__init__(f"leased for {seconds:.0f} more seconds")
        self.seconds = seconds


def _claim(log_id: str) -> EmailLog | None:
    """Take the email for sending, unless it is sent or another worker holds a
    live lease on it. A lease outlives a send; a worker that dies mid-send
    leaves a lease that expires, and the redelivered task takes over."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.EMAIL_SEND_LEASE_SECONDS)
    claimable = Q(status__in=[EmailLog.Status.QUEUED, EmailLog.Status.RETRYING]) | Q(
        status=EmailLog.Status.SENDING, lease_until__lt=now
    )
    taken = EmailLog.objects.filter(Q(pk=log_id) & claimable).update(
        status=EmailLog.Status.SENDING, lease_until=lease, attempts=F("attempts") + 1
    )
    return EmailLog.objects.filter(pk=log_id).first() if taken else None


def email_send(*, log_id: str) -> EmailLog | None:
    """Send one logged email, exactly once.

    Already sent: nothing happens. Leased by another worker: SendLater. SMTP or
    network trouble: the error is recorded and re-raised for the task to retry.
    Runs outside any transaction so the claim is visible to other workers.
    """
    entry = EmailLog.objects.filter(pk=log_id).first()
    if entry is None or entry.status in (EmailLog.Status.SENT, EmailLog.Status.FAILED):
        return entry
    entry = _claim(log_id)
    if entry is None:
        current = EmailLog.objects.get(pk=log_id)
        if current.status == EmailLog.Status.SENDING and current.lease_until:
            raise SendLater((current.lease_until - timezone.now()).total_seconds())
        return current
    email = EmailMultiAlternatives(
        subject=entry.subject,
        body=entry.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[entry.recipient],
        reply_to=[entry.reply_to] if entry.reply_to else None,
        headers={
            "Message-ID": entry.message_id,
            "In-Reply-To": entry.references.split()[0] if entry.references else "",
            "References": entry.references,
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "X-Helpdesk-Instance": settings.HELPDESK_INSTANCE_ID,
            **(
                {"X-Helpdesk-Ticket": str(entry.ticket.number)}
                if entry.ticket_id
                else {}
            ),
        },
    )
    if not entry.references:
        del email.extra_headers["In-Reply-To"]
        del email.extra_headers["References"]
    if entry.body_html:
        email.attach_alternative(entry.body_html, "text/html")
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages([email])
    except TRANSIENT_ERRORS as error:
        EmailLog.objects.filter(pk=entry.pk).update(
            status=EmailLog.Status.RETRYING,
            lease_until=None,
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        raise
    except Exception as error:  # a bad address or header: retrying cannot help
        log.exception("Email %s cannot be sent", entry.pk)
        EmailLog.objects.filter(pk=entry.pk).update(
            status=EmailLog.Status.FAILED,
            lease_until=None,
            error=f"Cannot be sent: {type(error).__name__}: {error}"[:2000],
        )
        email_finished("failed")
        entry.refresh_from_db()
        return entry
    EmailLog.objects.filter(pk=entry.pk).update(
        status=EmailLog.Status.SENT, sent_at=timezone.now(), lease_until=None, error=""
    )
    email_finished("sent")
    entry.refresh_from_db()
    return entry


def email_give_up(*, log_id: str, error: BaseException) -> None:
    """Out of retries: mark the email failed, with the last error, for admins."""
    entries = EmailLog.objects.filter(pk=log_id)
    reason = f"Gave up: {type(error).__name__}: {error}"[:2000]
    # One UPDATE decides whether this call failed it: two give-ups at once
    # count it once. One failed already only gets the newer reason.
    newly_failed = entries.exclude(
        status__in=(EmailLog.Status.SENT, EmailLog.Status.FAILED)
    ).update(status=EmailLog.Status.FAILED, lease_until=None, error=reason)
    if newly_failed:
        email_finished("failed")
    else:
        entries.filter(status=EmailLog.Status.FAILED).update(
            lease_until=None, error=reason
        )
    log.error("Email %s failed for good: %s", log_id, error)
