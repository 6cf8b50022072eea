"""Replies and internal notes, and what they do to the ticket's status."""

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import PermissionDeniedError
from tickets import permissions
from tickets.bodies import body_check_length, body_rendered
from tickets.models import Message, Ticket, TicketEvent

from .attachments import attachments_store
from .errors import InvalidTicketChange, TicketClosedError
from .events import event_record
from .sla import sla_on_public_reply
from .status import open_if_new, status_set
from .tickets import ticket_create

Status = Ticket.Status


@transaction.atomic
def message_add(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
    status: str | None = None,
    email_message_id: str = "",
) -> Message:
    """Add a public reply or an internal note, and move the status on.

    An agent's first public reply stamps ``first_response_at``; any agent
    action opens a new ticket; a customer's reply reopens a pending or solved
    one. An agent may also "submit as" another status in the same step. A
    closed ticket takes nothing. Refused files are listed in the returned
    message's ``rejected_attachments``; the message is kept. The body is
    rendered here, once, and stored with the message; a body over
    ``MESSAGE_BODY_MAX_CHARS`` raises MessageTooLong.
    """
    if ticket.status == Status.CLOSED:
        raise TicketClosedError("This ticket is closed and cannot take replies.")
    acting_as_agent = permissions.can_work_ticket(author, ticket)
    if internal and not permissions.can_add_internal_note(author, ticket):
        raise PermissionDeniedError(
            "Only agents working this ticket can add internal notes."
        )
    if not internal and not permissions.can_reply(author, ticket):
        raise PermissionDeniedError("You cannot reply to this ticket.")
    if status is not None and not acting_as_agent:
        raise PermissionDeniedError("Only agents can set the status with a reply.")
    if not body.strip() and not attachments:
        raise InvalidTicketChange("Write a message or attach a file.", code="empty")
    body_check_length(body)

    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        author=author,
        body=body,
        **body_rendered(body),
        internal=internal,
        created_at=now,
        email_message_id=email_message_id,
    )
    message.rejected_attachments = attachments_store(
        message=message, uploads=attachments
    )
    event_record(
        ticket=ticket,
        actor=author,
        kind=TicketEvent.Kind.NOTE if internal else TicketEvent.Kind.REPLY,
        new_value=message.pk,
    )

    update_fields = ["updated_at"]
    if acting_as_agent:
        first = not internal and ticket.first_response_at is None
        if first:
            ticket.first_response_at = now
            update_fields.append("first_response_at")
        if not internal:
            update_fields += sla_on_public_reply(
                ticket=ticket, by_agent=True, at=now, first=first
            )
        if status is not None and status != ticket.status:
            update_fields += status_set(ticket=ticket, actor=author, status=status)
        else:
            update_fields += open_if_new(ticket=ticket, actor=author)
    elif not internal:
        if ticket.status in (Status.PENDING, Status.SOLVED):
            update_fields += status_set(ticket=ticket, actor=author, status=Status.OPEN)
        update_fields += sla_on_public_reply(
            ticket=ticket, by_agent=False, at=now, first=False
        )
    ticket.save(update_fields=list(dict.fromkeys(update_fields)))
    return message


@transaction.atomic
def message_reply_or_follow_up(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    email_message_id: str = "",
) -> Message:
    """A customer's reply, wherever it belongs.

    On an open ticket it is a plain reply. A closed ticket is read-only: the
    reply goes to the ticket it was merged into when the author may see that
    one, and otherwise opens a follow-up ticket linked to the closed one. The
    returned message's ``ticket`` says where it landed.
    """
    if ticket.status != Status.CLOSED:
        return message_add(
            ticket=ticket,
            author=author,
            body=body,
            attachments=attachments,
            email_message_id=email_message_id,
        )
    if not permissions.can_view_ticket(author, ticket):
        raise PermissionDeniedError("You cannot reply to this ticket.")
    target = ticket.merged_into
    if (
        target is not None
        and target.status != Status.CLOSED
        and permissions.can_view_ticket(author, target)
    ):
        return message_add(
            ticket=target,
            author=author,
            body=body,
            attachments=attachments,
            email_message_id=email_message_id,
        )
    if not body.strip():
        raise InvalidTicketChange("Write a message to open a follow-up.", code="empty")
    body_check_length(body)
    assignee = (
        ticket.assignee if ticket.assignee and ticket.assignee.is_active else None
    )
    follow_up = ticket_create(
        requester=author,
        subject=ticket.subject,
        body=body,
        channel=ticket.channel,
        category=ticket.category,
        priority=ticket.priority,
        department=ticket.department,
        team=ticket.team,
        assignee=assignee,
        follow_up_of=ticket,
        attachments=attachments,
        email_message_id=email_message_id,
    )
    event_record(
        ticket=ticket,
        actor=author,
        kind=TicketEvent.Kind.FOLLOW_UP,
        new_value=follow_up.reference,
    )
    message = follow_up.messages.get()
    message.rejected_attachments = follow_up.rejected_attachments
    return message
