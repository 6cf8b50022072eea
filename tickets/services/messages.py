"""Replies and internal notes, and what they do to the ticket's status."""

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import PermissionDeniedError
from tickets import permissions
from tickets.bodies import body_check_length, body_rendered
from tickets.models import Message, Ticket, TicketEvent
from tickets.selectors import ticket_merge_target_live

from .attachments import attachments_store
from .counts import ticket_counts_apply
from .errors import InvalidTicketChange, MergedIntoUnseenTicket, TicketClosedError
from .events import event_record
from .metrics import metrics_on_public_reply
from .sla import sla_on_public_reply
from .status import open_if_new, status_check_closing, status_set
from .tickets import ticket_create

Status = Ticket.Status


@atomic
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

    A merged ticket is never written to: the message goes to the live ticket
    at the end of its merge chain (``selectors.ticket_merge_target_live``),
    whose timeline says it came via the merged one, and the returned
    message's ``ticket`` says where it landed. Raises MergedIntoUnseenTicket
    (a 404) when the author may not see the live ticket, TicketClosedError
    when it is closed, MergeChainBroken when the chain cannot be followed.
    """
    via = None
    if ticket.merged_into_id is not None:
        via, ticket = ticket, merge_target_for(author=author, ticket=ticket)
    return _message_add(
        ticket=ticket,
        via=via,
        author=author,
        body=body,
        internal=internal,
        attachments=attachments,
        status=status,
        email_message_id=email_message_id,
    )


def merge_target_for(*, author: User, ticket: Ticket) -> Ticket:
    """The live ticket a message to the merged ``ticket`` goes to, refused
    (MergedIntoUnseenTicket, a 404) unless ``author`` may see it: following
    merges never reaches a ticket its author could not open directly."""
    live = ticket_merge_target_live(ticket=ticket)
    if not permissions.can_view_ticket(author, live):
        raise MergedIntoUnseenTicket(
            f"{ticket.reference} was merged into a ticket you cannot see."
        )
    return live


def _message_add(
    *,
    ticket: Ticket,
    via: Ticket | None,
    author: User,
    body: str,
    internal: bool,
    attachments: Sequence[UploadedFile],
    status: str | None,
    email_message_id: str,
) -> Message:
    """message_add on the ticket given; ``via`` is the merged ticket the
    author addressed, recorded in the REPLY/NOTE event's ``old_value``."""
    if ticket.status == Status.CLOSED:
        raise TicketClosedError(
            f"{via.reference} was merged into {ticket.reference}, which is "
            "closed and cannot take replies."
            if via is not None
            else "This ticket is closed and cannot take replies."
        )
    acting_as_agent = permissions.can_work_ticket(author, ticket)
    if internal and not permissions.can_add_internal_note(author, ticket):
        raise PermissionDeniedError(
            "Only agents working this ticket can add internal notes."
        )
    if not internal and not permissions.can_reply(author, ticket):
        raise PermissionDeniedError("You cannot reply to this ticket.")
    if status is not None and not acting_as_agent:
        raise PermissionDeniedError("Only agents can set the status with a reply.")
    if status is not None:
        status_check_closing(actor=author, status=status)
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
    message.opened_follow_up = False
    event_record(
        ticket=ticket,
        actor=author,
        kind=TicketEvent.Kind.NOTE if internal else TicketEvent.Kind.REPLY,
        old_value=via.reference if via is not None else "",
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
            update_fields += metrics_on_public_reply(ticket=ticket, at=now, first=first)
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
    ticket_counts_apply(ticket=ticket)
    ticket.save(update_fields=list(dict.fromkeys(update_fields)))
    return message


@atomic
def message_reply_or_follow_up(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    email_message_id: str = "",
) -> Message:
    """A customer's reply, wherever it belongs.

    On an open ticket it is a plain reply. A closed ticket is read-only. A
    merged one sends the reply along its merge chain, however long, to the
    live ticket at its end when the author may see that one: a reply there,
    or, when the live ticket is closed too, a follow-up of the live ticket.
    Otherwise (never merged, or merged into a ticket the author may not see)
    the reply opens a follow-up linked to the closed ticket itself. The
    returned message's ``ticket`` says where it landed, and its
    ``opened_follow_up`` (True or False) whether it opened that ticket. Raises
    PermissionDeniedError when the author may not see ``ticket``.
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
    via = None
    live = ticket_merge_target_live(ticket=ticket)
    if live.pk != ticket.pk and permissions.can_view_ticket(author, live):
        via, ticket = ticket, live
        if live.status != Status.CLOSED:
            return _message_add(
                ticket=live,
                via=via,
                author=author,
                body=body,
                internal=False,
                attachments=attachments,
                status=None,
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
        old_value=via.reference if via is not None else "",
        new_value=follow_up.reference,
    )
    message = follow_up.messages.get()
    message.rejected_attachments = follow_up.rejected_attachments
    message.opened_follow_up = True
    return message
