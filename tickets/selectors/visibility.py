"""Who may see which tickets: the rule every other read starts from."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User

from ..models import Ticket
from ..permissions import agent_department_ids, agent_sees_all_tickets

# --- Visibility --------------------------------------------------------------


def ticket_visibility_condition(user: User, prefix: str = "") -> Q | None:
    """Who sees which tickets, as a Q on Ticket, or on a model that reaches
    the ticket through ``prefix`` (``"ticket__"`` for events and ratings, so
    a report can keep the rows of visible tickets with a join instead of a
    subquery listing them all). None means every ticket; callers check that
    the user is signed in and active first.

    Agents: their departments' tickets, unrouted ones and their own (what
    ``permissions.can_work_ticket`` allows); customers: their own requests
    and, when their organization shares tickets, its requests."""
    if agent_sees_all_tickets(user):
        return None
    if user.is_agent:
        return (
            Q(**{f"{prefix}department_id__in": list(agent_department_ids(user))})
            | Q(**{f"{prefix}department__isnull": True})
            | Q(**{f"{prefix}assignee_id": user.pk})
        )
    condition = Q(**{f"{prefix}requester_id": user.pk})
    if user.organization_id is not None:
        condition |= Q(
            **{
                f"{prefix}organization_id": user.organization_id,
                f"{prefix}organization__share_tickets": True,
            }
        )
    return condition


def ticket_list_visible_to(user: User) -> QuerySet[Ticket]:
    """Every ticket the user may see, ready for a list page."""
    queryset = Ticket.objects.for_list()
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    condition = ticket_visibility_condition(user)
    return queryset if condition is None else queryset.filter(condition)


def ticket_get_for(user: User, number: int) -> Ticket:
    """The ticket with this number, or 404 when it is missing or not the user's
    to see: the two answers are the same so a guess learns nothing."""
    try:
        return ticket_list_visible_to(user).get(number=number)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


def ticket_get_for_agent(user: User, number: int) -> Ticket:
    """As ticket_get_for, for the workspace: only tickets the agent works."""
    if not user.is_agent:
        raise Http404("No such ticket.")
    return ticket_get_for(user, number)
