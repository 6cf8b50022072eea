"""Writes to tickets: every change goes through here and leaves an event."""

import hashlib
import mimetypes
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import ApplicationError, ConflictError, PermissionDeniedError
from organizations.models import Department, Team

from . import permissions
from .models import Attachment, Category, Message, Ticket, TicketEvent
from .workflow import check_transition

Status = Ticket.Status
Kind = TicketEvent.Kind

NUMBER_ATTEMPTS = 100


class TicketClosedError(ConflictError):
    code = "ticket_closed"


class InvalidTicketChange(ApplicationError):
    code = "invalid_change"


@dataclass(frozen=True)
class RejectedAttachment:
    """A file the service refused, with the reason to show the sender."""

    name: str
    reason: str


# --- Numbers ------------------------------------------------------------------


def _next_ticket_number() -> int:
    highest = Ticket.objects.aggregate(highest=Max("number"))["highest"]
    if highest is None:
        return settings.TICKET_NUMBER_START
    return max(highest + 1, settings.TICKET_NUMBER_START)


def _insert_with_number(ticket: Ticket) -> None:
    """Give the ticket the next free number and insert it.

    Portable optimistic allocation: read the highest number, insert, and let
    the unique index refuse a number another transaction took first; then
    read again and retry. No table or row locks, so it behaves the same on
    SQLite, PostgreSQL and MongoDB. The savepoint keeps a refused insert from
    spoiling the caller's transaction.
    """
    for attempt in range(NUMBER_ATTEMPTS):
        ticket.number = _next_ticket_number()
        try:
            with transaction.atomic():
                ticket.save(force_insert=True)
            return
        except IntegrityError:
            if not Ticket.objects.filter(number=ticket.number).exists():
                raise
            time.sleep(random.uniform(0, 0.005 * (attempt + 1)))  # noqa: S311
    raise ConflictError(
        "Could not allocate a ticket number; please try again.",
        code="number_allocation_failed",
    )


# --- Attachments --------------------------------------------------------------


def attachment_rejection_reason(upload: UploadedFile) -> str | None:
    """Why a file may not be attached, or None when it may."""
    extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
    allowed = {ext.lower() for ext in settings.ATTACHMENT_ALLOWED_EXTENSIONS}
    if extension not in allowed:
        return (
            f"files of type .{extension or '(none)'} are not accepted"
            if extension
            else "files without an extension are not accepted"
        )
    if upload.size > settings.ATTACHMENT_MAX_SIZE:
        return (
            f"it is {filesizeformat(upload.size)}, over the "
            f"{filesizeformat(settings.ATTACHMENT_MAX_SIZE)} limit"
        )
    return None


def _attachments_store(
    *, message: Message, uploads: Sequence[UploadedFile]
) -> list[RejectedAttachment]:
    """Store the acceptable files on the message; report the others."""
    rejected = []
    for upload in uploads:
        reason = attachment_rejection_reason(upload)
        if reason:
            rejected.append(RejectedAttachment(name=upload.name, reason=reason))
            continue
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        original_name = PurePath(upload.name).name[:255]
        content_type = (
            mimetypes.guess_type(original_name)[0] or "application/octet-stream"
        )
        attachment = Attachment(
            message=message,
            original_name=original_name,
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
        )
        attachment.file.save(original_name, upload, save=False)
        attachment.save()
    return rejected


# --- Events -------------------------------------------------------------------


def _event_record(
    *,
    ticket: Ticket,
    actor: User | None,
    kind: str,
    old_value: object = "",
    new_value: object = "",
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        old_value=_event_value(old_value),
        new_value=_event_value(new_value),
    )


def _event_value(value: object) -> str:
    if value is None:
        return ""
    return str(value)[:255]


# --- Tickets ------------------------------------------------------------------


@transaction.atomic
def ticket_create(
    *,
    requester: User,
    subject: str,
    body: str,
    actor: User | None = None,
    channel: str = Ticket.Channel.PORTAL,
    category: Category | None = None,
    priority: str = Ticket.Priority.NORMAL,
    department: Department | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Ticket:
    """Open a ticket with its first message.

    ``actor`` is whoever opened it: the requester in the portal, or an agent
    working on a customer's behalf. The returned ticket carries the files that
    were refused in ``rejected_attachments``; the ticket itself is kept.
    """
    actor = actor or requester
    subject = subject.strip()
    if not subject:
        raise InvalidTicketChange("A ticket needs a subject.", code="subject_required")
    if not body.strip():
        raise InvalidTicketChange("A ticket needs a description.", code="body_required")
    if assignee is not None and not assignee.is_agent:
        raise InvalidTicketChange("Only agents can be assigned tickets.")
    if department is None and category is not None:
        department = category.default_department
    if (
        team is not None
        and department is not None
        and team.department_id != (department.pk)
    ):
        raise InvalidTicketChange(f"The team {team} is not part of {department}.")

    ticket = Ticket(
        subject=subject[:255],
        requester=requester,
        organization=requester.organization,
        department=department or (team.department if team else None),
        team=team,
        assignee=assignee,
        category=category,
        priority=priority,
        status=Status.NEW,
        channel=channel,
    )
    _insert_with_number(ticket)
    _event_record(
        ticket=ticket, actor=actor, kind=Kind.CREATED, new_value=ticket.status
    )
    message = Message.objects.create(ticket=ticket, author=actor, body=body)
    ticket.rejected_attachments = _attachments_store(
        message=message, uploads=attachments
    )
    return ticket


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDeniedError(message)


@transaction.atomic
def message_add(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    internal: bool = False,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """Add a public reply or an internal note, and move the status on.

    An agent's first public reply stamps ``first_response_at``; any agent
    action opens a new ticket; a customer's reply reopens a pending or solved
    one. A closed ticket takes nothing. Refused files are listed in the
    returned message's ``rejected_attachments``; the message is kept.
    """
    if ticket.status == Status.CLOSED:
        raise TicketClosedError("This ticket is closed and cannot take replies.")
    if internal:
        _require(
            permissions.can_add_internal_note(author, ticket),
            "Only agents working this ticket can add internal notes.",
        )
    else:
        _require(
            permissions.can_reply(author, ticket), "You cannot reply to this ticket."
        )
    if not body.strip() and not attachments:
        raise InvalidTicketChange("Write a message or attach a file.", code="empty")

    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket, author=author, body=body, internal=internal, created_at=now
    )
    message.rejected_attachments = _attachments_store(
        message=message, uploads=attachments
    )
    _event_record(
        ticket=ticket,
        actor=author,
        kind=Kind.NOTE if internal else Kind.REPLY,
        new_value=message.pk,
    )

    update_fields = ["updated_at"]
    acting_as_agent = permissions.can_work_ticket(author, ticket)
    if acting_as_agent:
        if not internal and ticket.first_response_at is None:
            ticket.first_response_at = now
            update_fields.append("first_response_at")
        update_fields += _open_if_new(ticket=ticket, actor=author)
    elif not internal and ticket.status in (Status.PENDING, Status.SOLVED):
        update_fields += _status_set(ticket=ticket, actor=author, status=Status.OPEN)
    ticket.save(update_fields=update_fields)
    return message


def _status_set(*, ticket: Ticket, actor: User | None, status: str) -> list[str]:
    """Move the status, stamp the times, record the event; return changed fields."""
    check_transition(ticket.status, status)
    old = ticket.status
    now = timezone.now()
    ticket.status = status
    if status == Status.SOLVED:
        ticket.solved_at = now
    elif status == Status.CLOSED:
        ticket.closed_at = now
    elif old == Status.SOLVED:
        ticket.solved_at = None
    _event_record(
        ticket=ticket, actor=actor, kind=Kind.STATUS, old_value=old, new_value=status
    )
    return ["status", "solved_at", "closed_at"]


def _open_if_new(*, ticket: Ticket, actor: User) -> list[str]:
    if ticket.status != Status.NEW:
        return []
    return _status_set(ticket=ticket, actor=actor, status=Status.OPEN)


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, actor: User | None, status: str) -> Ticket:
    """Move a ticket to another status. ``actor`` None means the system (a job).

    A move the status machine refuses raises TransitionNotAllowed; a move that
    is allowed but not for this person raises PermissionDeniedError.
    """
    check_transition(ticket.status, status)
    if actor is not None:
        _require(
            permissions.can_change_status(actor, ticket, status),
            "You cannot change this ticket's status.",
        )
    fields = _status_set(ticket=ticket, actor=actor, status=status)
    ticket.save(update_fields=[*fields, "updated_at"])
    return ticket


TRACKED_FIELDS: dict[str, str] = {
    "subject": Kind.SUBJECT,
    "priority": Kind.PRIORITY,
    "category": Kind.CATEGORY,
    "department": Kind.DEPARTMENT,
    "team": Kind.TEAM,
    "assignee": Kind.ASSIGNEE,
}


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor: User | None, **changes: object) -> Ticket:
    """Change the ticket's routing and triage fields, one event per field.

    Accepts subject, priority, category, department, team and assignee. A
    department change drops a team that belongs elsewhere; the assignee must
    be an agent. Any agent change opens a new ticket.
    """
    unknown = set(changes) - set(TRACKED_FIELDS)
    if unknown:
        raise InvalidTicketChange(f"Cannot change {', '.join(sorted(unknown))}.")
    if ticket.status == Status.CLOSED:
        raise TicketClosedError("This ticket is closed and cannot change.")
    if actor is not None:
        _require(
            permissions.can_work_ticket(actor, ticket),
            "Only agents working this ticket can change it.",
        )
    assignee = changes.get("assignee")
    if assignee is not None and not assignee.is_agent:
        raise InvalidTicketChange("Only agents can be assigned tickets.")
    if "priority" in changes and changes["priority"] not in Ticket.Priority.values:
        raise InvalidTicketChange(f"Unknown priority {changes['priority']!r}.")
    if "subject" in changes and not str(changes["subject"]).strip():
        raise InvalidTicketChange("A ticket needs a subject.", code="subject_required")

    if "department" in changes and "team" not in changes:
        department = changes["department"]
        if ticket.team_id and (
            department is None or ticket.team.department_id != department.pk
        ):
            changes["team"] = None
    team = changes.get("team")
    if team is not None:
        department = changes.get("department", ticket.department)
        if department is None:
            changes["department"] = team.department
        elif team.department_id != department.pk:
            raise InvalidTicketChange(f"The team {team} is not part of {department}.")

    update_fields = ["updated_at"]
    for field in TRACKED_FIELDS:
        if field not in changes:
            continue
        old, new = getattr(ticket, field), changes[field]
        if old == new:
            continue
        setattr(ticket, field, new)
        update_fields.append(field)
        _event_record(
            ticket=ticket,
            actor=actor,
            kind=TRACKED_FIELDS[field],
            old_value=_field_display(ticket, field, old),
            new_value=_field_display(ticket, field, new),
        )
    if actor is not None and len(update_fields) > 1:
        update_fields += _open_if_new(ticket=ticket, actor=actor)
    ticket.save(update_fields=update_fields)
    return ticket


def _field_display(ticket: Ticket, field: str, value: object) -> str:
    if field == "priority" and value:
        return Ticket.Priority(value).label
    return "" if value is None else str(value)


# --- Jobs ---------------------------------------------------------------------


def tickets_close_solved(*, older_than_days: int, batch_size: int = 500) -> int:
    """Close tickets solved more than ``older_than_days`` ago; return how many.

    Safe to run twice: a closed ticket no longer matches.
    """
    cutoff = timezone.now() - timedelta(days=older_than_days)
    closed = 0
    while True:
        batch = list(
            Ticket.objects.filter(status=Status.SOLVED, solved_at__lte=cutoff).order_by(
                "pk"
            )[:batch_size]
        )
        if not batch:
            return closed
        for ticket in batch:
            ticket_change_status(ticket=ticket, actor=None, status=Status.CLOSED)
            closed += 1
