"""Customer satisfaction: agents read a ticket's rating; its requester gives
or changes it, signed in (their session or key) or with the survey token
from their email."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from helpdesk.api import ApiError
from helpdesk.api_tools import answers

from ..forms.satisfaction import COMMENT_MAX_CHARS
from ..models import Ticket
from ..satisfaction_tokens import survey_link_read
from ..services.satisfaction import (
    SurveysOff,
    satisfaction_for,
    satisfaction_rate,
    satisfaction_window_ends_at,
    surveys_enabled,
)
from .tickets import visible_ticket

router = Router(tags=["satisfaction"])

RatingValue = Literal["good", "bad"]


class SatisfactionOut(Schema):
    ticket: int
    rating: RatingValue | None = Field(description="null until the requester rates.")
    comment: str
    rated_at: datetime | None
    changeable_until: datetime | None = Field(
        description="When the rating can no longer change; null while the "
        "ticket is not closed yet."
    )


class SatisfactionIn(Schema):
    rating: RatingValue
    comment: str | None = Field(
        None,
        max_length=COMMENT_MAX_CHARS,
        description="Leave it out to keep the comment given before.",
    )


class SurveyIn(SatisfactionIn):
    token: str = Field(max_length=2000, description="From the survey email's link.")
    number: int | None = Field(
        None,
        description="The ticket the caller means; refused if the token is for another.",
    )


def rating_out(ticket: Ticket) -> dict:
    rating = satisfaction_for(ticket)
    return {
        "ticket": ticket.number,
        "rating": rating.rating if rating else None,
        "comment": rating.comment if rating else "",
        "rated_at": rating.rated_at if rating else None,
        "changeable_until": satisfaction_window_ends_at(ticket),
    }


def _no_nul(payload: SatisfactionIn) -> None:
    if payload.comment and "\x00" in payload.comment:
        raise ApiError(
            400,
            "The request is not valid.",
            "invalid",
            {"comment": ["NUL characters are not allowed."]},
        )


@router.get(
    "/tickets/{int:number}/satisfaction",
    response=answers({200: SatisfactionOut}),
    summary="Get a ticket's satisfaction rating",
)
def satisfaction_get(request: HttpRequest, number: int):
    """Agents who may see the ticket, and its requester. Ratings stay readable
    when surveys are turned off."""
    ticket = visible_ticket(request, number)
    if not request.user.is_agent and ticket.requester_id != request.user.pk:
        raise ApiError(
            403, "Only our team and the requester see the rating.", "forbidden"
        )
    return rating_out(ticket)


@router.post(
    "/tickets/{int:number}/satisfaction",
    response=answers({200: SatisfactionOut}),
    summary="Rate a solved ticket (its requester)",
)
def satisfaction_post(request: HttpRequest, number: int, payload: SatisfactionIn):
    """The requester rates their solved or closed ticket, or changes the
    rating until it has been closed for CSAT_TOKEN_MAX_AGE_DAYS. Agents and
    colleagues: 403; someone else's ticket: 404; not solved or too late: 409;
    surveys off: 404 ``satisfaction_off``."""
    _no_nul(payload)
    ticket = visible_ticket(request, number)
    satisfaction_rate(
        ticket=ticket,
        actor=request.user,
        rating=payload.rating,
        comment=payload.comment,
    )
    return rating_out(ticket)


@router.post(
    "/satisfaction",
    auth=None,
    response=answers({200: SatisfactionOut}),
    summary="Rate a ticket with a survey token (no sign-in)",
)
def satisfaction_post_with_token(request: HttpRequest, payload: SurveyIn):
    """The token from the survey email rates its own ticket for its own
    requester, and nothing else: tampered 404 ``survey_link_invalid``,
    expired 410 ``survey_link_expired``, another ticket's ``number`` or a
    ticket whose requester changed 404."""
    _no_nul(payload)
    if not surveys_enabled():
        raise SurveysOff("Satisfaction surveys are turned off.")
    link = survey_link_read(payload.token, number=payload.number)
    satisfaction_rate(
        ticket=link.ticket,
        actor=link.requester,
        rating=payload.rating,
        comment=payload.comment,
    )
    return rating_out(link.ticket)
