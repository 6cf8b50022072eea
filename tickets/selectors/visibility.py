"""Who may see which tickets: the rule every other read starts from."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User

from ..models import Ticket
from ..permissions import agent_department_ids, agent_sees_all_tickets

# --- Visibility --------------------------------------------------------------


def _visibility_filter(user: User) -> Q | None:
    """None means everything the database holds."""
    if agent_sees_all_tickets(user):
        return None
    if user.is_agent:
        return (
            Q(department_id__in=list(agent_department_ids(user)))
            | Q(department__isnull=True)
            | Q(assignee_id=user.pk)
        )
    condition = Q(requester_id=user.pk)
    if user.organization_id is not None:
        condition |= Q(
            organization_id=user.organization_id,
            organization__share_tickets=True,
        )
    return condition


def ticket_list_visible_to(user: User) -> QuerySet[Ticket]:
    """Every ticket the user may see, ready for a list page."""
    queryset = Ticket.objects.for_list()
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    condition = _visibility_filter(user)
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
