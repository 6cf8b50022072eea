"""Tickets: list, open, read, change, move through the statuses."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from accounts.models import User
from accounts.security import ticket_rate_limit
from accounts.services import customer_get_or_create
from helpdesk.api import ApiError
from helpdesk.api_tools import (
    Page,
    answers,
    id_value,
    named_row,
    page_of,
    query_id,
    require_agent,
    sent_fields,
)
from helpdesk.db import atomic
from organizations.models import Department, Organization, Team

from .. import selectors, services
from ..models import Category, Ticket
from .schemas import (
    TICKET_EXTRAS,
    StatusIn,
    TicketCreateIn,
    TicketFilterIn,
    TicketOut,
    TicketUpdateIn,
    ticket_out,
)

router = Router(tags=["tickets"])

# --- Tickets ----------------------------------------------------------------


def visible_ticket(request: HttpRequest, number: int) -> Ticket:
    """The ticket with this number, or 404 when the caller may not see it
    (also for a number no ticket can have)."""
    if id_value(Ticket, number, field="number") is None:
        raise Http404("Not found.")
    return selectors.ticket_get_for(request.user, number)


def _saved(ticket: Ticket) -> Ticket:
    """The ticket as just written, for the answer to the change itself: read
    without the visibility rule, since an agent may have routed it away."""
    return Ticket.objects.for_list().select_related(*TICKET_EXTRAS).get(pk=ticket.pk)


def _requester_email(value: str | None) -> str | None:
    if not value:
        return None
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ApiError(
            400,
            f"{value!r} is not an email address.",
            "invalid",
            {"requester_email": ["Enter a valid email address."]},
        ) from None
    return value


@router.get(
    "/tickets", response=answers({200: Page[TicketOut]}), summary="List tickets"
)
def ticket_list(request, filters: Query[TicketFilterIn]):
    """The tickets the caller may see: an agent's views and filters as in the
    workspace; a customer's own (and their organization's, when it shares)."""
    user = request.user
    ids = {
        "category": query_id(Category, filters.category, "category"),
        "department": query_id(Department, filters.department, "department"),
        "team": query_id(Team, filters.team, "team"),
        "organization": query_id(Organization, filters.organization, "organization"),
    }
    assignee = filters.assignee
    if assignee not in ("", "me", "none"):
        assignee = str(query_id(User, assignee, "assignee"))
    if user.is_agent:
        queryset = selectors.agent_ticket_list(
            user,
            selectors.TicketFilters(
                view=filters.view,
                statuses=list(filters.status),
                priorities=list(filters.priority),
                category_id=ids["category"],
                department_id=ids["department"],
                team_id=ids["team"],
                assignee=assignee,
                organization_id=ids["organization"],
                requester=filters.requester,
                created_from=filters.created_from,
                created_to=filters.created_to,
                satisfaction=filters.satisfaction,
                q=filters.q,
                sort=filters.sort,
            ),
        )
    else:
        queryset = selectors.portal_ticket_list(
            user,
            status=filters.status[0] if len(filters.status) == 1 else "",
            q=filters.q,
            sort=filters.sort,
        )
        if len(filters.status) > 1:
            queryset = queryset.filter(status__in=filters.status)
    queryset = queryset.select_related(*TICKET_EXTRAS)
    return page_of(
        queryset, filters.page, filters.per_page, lambda row: ticket_out(row, user)
    )


@router.post("/tickets", response=answers({201: TicketOut}), summary="Open a ticket")
def ticket_create(request, payload: TicketCreateIn):
    """Customers open tickets for themselves; agents may open one for a
    customer by email (created when new) and route it."""
    user = request.user
    if (
        payload.requester_email
        or payload.department_id
        or payload.team_id
        or payload.assignee_id
    ):
        require_agent(request)
    # Everything named is checked before anything is written.
    email = _requester_email(payload.requester_email)
    category = named_row(Category, payload.category_id, "category")
    routing = {}
    if user.is_agent:
        routing = {
            "department": named_row(Department, payload.department_id, "department"),
            "team": named_row(Team, payload.team_id, "team"),
            "assignee": named_row(User, payload.assignee_id, "assignee"),
            "priority": payload.priority,
        }
    # Per requester address and, for customers, per client IP; agents open
    # tickets for many customers, so only each address is limited for them.
    ticket_rate_limit(request, address=email or user.email, per_ip=not user.is_agent)

    # Decorated, not a with-block: MongoDB may run it again whole after a
    # write conflict (helpdesk.db.atomic).
    @atomic
    def open_ticket() -> Ticket:
        requester = user
        if email:
            requester, _ = customer_get_or_create(
                email=email, full_name=payload.requester_name
            )
        return services.ticket_create(
            requester=requester,
            actor=user,
            subject=payload.subject,
            body=payload.body,
            channel=Ticket.Channel.API,
            category=category,
            **routing,
        )

    return Status(201, ticket_out(_saved(open_ticket()), user))


@router.get(
    "/tickets/{int:number}", response=answers({200: TicketOut}), summary="Get a ticket"
)
def ticket_get(request, number: int):
    return ticket_out(visible_ticket(request, number), request.user)


@router.patch(
    "/tickets/{int:number}",
    response=answers({200: TicketOut}),
    summary="Change a ticket",
)
def ticket_patch(request, number: int, payload: TicketUpdateIn):
    """Agents change subject, priority, category, department, team, assignee;
    only the fields sent change."""
    ticket = visible_ticket(request, number)
    require_agent(request)
    relations = {
        "category_id": (Category, "category"),
        "department_id": (Department, "department"),
        "team_id": (Team, "team"),
        "assignee_id": (User, "assignee"),
    }
    changes = {}
    for field, value in sent_fields(payload, keep_null=tuple(relations)).items():
        if field in relations:
            model, name = relations[field]
            changes[name] = named_row(model, value, name)
        else:
            changes[field] = value
    services.ticket_update(ticket=ticket, actor=request.user, **changes)
    return ticket_out(_saved(ticket), request.user)


@router.post(
    "/tickets/{int:number}/status",
    response=answers({200: TicketOut}),
    summary="Change the status",
)
def ticket_status(request, number: int, payload: StatusIn):
    """Moves allowed by the status machine; a refused move is 409."""
    ticket = visible_ticket(request, number)
    services.ticket_change_status(
        ticket=ticket, actor=request.user, status=payload.status
    )
    return ticket_out(_saved(ticket), request.user)
