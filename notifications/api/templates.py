"""Email templates: list, read, create, change, and preview (admins)."""

from datetime import datetime
from typing import Literal

from django.conf import settings
from ninja import Query, Router, Schema, Status
from pydantic import Field

from helpdesk.api import ApiError
from helpdesk.api_tools import In, RowOut, answers, id_value, row_or_404, sent_fields
from tickets.models import Ticket

from .. import editing, selectors
from ..models import EmailTemplate
from ..rendering import TemplateError
from .common import require_email_manager

router = Router(tags=["email templates"])
Language = Literal[tuple(code for code, _ in settings.LANGUAGES)]
SLUG = r"^[-a-zA-Z0-9_]+$"
CONTEXT_NOTE = (
    "Django template language, without tag libraries, include, extends or block. "
    "Context: ticket.number, ticket.reference, ticket.subject, ticket.status, "
    "ticket.priority, ticket.requester_name, ticket.department, "
    "ticket.assignee_name, message.body, message.body_html, message.author_name, "
    "recipient.name, recipient.email, links.ticket, links.portal, site.name, "
    "site.url."
)


class TemplateOut(RowOut):
    key: str
    language: str
    description: str
    subject: str
    body_text: str
    body_html: str
    created_at: datetime
    updated_at: datetime


class TemplateIn(In):
    key: str = Field(min_length=1, max_length=64, pattern=SLUG)
    language: Language = settings.LANGUAGE_CODE
    description: str = Field("", max_length=255)
    subject: str = Field(min_length=1, max_length=255, description=CONTEXT_NOTE)
    body_text: str = Field(min_length=1, max_length=100_000)
    body_html: str = Field("", max_length=200_000, description="Empty: text only.")


class TemplatePatch(In):
    key: str | None = Field(None, min_length=1, max_length=64, pattern=SLUG)
    language: Language | None = None
    description: str | None = Field(None, max_length=255)
    subject: str | None = Field(None, min_length=1, max_length=255)
    body_text: str | None = Field(None, min_length=1, max_length=100_000)
    body_html: str | None = Field(None, max_length=200_000)


class TemplateFilter(In):
    key: str = Field("", max_length=64)
    language: Language | None = None


class PreviewIn(In):
    ticket: int | None = Field(
        None,
        description="Preview with this ticket (by number) and its newest public "
        "message; without it, with a made-up sample ticket.",
    )
    recipient: Literal["customer", "agent"] = Field(
        "customer", description="Whose link to the ticket the email carries."
    )


class PreviewOut(Schema):
    subject: str
    body_text: str
    body_html: str = Field(description="Empty when the template has no HTML body.")
    ticket: int | None = Field(description="The ticket used; null: the sample.")


@router.get("/email-templates", response=answers({200: list[TemplateOut]}))
def template_list(request, filters: Query[TemplateFilter]):
    """Every template, by key then language; ``key`` narrows to one key
    (exactly), ``language`` to one language. Admins only (403 otherwise)."""
    require_email_manager(request)
    templates = EmailTemplate.objects.order_by("key", "language")
    if filters.key:
        templates = templates.filter(key=filters.key)
    if filters.language:
        templates = templates.filter(language=filters.language)
    return list(templates)


@router.post("/email-templates", response=answers({201: TemplateOut}))
def template_create(request, payload: TemplateIn):
    """Create a template. 400 ``invalid`` names each wrong field: a part that
    is not a valid template (with the template engine's reason), a key and
    language that already have a template (``non_field_errors``)."""
    require_email_manager(request)
    template = editing.email_template_save(
        actor=request.user, template=EmailTemplate(), **payload.model_dump()
    )
    return Status(201, template)


@router.get("/email-templates/{template_id}", response=answers({200: TemplateOut}))
def template_get(request, template_id: str):
    """One template; 404 for an id with no template."""
    require_email_manager(request)
    return row_or_404(EmailTemplate.objects.all(), template_id)


@router.patch("/email-templates/{template_id}", response=answers({200: TemplateOut}))
def template_patch(request, template_id: str, payload: TemplatePatch):
    """Change the fields sent (null or absent: unchanged); errors as for
    create. Emails already queued keep the words they were rendered with."""
    require_email_manager(request)
    template = row_or_404(EmailTemplate.objects.all(), template_id)
    return editing.email_template_save(
        actor=request.user, template=template, **sent_fields(payload)
    )


@router.get(
    "/email-templates/{template_id}/preview", response=answers({200: PreviewOut})
)
def template_preview(request, template_id: str, params: Query[PreviewIn]):
    """The saved template rendered as its email would be, with a ticket of
    the caller's choice or a made-up one; nothing is queued or sent. 400
    ``invalid`` for a ticket number with no ticket, 400 ``template_error``
    when the template does not render (with the reason)."""
    require_email_manager(request)
    template = row_or_404(EmailTemplate.objects.all(), template_id)
    ticket = None
    if params.ticket is not None:
        number = id_value(Ticket, params.ticket, field="number")
        ticket = (
            Ticket.objects.select_related("requester", "assignee", "department")
            .filter(number=number)
            .first()
            if number is not None
            else None
        )
        if ticket is None:
            raise ApiError(
                400,
                f"There is no ticket {params.ticket}.",
                "invalid",
                {"ticket": ["No such ticket."]},
            )
    try:
        rendered = selectors.template_preview(
            template=template,
            ticket=ticket,
            recipient_is_agent=params.recipient == "agent",
        )
    except TemplateError as error:
        raise ApiError(
            400,
            f"The template does not render: {error}",
            "template_error",
            {"template": [str(error)]},
        ) from None
    return {
        "subject": rendered.subject,
        "body_text": rendered.body_text,
        "body_html": str(rendered.body_html),
        "ticket": ticket.number if ticket else None,
    }
