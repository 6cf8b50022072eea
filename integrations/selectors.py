"""Reads: the suspended-mail queue (agents) and the inbound log (admins)."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from helpdesk.shortcuts import get_or_404, id_value
from tickets.permissions import agent_sees_all_tickets
from tickets.selectors import ticket_list_visible_to

from .models import InboundEmail
from .permissions import can_download_original

Status = InboundEmail.Status
REVIEW_STATUSES = (Status.SUSPENDED, Status.REJECTED)


def suspended_list_for(
    user: User, *, status: str = Status.SUSPENDED
) -> QuerySet[InboundEmail]:
    """Suspended (or rejected) mail about tickets the agent may see, newest
    first; mail claiming no ticket only for agents who see every ticket.
    One query for a page of rows (the ticket is joined)."""
    if not (user.is_authenticated and user.is_active and user.is_agent):
        return InboundEmail.objects.none()
    if status not in REVIEW_STATUSES:
        status = Status.SUSPENDED
    queryset = InboundEmail.objects.filter(status=status).select_related(
        "ticket", "reviewed_by"
    )
    if agent_sees_all_tickets(user):
        return queryset
    visible = ticket_list_visible_to(user).values("pk")
    return queryset.filter(Q(ticket__in=visible))


def suspended_get_for(user: User, inbound_id: str) -> InboundEmail:
    """One suspended or rejected mail the agent may review, or 404 (also for
    a malformed id, and for mail about tickets they may not see)."""
    queryset = InboundEmail.objects.filter(status__in=REVIEW_STATUSES)
    if not (user.is_authenticated and user.is_active and user.is_agent):
        raise Http404("No such mail.")
    if not agent_sees_all_tickets(user):
        queryset = queryset.filter(ticket__in=ticket_list_visible_to(user).values("pk"))
    return get_or_404(
        queryset.select_related("ticket", "reviewed_by"),
        inbound_id,
        message="No such mail.",
    )


def inbound_log_list(*, status: str | None = None) -> QuerySet[InboundEmail]:
    """Every received message (the admins' inbound log), newest first,
    optionally of one status. One query for a page of rows (the mailbox and
    ticket are joined)."""
    queryset = InboundEmail.objects.select_related("mailbox", "ticket").order_by(
        "-received_at", "-pk"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def inbound_original_get_for(user: User, message_id: str) -> InboundEmail:
    """The received email that created this message, for an agent who works
    its ticket; 404 for anyone else, for a message that did not come by
    email and for a malformed id (so its existence is not confirmed)."""
    value = id_value(InboundEmail, message_id, field="message")
    inbound = (
        None
        if value is None
        else InboundEmail.objects.select_related("message__ticket")
        .filter(message_id=value)
        .order_by("pk")
        .first()
    )
    if inbound is None or not can_download_original(user, inbound):
        raise Http404("No such mail.")
    return inbound
