"""Who may do what with a ticket: small pure functions, no queries of their own.

Selectors return only what a user may see; services call these again before
they write. Agents' department ids are read once per request by the caller
(``agent_department_ids``) and cached on the user object.
"""

from django.conf import settings

from accounts.models import User

from .models import Ticket
from .workflow import is_transition_allowed

Status = Ticket.Status


def agent_department_ids(user: User) -> frozenset[int]:
    """The departments an agent works in, cached on the user for this request."""
    cached = getattr(user, "_department_ids", None)
    if cached is None:
        cached = frozenset(user.departments.values_list("id", flat=True))
        user._department_ids = cached
    return cached


def agent_team_ids(user: User) -> frozenset[int]:
    """The teams an agent belongs to, cached on the user for this request."""
    cached = getattr(user, "_team_ids", None)
    if cached is None:
        cached = frozenset(user.teams.values_list("id", flat=True))
        user._team_ids = cached
    return cached


def agent_sees_all_tickets(user: User) -> bool:
    return user.is_admin or (user.is_agent and settings.AGENTS_SEE_ALL_TICKETS)


def can_view_ticket(user: User, ticket: Ticket) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_agent:
        return can_work_ticket(user, ticket)
    if ticket.requester_id == user.pk:
        return True
    return (
        user.organization_id is not None
        and ticket.organization_id == user.organization_id
        and ticket.organization.share_tickets
    )


def can_work_ticket(user: User, ticket: Ticket) -> bool:
    """Agents work the tickets of their departments, unrouted ones and their own."""
    if not user.is_authenticated or not user.is_active or not user.is_agent:
        return False
    if agent_sees_all_tickets(user):
        return True
    return (
        ticket.department_id is None
        or ticket.assignee_id == user.pk
        or ticket.department_id in agent_department_ids(user)
    )


def can_close_ticket(user: User) -> bool:
    """Closing is final (a closed ticket is read-only) and tells the customer
    so; agents solve, the system closes after the solved period. Only admins
    close by hand."""
    return user.is_authenticated and user.is_active and user.is_admin


def can_change_status(user: User, ticket: Ticket, status: str) -> bool:
    """Agents move a ticket along any allowed transition except closing it
    (admins only); the requester may only mark their request solved or reopen
    a solved one. Colleagues who see a shared request may read it and reply,
    but its status is the requester's to decide (``sees_as_colleague``)."""
    if not is_transition_allowed(ticket.status, status):
        return False
    if status == Status.CLOSED and not can_close_ticket(user):
        return False
    if can_work_ticket(user, ticket):
        return True
    if not can_view_ticket(user, ticket) or ticket.requester_id != user.pk:
        return False
    if status == Status.SOLVED:
        return ticket.status != Status.CLOSED
    return status == Status.OPEN and ticket.status == Status.SOLVED


def sees_as_colleague(user: User, ticket: Ticket) -> bool:
    """A customer who sees the ticket through their organization's sharing,
    not as its requester: they may read and reply, never change its status."""
    return (
        not can_work_ticket(user, ticket)
        and ticket.requester_id != user.pk
        and can_view_ticket(user, ticket)
    )


def can_reply(user: User, ticket: Ticket) -> bool:
    return ticket.status != Status.CLOSED and can_view_ticket(user, ticket)


def can_add_internal_note(user: User, ticket: Ticket) -> bool:
    return ticket.status != Status.CLOSED and can_work_ticket(user, ticket)
