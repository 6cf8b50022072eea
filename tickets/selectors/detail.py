"""One ticket and what hangs on it: conversation, timeline, files, presence,
and the agent's canned responses and saved filters."""

from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from helpdesk.shortcuts import get_or_404
from tickets.bodies import bodies_refresh

from ..models import (
    Attachment,
    CannedResponse,
    Message,
    SavedFilter,
    Ticket,
    TicketEvent,
    TicketPresence,
)
from .visibility import ticket_get_for, ticket_get_for_agent, ticket_list_visible_to


def portal_ticket_detail(user: User, number: int) -> tuple[Ticket, list[Message]]:
    """The ticket and its public conversation, with attachments."""
    ticket = ticket_get_for(user, number)
    return ticket, conversation_for(user, ticket, public_only=True)


def agent_ticket_detail(user: User, number: int) -> dict:
    """Everything the agent's ticket page shows, in a fixed number of queries."""
    ticket = ticket_get_for_agent(user, number)
    messages = conversation_for(user, ticket)
    events = list(
        ticket.events.select_related("actor").order_by("-created_at", "-pk")[:200]
    )
    requester_tickets = list(
        ticket_list_visible_to(user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .order_by("-updated_at")[:5]
    )
    # From the timeline, not a query: SQLite plans "merged_into = x" as a full
    # scan once its statistics say nearly every row has no merge.
    merged = sorted(
        {
            event.new_value
            for event in events
            if event.kind == TicketEvent.Kind.MERGED_FROM
        }
    )
    return {
        "ticket": ticket,
        "conversation": messages,
        "events": events,
        "requester_tickets": requester_tickets,
        "merged_tickets": merged,
    }


def ticket_presence(
    ticket: Ticket, user: User, window_seconds: int
) -> tuple[list[TicketPresence], TicketPresence | None]:
    """Who has had the ticket open within the window, in one query: the other
    agents (by name) and ``user``'s own row (None when absent or older)."""
    since = timezone.now() - timedelta(seconds=window_seconds)
    rows = list(
        TicketPresence.objects.filter(ticket=ticket, last_seen__gte=since)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
    mine = next((row for row in rows if row.user_id == user.pk), None)
    return [row for row in rows if row.user_id != user.pk], mine


def canned_for(user: User) -> QuerySet[CannedResponse]:
    """The agent's own canned responses and the shared ones."""
    return CannedResponse.objects.filter(Q(owner=user) | Q(shared=True)).select_related(
        "owner"
    )


def saved_filters_for(user: User) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(owner=user)


def event_list_for(user: User, number: int) -> tuple[Ticket, list[TicketEvent]]:
    ticket = ticket_get_for_agent(user, number)
    return ticket, list(ticket.events.select_related("actor").order_by("-created_at"))


def conversation_for(
    user: User, ticket: Ticket, *, public_only: bool = False
) -> list[Message]:
    """The messages of a ticket the user may read, oldest first, with authors
    and attachments: customers never get internal notes (as with files), and
    the portal shows only the public conversation to anyone. Messages whose
    stored HTML an older renderer wrote are rendered again, once, and saved."""
    messages = ticket.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )
    if public_only or not user.is_agent:
        messages = messages.filter(internal=False)
    conversation = list(messages.order_by("created_at", "pk"))
    bodies_refresh(conversation)
    return conversation


def attachment_get_for(user: User, number: int, attachment_id: str) -> Attachment:
    """An attachment, looked up through its ticket: an id from another ticket,
    or from an internal note for a customer, is a 404."""
    ticket = ticket_get_for(user, number)
    attachments = Attachment.objects.filter(message__ticket=ticket)
    if not user.is_agent:
        attachments = attachments.filter(message__internal=False)
    return get_or_404(
        attachments.select_related("message"),
        attachment_id,
        message="No such attachment.",
    )
