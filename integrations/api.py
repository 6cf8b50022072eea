"""The inbound log: every received email, what processing made of it, and
processing a failed one again (admins)."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from pydantic import Field

from helpdesk.api import ApiError
from helpdesk.api_tools import (
    In,
    Page,
    RowOut,
    answers,
    page_of,
    require_admin,
    row_or_404,
    text_id,
)

from . import selectors
from .models import InboundEmail
from .permissions import can_manage_inbound
from .services.retry import inbound_retry

router = Router(tags=["inbound email"])
StatusName = Literal[tuple(InboundEmail.Status.values)]
RAW_CONTENT = {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}}


class InboundOut(RowOut):
    source: str
    mailbox: str | None = Field(description="The mailbox's name; null: the pipe.")
    from_address: str
    subject: str
    email_message_id: str
    size: int = Field(description="Bytes of the raw message.")
    status: str
    outcome: str
    sender_verification: str
    attempts: int
    ticket: int | None = Field(description="The ticket's number, if any.")
    message_id: str | None = Field(description="The message it became, if any.")
    received_at: datetime
    processed_at: datetime | None

    @staticmethod
    def resolve_mailbox(obj) -> str | None:
        return obj.mailbox.name if obj.mailbox_id else None

    @staticmethod
    def resolve_ticket(obj) -> int | None:
        return obj.ticket.number if obj.ticket_id else None

    @staticmethod
    def resolve_message_id(obj) -> str | None:
        return text_id(obj.message_id)


class InboundDetailOut(InboundOut):
    error: str = Field(description="Why processing failed, with the traceback.")
    authentication_detail: str
    reviewed_by_id: str | None
    reviewed_at: datetime | None

    @staticmethod
    def resolve_reviewed_by_id(obj) -> str | None:
        return text_id(obj.reviewed_by_id)


class InboundFilter(In):
    status: StatusName | None = None
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


def require_inbound_manager(request: HttpRequest) -> None:
    """403 for agents and customers, and for an admin without a proven second
    factor, as every admin operation of the API; then the app's own rule."""
    require_admin(request)
    if not can_manage_inbound(request.user):
        raise ApiError(403, "Only admins may read the inbound log.", "admins_only")


def _inbound(request: HttpRequest, inbound_id: str) -> InboundEmail:
    require_inbound_manager(request)
    return row_or_404(
        InboundEmail.objects.select_related("mailbox", "ticket"), inbound_id
    )


@router.get("/inbound-emails", response=answers({200: Page[InboundOut]}))
def inbound_list(request, filters: Query[InboundFilter]):
    """Received mail, newest first; ``status=failed`` lists what needs a
    look. Admins only (403 otherwise)."""
    require_inbound_manager(request)
    return page_of(
        selectors.inbound_log_list(status=filters.status),
        filters.page,
        filters.per_page,
    )


@router.get("/inbound-emails/{inbound_id}", response=answers({200: InboundDetailOut}))
def inbound_get(request, inbound_id: str):
    """One received message: what processing did (``outcome``) or why it
    failed (``error``)."""
    return _inbound(request, inbound_id)


@router.get(
    "/inbound-emails/{inbound_id}/raw",
    response=answers({200: None}),
    openapi_extra={"responses": {200: {"description": "OK", "content": RAW_CONTENT}}},
)
def inbound_raw(request, inbound_id: str):
    """The message as received (``message/rfc822``), as an attachment: it is
    someone's mail, possibly hostile, never shown inline."""
    inbound = _inbound(request, inbound_id)
    with inbound.raw.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "/inbound-emails/{inbound_id}/retry", response=answers({200: InboundDetailOut})
)
def inbound_retry_now(request, inbound_id: str):
    """Process a failed message again, now; answers with its new status and
    outcome (``failed`` again, with the new error, if it still fails). 409
    ``not_failed`` for a message that is not failed."""
    inbound = _inbound(request, inbound_id)
    return inbound_retry(actor=request.user, inbound=inbound)
