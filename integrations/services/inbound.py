"""Turning a received email into a ticket or a reply, without ever losing it.

The raw message is stored first. Processing then decides, in this order:
our own mail, auto-replies, bounces and bulk mail are ignored (and kept);
a reply is matched to its ticket by In-Reply-To/References against the
Message-IDs we sent and received, then by the [#1042] token in the subject,
but only when the sender may see that ticket; anything else opens a new
ticket. Every outcome, including failures, is recorded on the InboundEmail.

Who sent it is judged from the Authentication-Results of the mail servers we
trust (``integrations.authentication``); the verdict is kept on the inbound
record and the message, and agents see "Sender not verified" on messages
without a pass. A reply that fails, or any mail from an agent's address that
fails, is suspended instead (the Zendesk pattern): it touches no ticket until
an agent accepts it (``integrations.services.suspended``). A new request that
fails is still opened, marked, since nobody else's conversation is at stake.

What an email's message is made of (the body within the cap, the files
within the limits, the agent note) is ``integrations.services.content``.
"""

import logging
import traceback
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User, normalize_email_address
from accounts.services import customer_get_or_create
from helpdesk.commit_hooks import on_commit_robust
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError
from notifications.models import EmailLog
from notifications.services import email_queue, thread_root_id
from organizations.models import Department
from tickets import permissions, services
from tickets.models import Message, Ticket

from ..authentication import sender_check
from ..models import InboundEmail, Mailbox
from ..parsing import ParsedEmail, mime_parts_at_most, parse_email
from .content import email_content, message_complete
from .holds import hold_reason
from .matching import ticket_answered

log = logging.getLogger(__name__)
Status = InboundEmail.Status
Verdict = Message.SenderVerification


def inbound_store(
    *, raw: bytes, source: str, mailbox: Mailbox | None = None
) -> InboundEmail:
    """Keep the raw bytes before anything else can go wrong."""
    inbound = InboundEmail(source=source, mailbox=mailbox, size=len(raw))
    inbound.raw.save("message.eml", ContentFile(raw), save=False)
    inbound.save()
    return inbound


def inbound_receive(
    *, raw: bytes, source: str, mailbox: Mailbox | None = None
) -> InboundEmail:
    """Store, then process. Processing problems never raise from here."""
    return inbound_process(
        inbound=inbound_store(raw=raw, source=source, mailbox=mailbox)
    )


def inbound_enqueue(*, inbound_ids: list[str]) -> None:
    """Hand stored messages to the worker (``integrations.tasks.process_inbound``)
    once the transaction that stored them commits (at once outside one).

    A broker that cannot be reached is logged, not raised: the messages are
    stored, so they are ours, and ``process_stuck_inbound`` finishes whatever
    was never queued."""
    from ..tasks import process_inbound

    ids = [str(pk) for pk in inbound_ids]
    if ids:
        on_commit_robust("inbound_enqueue", lambda: process_inbound.delay(ids))


def inbound_queue(
    *, raw: bytes, source: str, mailbox: Mailbox | None = None
) -> InboundEmail:
    """Store the raw message, then queue its processing for the worker: what
    the MTA pipe and the LMTP listener do. Raises whatever storing raised (the
    caller answers "try again later"); nothing about processing raises here."""
    inbound = inbound_store(raw=raw, source=source, mailbox=mailbox)
    inbound_enqueue(inbound_ids=[inbound.pk])
    return inbound


def inbound_process_pending(*, inbound_ids: list[str]) -> dict[str, int]:
    """Process the stored messages among ``inbound_ids`` that still wait, in
    the order they arrived; return how many ended in each status.

    Safe to run twice: a message already processed (or failed, suspended...)
    is left alone, so a task delivered again does nothing new. One query
    loads the batch; each message then runs in its own transaction, so one
    failure never undoes another."""
    counts: dict[str, int] = {}
    pending = (
        InboundEmail.objects.filter(pk__in=list(inbound_ids), status=Status.PENDING)
        .select_related("mailbox")
        .order_by("received_at", "pk")
    )
    for inbound in pending:
        status = inbound_process(inbound=inbound).status
        counts[status] = counts.get(status, 0) + 1
    return counts


def _finish(inbound: InboundEmail, status: str, outcome: str, **fields) -> InboundEmail:
    inbound.status = status
    inbound.outcome = outcome[:500]
    inbound.processed_at = timezone.now()
    for name, value in fields.items():
        setattr(inbound, name, value)
    inbound.save()
    return inbound


def inbound_process(*, inbound: InboundEmail) -> InboundEmail:
    """Process a stored message (again, for a retry). Records the outcome or
    the error on the row; the raw message is kept whatever happens."""
    if inbound.message_id is not None:
        # It already produced its message (a later step failed): never twice.
        return _finish(
            inbound, Status.PROCESSED, inbound.outcome or "Already processed"
        )
    inbound.attempts += 1
    inbound.error = ""
    try:
        raw = inbound.raw.open("rb").read()
        inbound.raw.close()
        if len(raw) > settings.INBOUND_MAX_BYTES:
            return _finish(
                inbound,
                Status.FAILED,
                "Too large to process",
                error=f"The message is {len(raw)} bytes; INBOUND_MAX_BYTES is "
                f"{settings.INBOUND_MAX_BYTES}.",
            )
        parts = mime_parts_at_most(raw, settings.INBOUND_MAX_PARTS)
        if parts > settings.INBOUND_MAX_PARTS:
            return _finish(
                inbound,
                Status.FAILED,
                "Too many parts to process",
                error=f"The message has more than {settings.INBOUND_MAX_PARTS} MIME "
                "parts (INBOUND_MAX_PARTS); it is kept, not turned into a ticket.",
            )
        parsed = parse_email(raw)
        inbound.email_message_id = parsed.message_id[:998]
        inbound.from_address = parsed.from_address[:998]
        inbound.subject = parsed.subject[:998]
        # Decorated, not a with-block: MongoDB may run the routing again
        # whole after a write conflict (helpdesk.db.atomic).
        return atomic(_route)(inbound, parsed)
    except RecursionError:
        return _finish(
            inbound,
            Status.FAILED,
            "Too deeply nested to process",
            error="The message's MIME parts are nested too deeply to read; it is "
            "kept, not turned into a ticket.",
        )
    except Exception as error:  # the poller must never crash on one message
        log.exception("Inbound email %s failed", inbound.pk)
        return _finish(
            inbound,
            Status.FAILED,
            f"Failed: {type(error).__name__}",
            error="".join(traceback.format_exception_only(error)).strip()
            + "\n\n"
            + traceback.format_exc()[-3000:],
        )


def _route(inbound: InboundEmail, parsed: ParsedEmail) -> InboundEmail:
    if parsed.instance_id and parsed.instance_id == settings.HELPDESK_INSTANCE_ID:
        return _finish(inbound, Status.IGNORED, "Ignored: our own outgoing mail")
    if parsed.automatic:
        bounced = EmailLog.objects.filter(message_id__in=parsed.bounced_message_ids)
        count = bounced.update(
            status=EmailLog.Status.FAILED, error=f"Bounced: {parsed.subject}"[:2000]
        )
        note = f"; marked {count} sent email(s) as bounced" if count else ""
        return _finish(inbound, Status.IGNORED, f"Ignored: {parsed.automatic}{note}")
    if not parsed.from_address or "@" not in parsed.from_address:
        return _finish(
            inbound,
            Status.FAILED,
            "No sender",
            error="The message has no From address.",
        )
    duplicate = (
        InboundEmail.objects.filter(
            email_message_id=parsed.message_id,
            status__in=[Status.PROCESSED, Status.SUSPENDED, Status.REJECTED],
        )
        .exclude(pk=inbound.pk)
        .first()
        if parsed.message_id
        else None
    )
    if duplicate is not None:
        return _finish(
            inbound,
            Status.IGNORED,
            f"Ignored: the same message was {duplicate.get_status_display().lower()}"
            f" as inbound #{duplicate.pk}",
            ticket=duplicate.ticket,
        )

    check = sender_check(
        result_runs=parsed.authentication_results_runs,
        from_address=parsed.from_address,
        from_count=parsed.from_count,
        trusted_ids=settings.INBOUND_TRUSTED_AUTHSERV_IDS,
    )
    inbound.sender_verification = check.verdict
    inbound.authentication_detail = check.detail[:500]
    sender = User.objects.filter(
        email=normalize_email_address(parsed.from_address)
    ).first()
    if sender is not None and not sender.is_active:
        return _finish(
            inbound,
            Status.FAILED,
            "Sender's account is deactivated",
            error=f"{sender.email} is deactivated; nothing was added.",
        )
    ticket = ticket_answered(parsed, sender) if sender is not None else None
    held = hold_reason(
        inbound=inbound, parsed=parsed, check=check, sender=sender, ticket=ticket
    )
    if held is not None:
        return _finish(inbound, Status.SUSPENDED, held, ticket=ticket)
    if sender is None:
        if not settings.INBOUND_CREATE_CUSTOMERS:
            if check.verdict == Verdict.FAILED:
                # Never answer a forged address: its owner did not write.
                return _finish(
                    inbound,
                    Status.IGNORED,
                    "Refused: unknown sender (not told: the sender failed "
                    "authentication)",
                )
            _refuse(parsed)
            return _finish(
                inbound, Status.IGNORED, "Refused: unknown sender (politely told so)"
            )
        sender, _ = customer_get_or_create(
            email=parsed.from_address, full_name=parsed.from_name
        )

    content = email_content(parsed, sender, reply=ticket is not None)
    if ticket is not None:
        return _append(inbound, parsed, ticket, sender, content, check)
    new = services.ticket_create(
        requester=sender,
        subject=parsed.subject.strip() or "(no subject)",
        body=content.body,
        channel=Ticket.Channel.EMAIL,
        department=_department_for(inbound, parsed),
        attachments=content.uploads,
        email_message_id=parsed.message_id,
    )
    first = new.opening_message
    message_complete(first, inbound, content, check, refused=new.rejected_attachments)
    return _finish(
        inbound,
        Status.PROCESSED,
        f"Opened {new.reference}"
        + _refused_files(new.rejected_attachments)
        + content.outcome_note(),
        ticket=new,
        message=first,
    )


def _agent_proved(parsed: ParsedEmail, sender: User) -> bool:
    """Does this mail answer one we sent to this agent? Our Message-IDs are
    random, so quoting one is proof the sender read that agent's mail; a From
    header alone proves nothing."""
    ids = parsed.thread_ids
    return (
        bool(ids)
        and EmailLog.objects.filter(message_id__in=ids, recipient=sender.email).exists()
    )


def _append(inbound, parsed, ticket, sender, content, check) -> InboundEmail:
    """Add the mail to the ticket. Failures are caught outside a savepoint so
    the reason, not a broken transaction, is what gets recorded."""
    try:
        with atomic():
            message = _add(parsed, ticket, sender, content.body, content.uploads)
            message_complete(
                message, inbound, content, check, refused=message.rejected_attachments
            )
    except ApplicationError as error:
        return _finish(
            inbound,
            Status.FAILED,
            f"Could not add to {ticket.reference}",
            error=error.message,
            ticket=ticket,
        )
    landed = message.ticket
    outcome = _landing(ticket, message)
    if inbound.reviewed_by_id is not None:
        outcome += f" (accepted by {inbound.reviewed_by.display_name})"
    return _finish(
        inbound,
        Status.PROCESSED,
        outcome + _refused_files(message.rejected_attachments) + content.outcome_note(),
        ticket=landed,
        message=message,
    )


def _landing(ticket: Ticket, message: Message) -> str:
    """Where the mail to ``ticket`` ended up, for the inbound record. A merged
    ticket's mail lands at the end of its merge chain
    (``tickets.services.messages``)."""
    landed = message.ticket
    if message.internal:
        return (
            f"From an agent's address without proof it is theirs: kept on "
            f"{landed.reference} as an internal note, not sent to the customer"
        )
    if landed.pk == ticket.pk:
        return f"Reply added to {ticket.reference}"
    if not getattr(message, "opened_follow_up", False):
        return f"{ticket.reference} was merged: reply added to {landed.reference}"
    if landed.follow_up_of_id == ticket.pk:
        return f"{ticket.reference} is closed: opened follow-up {landed.reference}"
    return (
        f"{ticket.reference} was merged into {landed.follow_up_of.reference}, "
        f"which is closed: opened follow-up {landed.reference}"
    )


def _add(parsed, ticket, sender, body, uploads) -> Message:
    if not permissions.can_work_ticket(sender, ticket):
        return services.message_reply_or_follow_up(
            ticket=ticket,
            author=sender,
            body=body,
            attachments=uploads,
            email_message_id=parsed.message_id,
        )
    proved = _agent_proved(parsed, sender)
    if not proved:
        body = (
            f"(Received by email from {parsed.from_address}. The message does "
            "not answer an email we sent to this agent, so it is kept as an "
            "internal note instead of being sent to the customer.)\n\n" + body
        )
    return services.message_add(
        ticket=ticket,
        author=sender,
        body=body,
        internal=not proved,
        attachments=uploads,
        email_message_id=parsed.message_id,
    )


def _refused_files(rejected) -> str:
    if not rejected:
        return ""
    shown = ", ".join(f"{item.name} ({item.reason})" for item in rejected[:5])
    more = f" and {len(rejected) - 5} more" if len(rejected) > 5 else ""
    return f"; refused {shown}{more}"


def _department_for(inbound: InboundEmail, parsed: ParsedEmail) -> Department | None:
    if inbound.mailbox_id and inbound.mailbox.department_id:
        return inbound.mailbox.department
    if parsed.to_addresses:
        return Department.objects.filter(inbound_email__in=parsed.to_addresses).first()
    return None


def _refuse(parsed: ParsedEmail) -> None:
    """Tell an unknown sender that email cannot open tickets for them: at most
    once a day per address, and never to our own addresses (no loops)."""
    from notifications.tasks import send_email

    address = parsed.from_address
    ours = {settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].strip(">").lower()}
    ours |= {
        a.lower()
        for a in Department.objects.exclude(inbound_email="").values_list(
            "inbound_email", flat=True
        )
    }
    recent = EmailLog.objects.filter(
        template_key="inbound_refused",
        recipient=address,
        created_at__gte=timezone.now() - timedelta(days=1),
    ).exists()
    if address in ours or recent:
        return
    entry = email_queue(
        template_key="inbound_refused",
        recipient=address,
        extra_context={"original_subject": parsed.subject or "your message"},
    )
    if entry is not None and entry.status == EmailLog.Status.QUEUED:
        log_id = str(entry.pk)
        transaction.on_commit(lambda: send_email.delay(log_id), robust=True)


__all__ = [
    "inbound_enqueue",
    "inbound_process",
    "inbound_process_pending",
    "inbound_queue",
    "inbound_receive",
    "inbound_store",
    "thread_root_id",
]
