"""Moving tickets through the status machine (see tickets.workflow)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import PermissionDeniedError
from tickets import permissions
from tickets.models import Ticket, TicketEvent
from tickets.workflow import check_transition

from .counts import ticket_counts_apply
from .events import event_record
from .metrics import metrics_on_status
from .sla import sla_on_status

Status = Ticket.Status


def status_set(*, ticket: Ticket, actor: User | None, status: str) -> list[str]:
    """Move the status, stamp the times, record the event; return changed fields.

    The caller saves the ticket, so one save can carry several changes.
    """
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
    event_record(
        ticket=ticket,
        actor=actor,
        kind=TicketEvent.Kind.STATUS,
        old_value=old,
        new_value=status,
    )
    return [
        "status",
        "solved_at",
        "closed_at",
        *sla_on_status(ticket=ticket, old=old, new=status, at=now),
        *metrics_on_status(ticket=ticket, old=old, new=status, at=now),
    ]


def status_check_closing(*, actor: User | None, status: str) -> None:
    """Refuse a person closing a ticket unless they are an admin.

    Closing is final and emails the customer; agents mark tickets solved and
    the system (``actor`` None) closes them after the solved period.
    """
    if status != Status.CLOSED or actor is None or not actor.is_agent:
        return
    if permissions.can_close_ticket(actor):
        return
    raise PermissionDeniedError(
        "Agents cannot close tickets: mark it solved instead, and it closes "
        f"by itself {settings.TICKET_AUTO_CLOSE_DAYS} days later.",
        code="close_not_allowed",
        extra={"to": status},
    )


def open_if_new(*, ticket: Ticket, actor: User) -> list[str]:
    """The first thing an agent does to a new ticket opens it."""
    if ticket.status != Status.NEW:
        return []
    return status_set(ticket=ticket, actor=actor, status=Status.OPEN)


@atomic
def ticket_change_status(*, ticket: Ticket, actor: User | None, status: str) -> Ticket:
    """Move a ticket to another status. ``actor`` None means the system (a job).

    A move the status machine refuses raises TransitionNotAllowed; a move that
    is allowed but not for this person raises PermissionDeniedError: an agent
    closing (only admins may), or any move by a colleague of the requester
    (they may read and reply only).
    """
    check_transition(ticket.status, status)
    status_check_closing(actor=actor, status=status)
    if actor is not None and not permissions.can_change_status(actor, ticket, status):
        if permissions.sees_as_colleague(actor, ticket):
            raise PermissionDeniedError(
                "Only the person who opened this request, or our team, can "
                "change its status. You can still reply."
            )
        raise PermissionDeniedError("You cannot change this ticket's status.")
    fields = status_set(ticket=ticket, actor=actor, status=status)
    ticket_counts_apply(ticket=ticket)
    ticket.save(update_fields=[*fields, "updated_at"])
    return ticket


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
