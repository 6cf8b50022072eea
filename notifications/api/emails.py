"""The email log: every email the helpdesk sent or tried to, and sending a
failed one again (admins)."""

from datetime import date, datetime
from typing import Literal

from ninja import Query, Router
from pydantic import Field

from helpdesk.api_tools import (
    In,
    Page,
    RowOut,
    answers,
    id_value,
    page_of,
    row_or_404,
    text_id,
)
from tickets.models import Ticket

from .. import editing, selectors
from ..models import EmailLog
from .common import require_email_manager

router = Router(tags=["email log"])
StatusName = Literal[tuple(EmailLog.Status.values)]


class EmailOut(RowOut):
    recipient: str
    template_key: str
    rule_id: str | None
    ticket: int | None = Field(description="The ticket's number, if any.")
    subject: str
    status: str
    attempts: int
    error: str
    message_id: str
    created_at: datetime
    scheduled_for: datetime
    sent_at: datetime | None

    @staticmethod
    def resolve_rule_id(obj) -> str | None:
        return text_id(obj.rule_id)

    @staticmethod
    def resolve_ticket(obj) -> int | None:
        return obj.ticket.number if obj.ticket_id else None


class EmailDetailOut(EmailOut):
    body_text: str
    body_html: str
    reply_to: str
    references: str


class EmailFilter(In):
    status: StatusName | None = None
    recipient: str = Field("", max_length=254, description="Part of the address.")
    ticket: int | None = Field(None, description="A ticket number.")
    created_from: date | None = Field(None, description="First day, included.")
    created_to: date | None = Field(None, description="Last day, included.")
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


@router.get("/emails", response=answers({200: Page[EmailOut]}))
def email_list(request, filters: Query[EmailFilter]):
    """Logged emails, newest first, without their bodies. Days are whole
    days in the site's time zone. Admins only (403 otherwise)."""
    require_email_manager(request)
    number = None
    if filters.ticket is not None:
        number = id_value(Ticket, filters.ticket, field="number")
        if number is None:  # no ticket can have it: nothing matches
            number = -1
    emails = selectors.email_log_list(
        filters=selectors.EmailLogFilters(
            status=filters.status,
            recipient=filters.recipient,
            ticket_number=number,
            created_from=filters.created_from,
            created_to=filters.created_to,
        )
    )
    return page_of(emails, filters.page, filters.per_page)


@router.get("/emails/{email_id}", response=answers({200: EmailDetailOut}))
def email_get(request, email_id: str):
    """One logged email with its bodies, as rendered when it was queued."""
    require_email_manager(request)
    return row_or_404(EmailLog.objects.select_related("ticket"), email_id)


@router.post("/emails/{email_id}/retry", response=answers({200: EmailDetailOut}))
def email_retry(request, email_id: str):
    """Queue a failed email again, unchanged (same text, same Message-ID);
    it is sent after this call, and its status shows how that went. 409
    ``not_failed`` for an email that is not failed, ``not_rendered`` for one
    whose template failed (there is nothing to send)."""
    require_email_manager(request)
    entry = row_or_404(EmailLog.objects.select_related("ticket"), email_id)
    return editing.email_log_retry(actor=request.user, entry=entry)
