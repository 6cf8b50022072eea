"""Satisfaction on the ticket pages and in the workspace list."""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tickets.models import SatisfactionRating
from tickets.services.satisfaction import (
    can_rate,
    satisfaction_for,
    satisfaction_open,
    satisfaction_window_ends_at,
    surveys_enabled,
)

register = template.Library()

NOT_RATED = SafeString(
    '<span aria-hidden="true">—</span><span class="visually-hidden">Not rated</span>'
)
RATING_LOOK = {
    # The word carries the meaning; the colour and symbol only repeat it.
    SatisfactionRating.Rating.GOOD: ("text-bg-success", "\u263a", "Good"),
    SatisfactionRating.Rating.BAD: ("text-bg-danger", "\u2639", "Bad"),
}


@register.simple_tag
def satisfaction_badge(rating: str | None) -> SafeString:
    """A rating as a badge with its word, or a dash read as "Not rated"."""
    look = RATING_LOOK.get(rating or "")
    if look is None:
        return NOT_RATED
    css, symbol, word = look
    return format_html(
        '<span class="badge {}"><span aria-hidden="true">{}</span> {}</span>',
        css,
        symbol,
        word,
    )


def satisfaction_below(rating: str | None) -> SafeString:
    """The rating under the status, where the list is too narrow for its own
    Satisfaction column (which shows from the xxl breakpoint on)."""
    if rating not in RATING_LOOK:
        return SafeString("")
    return format_html(
        '<div class="d-xxl-none mt-1"><span class="visually-hidden">'
        "Satisfaction: </span>{}</div>",
        satisfaction_badge(rating),
    )


@register.inclusion_tag("tickets/portal/_satisfaction.html", takes_context=True)
def portal_satisfaction(context, ticket) -> dict:
    """The requester's choice on their solved request, or the rating they gave.
    Nothing for colleagues, or when surveys are off."""
    user = context["user"]
    rating = satisfaction_for(ticket) if ticket.requester_id == user.pk else None
    shown = surveys_enabled() and (can_rate(user, ticket) or rating is not None)
    return {
        "shown": shown,
        "ticket": ticket,
        "rating": rating,
        "can_rate": can_rate(user, ticket),
        "until": satisfaction_window_ends_at(ticket),
        "days": settings.CSAT_TOKEN_MAX_AGE_DAYS,
    }


@register.inclusion_tag("tickets/agent/_satisfaction.html")
def agent_satisfaction(ticket) -> dict:
    """The rating and comment for agents; kept visible when surveys are off."""
    rating = satisfaction_for(ticket)
    return {
        "ticket": ticket,
        "rating": rating,
        "awaiting": rating is None and satisfaction_open(ticket),
    }
