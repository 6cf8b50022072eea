from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .models import InboundEmail, Mailbox
from .services import inbound_process, inbound_process_pending, mailbox_poll


@shared_task(name="integrations.tasks.poll_mailboxes")
def poll_mailboxes() -> int:
    """Every minute (beat): poll each enabled mailbox in its own task."""
    ids = list(Mailbox.objects.filter(enabled=True).values_list("pk", flat=True))
    for mailbox_id in ids:
        poll_mailbox.delay(str(mailbox_id))
    return len(ids)


@shared_task(
    name="integrations.tasks.poll_mailbox", soft_time_limit=240, time_limit=300
)
def poll_mailbox(mailbox_id: str) -> dict:
    mailbox = Mailbox.objects.filter(pk=mailbox_id, enabled=True).first()
    if mailbox is None:
        return {"skipped": "mailbox missing or disabled"}
    return mailbox_poll(mailbox=mailbox)


@shared_task(
    name="integrations.tasks.process_inbound",
    ignore_result=True,  # the outcome is kept on each InboundEmail
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def process_inbound(inbound_ids: list[str]) -> dict[str, int]:
    """Turn stored messages (from the MTA pipe or the LMTP listener) into
    tickets and replies; the listener hands over several ids at once. Safe to
    run twice: messages no longer pending are skipped. A database that cannot
    be reached is retried with backoff; anything else is recorded on the
    message by ``inbound_process``."""
    return inbound_process_pending(inbound_ids=inbound_ids)


# Messages finished per run of ``process_stuck_inbound``, oldest first.
STUCK_BATCH = 200


@shared_task(name="integrations.tasks.process_stuck_inbound")
def process_stuck_inbound() -> int:
    """Every few minutes: process messages that were stored but never
    processed (their worker died in between). Stored means ours to finish."""
    cutoff = timezone.now() - timedelta(minutes=10)
    stuck = InboundEmail.objects.filter(
        status=InboundEmail.Status.PENDING, received_at__lte=cutoff
    ).order_by("received_at", "pk")[:STUCK_BATCH]
    for inbound in stuck:
        inbound_process(inbound=inbound)
    return len(stuck)


@shared_task(name="integrations.tasks.retry_inbound")
def retry_inbound(inbound_id: str) -> str:
    """Process a failed message again (the admin's retry action)."""
    inbound = InboundEmail.objects.get(pk=inbound_id)
    if inbound.status != InboundEmail.Status.FAILED:
        return inbound.status
    return inbound_process(inbound=inbound).status


# Teams cards and webhooks keep their tasks beside their services; importing
# them here registers them wherever Celery imports this module.
from .teams.tasks import *  # noqa: E402, F403
from .webhooks.tasks import *  # noqa: E402, F403
