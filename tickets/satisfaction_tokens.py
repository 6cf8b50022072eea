"""Signed survey links: rate one ticket, as its requester, without signing in.

A token names a ticket and the requester it was made for, signed with the
secret key and a salt of its own (a token made for anything else never
reads as a survey token). It is refused when it was tampered with, when it
is older than ``CSAT_TOKEN_MAX_AGE_DAYS``, when its ticket is gone, or when
the ticket now has another requester: it rates that one ticket for that one
person, and using it again only changes that rating (until the window of
``tickets.services.satisfaction`` closes).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from helpdesk.errors import ApplicationError

from .models import Ticket

SALT = "tickets.satisfaction.survey-link"


class SurveyLinkInvalid(ApplicationError):
    """Tampered with, cut short, made for another request or another person."""

    code = "survey_link_invalid"
    status_code = 404


class SurveyLinkExpired(ApplicationError):
    code = "survey_link_expired"
    status_code = 410


@dataclass(frozen=True)
class SurveyLink:
    """What a valid token stands for."""

    ticket: Ticket
    requester: User
    expires_at: datetime


def token_max_age() -> timedelta:
    return timedelta(days=settings.CSAT_TOKEN_MAX_AGE_DAYS)


def survey_token_make(ticket: Ticket) -> str:
    """A token for the ticket's current requester. Ids travel as text."""
    return signing.dumps(
        {
            "t": str(ticket.pk),
            "r": str(ticket.requester_id),
            "at": int(timezone.now().timestamp()),
        },
        salt=SALT,
        compress=True,
    )


def survey_link_read(token: str, *, number: int | None = None) -> SurveyLink:
    """The ticket and requester of a valid token; ``number``, when given, must
    be that ticket's number. Raises SurveyLinkExpired or SurveyLinkInvalid,
    never anything else, whatever the token holds."""
    invalid = SurveyLinkInvalid(
        "This survey link is not valid. Use the link from your most recent "
        "email, or rate the request from your requests page."
    )
    try:
        payload = signing.loads(token, salt=SALT, max_age=token_max_age())
    except signing.SignatureExpired:
        raise SurveyLinkExpired(
            "This survey link has expired. You can still rate the request "
            "from your requests page while it can be rated."
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise invalid from None
    if not isinstance(payload, dict):
        raise invalid
    ticket_pk, requester_pk = payload.get("t"), payload.get("r")
    issued = payload.get("at")
    if not (
        isinstance(ticket_pk, str)
        and isinstance(requester_pk, str)
        and isinstance(issued, int)
    ):
        raise invalid
    pk = _pk(Ticket, ticket_pk)
    ticket = (
        Ticket.objects.select_related("requester").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if ticket is None or str(ticket.requester_id) != requester_pk:
        raise invalid
    if number is not None and ticket.number != number:
        raise SurveyLinkInvalid("This survey link is for another request.")
    issued_at = datetime.fromtimestamp(issued, tz=UTC)
    return SurveyLink(
        ticket=ticket,
        requester=ticket.requester,
        expires_at=issued_at + token_max_age(),
    )


def _pk(model, value: str):
    """The value as the model's primary key, or None when it cannot be one."""
    try:
        return model._meta.pk.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None
