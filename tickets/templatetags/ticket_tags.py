"""Rendering helpers for ticket pages: message bodies, badges, the timeline."""

import markdown as markdown_lib
import nh3
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from tickets.models import Ticket, TicketEvent

register = template.Library()

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Markdown (or plain text) to HTML that is safe to show anyone.

    Markdown lets raw HTML through, so everything is cleaned afterwards by
    nh3: no scripts or styles, no event attributes, no ``javascript:`` or
    ``data:`` links, and links open with rel="noopener noreferrer nofollow".
    """
    html = markdown_lib.markdown(
        text or "", extensions=["nl2br", "fenced_code", "tables", "sane_lists"]
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@register.filter
def body_html(text: str) -> SafeString:
    return mark_safe(render_markdown(text))  # noqa: S308 - cleaned by nh3


@register.simple_tag
def status_badge(ticket: Ticket) -> SafeString:
    return format_html(
        '<span class="badge rounded-pill badge-status-{}">{}</span>',
        ticket.status,
        ticket.get_status_display(),
    )


@register.simple_tag
def priority_badge(ticket: Ticket) -> SafeString:
    return format_html(
        '<span class="badge badge-priority-{}">{}</span>',
        ticket.priority,
        ticket.get_priority_display(),
    )


STATUS_LABELS = dict(Ticket.Status.choices)
KIND = TicketEvent.Kind


@register.filter
def event_sentence(event: TicketEvent) -> str:
    """What happened, as a sentence without the actor."""
    old, new = event.old_value, event.new_value
    if event.kind == KIND.CREATED:
        return "opened the ticket"
    if event.kind == KIND.STATUS:
        return (
            f"changed the status from {STATUS_LABELS.get(old, old)} "
            f"to {STATUS_LABELS.get(new, new)}"
        )
    if event.kind == KIND.REPLY:
        return "replied"
    if event.kind == KIND.NOTE:
        return "added an internal note"
    if event.kind == KIND.MERGED_INTO:
        return f"merged this ticket into {new}"
    if event.kind == KIND.MERGED_FROM:
        return f"merged {new} into this ticket"
    if event.kind == KIND.FOLLOW_UP:
        return f"opened follow-up {new}"
    field = event.get_kind_display().replace(" changed", "").lower()
    if not old:
        return f"set the {field} to {new}"
    if not new:
        return f"cleared the {field} (was {old})"
    return f"changed the {field} from {old} to {new}"
