"""The API's tickets, messages, categories and canned responses."""

from datetime import date, datetime
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile as NinjaFile
from pydantic import Field

from accounts.models import User
from accounts.services import customer_get_or_create
from helpdesk.api import ApiError
from helpdesk.api_tools import (
    In,
    Page,
    RowOut,
    answers,
    has_nul,
    named_row,
    page_of,
    require_admin,
    require_agent,
    sent_fields,
    text_id,
)
from helpdesk.shortcuts import get_or_404
from organizations.models import Department, Organization, Team

from . import permissions, selectors, services
from .models import CannedResponse, Category, Message, Ticket
from .views.attachments import attachment_file_response

router = Router(tags=["tickets"])
# Beyond Ticket.objects.for_list(): what an API ticket shows besides a row.
TICKET_EXTRAS = ("merged_into", "follow_up_of", "sla_policy")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")

TicketStatus = Literal["new", "open", "pending", "on_hold", "solved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Sort = Literal[tuple(selectors.SORTS)]
View = Literal[tuple(selectors.VIEWS)]


# --- Schemas ----------------------------------------------------------------


class PersonRef(Schema):
    id: str
    email: str | None = Field(description="Staff addresses are not shown to customers.")
    full_name: str


class NamedRef(Schema):
    id: str
    name: str


class SLAOut(Schema):
    policy: str | None
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    paused: bool


class TicketOut(Schema):
    number: int
    reference: str
    subject: str
    status: TicketStatus
    priority: Priority
    channel: str
    requester: PersonRef
    organization: NamedRef | None
    department: NamedRef | None
    team: NamedRef | None
    assignee: PersonRef | None
    category: NamedRef | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    merged_into: int | None
    follow_up_of: int | None
    sla: SLAOut | None = Field(description="For agents; null for customers.")


def person(user: User | None, viewer: User) -> dict | None:
    """Someone on a ticket. Customers see staff by name only, as in the
    portal, never their addresses."""
    if user is None:
        return None
    hidden = user.is_agent and not viewer.is_agent
    return {
        "id": str(user.pk),
        "email": None if hidden else user.email,
        "full_name": user.display_name if hidden else user.full_name,
    }


def named(obj) -> dict | None:
    return {"id": str(obj.pk), "name": obj.name} if obj is not None else None


def ticket_out(ticket: Ticket, viewer: User) -> dict:
    """A ticket as ``viewer`` may see it: team and service levels are the
    helpdesk's own business, shown to agents only."""
    staff = viewer.is_agent
    return {
        "number": ticket.number,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "requester": person(ticket.requester, viewer),
        "organization": named(ticket.organization),
        "department": named(ticket.department),
        "team": named(ticket.team) if staff else None,
        "assignee": person(ticket.assignee, viewer),
        "category": named(ticket.category),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at,
        "solved_at": ticket.solved_at,
        "closed_at": ticket.closed_at,
        "merged_into": ticket.merged_into.number if ticket.merged_into_id else None,
        "follow_up_of": ticket.follow_up_of.number if ticket.follow_up_of_id else None,
        "sla": {
            "policy": str(ticket.sla_policy) if ticket.sla_policy_id else None,
            "first_response_due_at": ticket.first_response_due_at,
            "next_response_due_at": ticket.next_response_due_at,
            "resolution_due_at": ticket.resolution_due_at,
            "paused": ticket.sla_paused_since is not None,
        }
        if staff
        else None,
    }


class AttachmentOut(Schema):
    id: str
    name: str
    content_type: str
    size: int
    sha256: str
    url: str


class MessageOut(Schema):
    id: str
    ticket: int = Field(description="A reply to a closed ticket lands on a follow-up.")
    author: PersonRef
    body: str
    internal: bool
    created_at: datetime
    attachments: list[AttachmentOut]
    rejected_attachments: list[str] = []


def message_out(message: Message, ticket: Ticket, viewer: User) -> dict:
    return {
        "id": str(message.pk),
        "ticket": ticket.number,
        "author": person(message.author, viewer),
        "body": message.body,
        "internal": message.internal,
        "created_at": message.created_at,
        "attachments": [
            {
                "id": str(item.pk),
                "name": item.original_name,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "url": f"/api/v1/tickets/{ticket.number}/attachments/{item.pk}",
            }
            for item in message.attachments.all()
        ],
        "rejected_attachments": [
            str(item) for item in getattr(message, "rejected_attachments", [])
        ],
    }


class TicketFilterIn(In):
    view: View = "all"
    status: list[TicketStatus] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    category: str | None = None
    department: str | None = None
    team: str | None = None
    assignee: str = Field("", description='"me", "none" or a user id')
    organization: str | None = None
    requester: str = ""
    created_from: date | None = None
    created_to: date | None = None
    q: str = Field("", max_length=200)
    sort: Sort = "-updated"
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


class TicketCreateIn(In):
    subject: str = Field(min_length=1, max_length=255)
    body: str = Field(min_length=1, max_length=100_000)
    category_id: str | None = None
    priority: Priority = "normal"
    requester_email: str | None = Field(
        None,
        max_length=254,
        description="Agents: open it for this customer.",
        json_schema_extra={"format": "email"},
    )
    requester_name: str = Field("", max_length=150)
    department_id: str | None = None
    team_id: str | None = None
    assignee_id: str | None = None


class TicketUpdateIn(In):
    subject: str | None = Field(None, min_length=1, max_length=255)
    priority: Priority | None = None
    category_id: str | None = Field(None, description="null clears it")
    department_id: str | None = Field(None, description="null clears it")
    team_id: str | None = Field(None, description="null clears it")
    assignee_id: str | None = Field(None, description="null unassigns")


class StatusIn(In):
    status: TicketStatus


class CategoryOut(RowOut):
    name: str
    slug: str
    default_department_id: str | None
    active: bool

    @staticmethod
    def resolve_default_department_id(obj) -> str | None:
        return text_id(obj.default_department_id)


class CategoryIn(In):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")
    default_department_id: str | None = None
    active: bool = True


class CategoryPatch(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    default_department_id: str | None = Field(None, description="null clears it")
    active: bool | None = None


class CannedOut(RowOut):
    title: str
    body: str
    shared: bool
    owner_id: str

    @staticmethod
    def resolve_owner_id(obj) -> str:
        return text_id(obj.owner_id)


class CannedIn(In):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    shared: bool = False


# --- Tickets ----------------------------------------------------------------


def _ticket(request: HttpRequest, number: int) -> Ticket:
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


def _pk(model, value: str | None, label: str):
    """A primary key from the query string, checked, or a 400."""
    if value in (None, ""):
        return None
    try:
        return model._meta.pk.to_python(value)
    except DjangoValidationError:
        raise ApiError(
            400, f"{value!r} is not an id.", "invalid", {label: ["Not an id."]}
        ) from None


@router.get(
    "/tickets", response=answers({200: Page[TicketOut]}), summary="List tickets"
)
def ticket_list(request, filters: Query[TicketFilterIn]):
    """The tickets the caller may see: an agent's views and filters as in the
    workspace; a customer's own (and their organization's, when it shares)."""
    user = request.user
    ids = {
        "category": _pk(Category, filters.category, "category"),
        "department": _pk(Department, filters.department, "department"),
        "team": _pk(Team, filters.team, "team"),
        "organization": _pk(Organization, filters.organization, "organization"),
    }
    if filters.assignee not in ("", "me", "none"):
        _pk(User, filters.assignee, "assignee")
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
                assignee=filters.assignee,
                organization_id=ids["organization"],
                requester=filters.requester,
                created_from=filters.created_from,
                created_to=filters.created_to,
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
    with transaction.atomic():
        requester = user
        if email:
            requester, _ = customer_get_or_create(
                email=email, full_name=payload.requester_name
            )
        ticket = services.ticket_create(
            requester=requester,
            actor=user,
            subject=payload.subject,
            body=payload.body,
            channel=Ticket.Channel.API,
            category=category,
            **routing,
        )
    return Status(201, ticket_out(_saved(ticket), user))


@router.get(
    "/tickets/{int:number}", response=answers({200: TicketOut}), summary="Get a ticket"
)
def ticket_get(request, number: int):
    return ticket_out(_ticket(request, number), request.user)


@router.patch(
    "/tickets/{int:number}",
    response=answers({200: TicketOut}),
    summary="Change a ticket",
)
def ticket_patch(request, number: int, payload: TicketUpdateIn):
    """Agents change subject, priority, category, department, team, assignee;
    only the fields sent change."""
    ticket = _ticket(request, number)
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
    ticket = _ticket(request, number)
    services.ticket_change_status(
        ticket=ticket, actor=request.user, status=payload.status
    )
    return ticket_out(_saved(ticket), request.user)


@router.get(
    "/tickets/{int:number}/messages",
    response=answers({200: list[MessageOut]}),
    summary="List a ticket's messages",
)
def message_list(request, number: int):
    """The conversation; customers never see internal notes."""
    ticket = _ticket(request, number)
    return [
        message_out(message, ticket, request.user)
        for message in selectors.conversation_for(request.user, ticket)
    ]


@router.post(
    "/tickets/{int:number}/messages",
    response=answers({201: MessageOut}),
    summary="Add a reply or an internal note",
)
def message_create(
    request,
    number: int,
    body: Form[str] = "",
    internal: Form[bool] = False,
    files: File[list[NinjaFile]] = None,
):
    """Multipart: ``body``, ``internal`` (agents), and ``files``. A file over
    the size limit refuses the whole request (413); a file of a refused type
    is listed in ``rejected_attachments`` and the message is kept. A
    customer's reply to a closed ticket opens a follow-up, as in the portal."""
    ticket = _ticket(request, number)
    if not request.content_type.startswith(FORM_TYPES):
        raise ApiError(
            400,
            "Send a message as multipart/form-data (or a urlencoded form) with "
            "the fields body, internal and files.",
            "multipart_required",
        )
    if has_nul(body):
        raise ApiError(
            400,
            "The message contains a NUL character.",
            "invalid",
            {"body": ["NUL characters are not allowed."]},
        )
    uploads: list[UploadedFile] = list(files or [])
    for upload in uploads:
        if upload.size > settings.ATTACHMENT_MAX_SIZE:
            raise ApiError(
                413,
                f"{upload.name} is {filesizeformat(upload.size)}, over the "
                f"{filesizeformat(settings.ATTACHMENT_MAX_SIZE)} limit.",
                "too_large",
                {"files": [f"{upload.name} is over the size limit."]},
            )
    if internal or permissions.can_work_ticket(request.user, ticket):
        message = services.message_add(
            ticket=ticket,
            author=request.user,
            body=body,
            internal=internal,
            attachments=uploads,
        )
    else:
        message = services.message_reply_or_follow_up(
            ticket=ticket, author=request.user, body=body, attachments=uploads
        )
    return Status(201, message_out(message, message.ticket, request.user))


@router.get(
    "/tickets/{int:number}/attachments/{attachment_id}",
    response=answers({}),
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file.",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def attachment_get(request, number: int, attachment_id: str):
    """The file, looked up through its ticket; customers never reach the
    files of internal notes."""
    return attachment_file_response(
        selectors.attachment_get_for(request.user, number, attachment_id)
    )


# --- Categories -------------------------------------------------------------


@router.get(
    "/categories", response=answers({200: list[CategoryOut]}), tags=["categories"]
)
def category_list(request):
    """Active categories for everyone; inactive ones too for agents."""
    categories = Category.objects.order_by("name")
    if not request.user.is_agent:
        categories = categories.filter(active=True)
    return list(categories)


@router.post("/categories", response=answers({201: CategoryOut}), tags=["categories"])
def category_create(request, payload: CategoryIn):
    require_admin(request)
    category = services.category_save(
        actor=request.user,
        category=Category(),
        name=payload.name,
        slug=payload.slug,
        default_department=named_row(
            Department, payload.default_department_id, "department"
        ),
        active=payload.active,
    )
    return Status(201, category)


@router.patch(
    "/categories/{category_id}",
    response=answers({200: CategoryOut}),
    tags=["categories"],
)
def category_patch(request, category_id: str, payload: CategoryPatch):
    require_admin(request)
    category = get_or_404(Category.objects.all(), category_id)
    sent = sent_fields(payload, keep_null=("default_department_id",))
    if "default_department_id" in sent:
        sent["default_department"] = named_row(
            Department, sent.pop("default_department_id"), "department"
        )
    return services.category_save(actor=request.user, category=category, **sent)


# --- Canned responses -------------------------------------------------------


@router.get(
    "/canned-responses",
    response=answers({200: list[CannedOut]}),
    tags=["canned responses"],
)
def canned_list(request):
    require_agent(request)
    return list(selectors.canned_for(request.user).order_by("title"))


@router.post(
    "/canned-responses", response=answers({201: CannedOut}), tags=["canned responses"]
)
def canned_create(request, payload: CannedIn):
    require_agent(request)
    return Status(
        201,
        services.canned_create(
            actor=request.user,
            title=payload.title,
            body=payload.body,
            shared=payload.shared,
        ),
    )


def _canned(request, canned_id: str) -> CannedResponse:
    """One of the responses the agent has (their own and the shared ones);
    whether they may change it is the service's rule."""
    require_agent(request)
    return get_or_404(selectors.canned_for(request.user), canned_id)


@router.put(
    "/canned-responses/{canned_id}",
    response=answers({200: CannedOut}),
    tags=["canned responses"],
)
def canned_update(request, canned_id: str, payload: CannedIn):
    response = _canned(request, canned_id)
    return services.canned_update(
        actor=request.user,
        response=response,
        title=payload.title,
        body=payload.body,
        shared=payload.shared,
    )


@router.delete(
    "/canned-responses/{canned_id}",
    response=answers({204: None}),
    tags=["canned responses"],
)
def canned_delete(request, canned_id: str):
    services.canned_delete(
        actor=request.user,
        response=_canned(request, canned_id),
    )
    return Status(204, None)
