"""Adaptive Cards for Teams: the message envelope every card travels in, and
the ticket cards the automation rules post.

Teams Workflows ("post to a channel when a webhook request is received")
and outgoing-webhook replies both take a Bot Framework message activity
whose ``attachments`` hold the card (Microsoft Learn, "Create an Incoming
Webhook" and "Create Outgoing Webhooks"). Cards use schema version 1.4, the
newest every Teams client renders.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tickets.models import UNSOLVED_STATUSES, Ticket, TicketEvent

ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_VERSION = "1.4"
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def adaptive_card(body: list[dict], actions: list[dict] | None = None) -> dict:
    """An AdaptiveCard of ``body`` elements and optional ``actions``."""
    card: dict = {
        "type": "AdaptiveCard",
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def adaptive_message(card: dict) -> dict:
    """The message activity that carries ``card`` (an AdaptiveCard dict)."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": ADAPTIVE_CARD_CONTENT_TYPE,
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def text_message(text: str) -> dict:
    """A plain message activity; Teams renders ``text`` as limited Markdown."""
    return {"type": "message", "text": text}


# --- Ticket cards ---------------------------------------------------------------

# Teams renders TextBlock and FactSet text as a Markdown subset (bold,
# italic, lists, links; Microsoft Learn, "Format cards in Microsoft Teams").
# Text people typed (a subject, a name, a comment) is escaped the CommonMark
# way (a backslash before ASCII punctuation shows the character itself), so
# ``[click](http://evil)`` or ``**x**`` reads literally instead of becoming a
# link or bold text; ``<`` and ``>`` (HTML in some clients) likewise.
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>~]|&(?=#?\w+;))")
# A line starting "- ", "+ ", "1. ", "1) " or "# " would become a list item
# or a heading.
LINE_MARKER = re.compile(r"^(\s*\d*)([-+.)]|#{1,6})(?=\s|$)", re.MULTILINE)
DETAIL_MAX_CHARS = 500
SLA_TARGET_LABELS = {
    "first_response": "first response",
    "next_response": "next response",
    "resolution": "resolution",
}


def markdown_literal(text: str, *, one_line: bool = True) -> str:
    """``text`` as Teams Markdown that shows exactly ``text``: punctuation
    that starts markup gets a backslash (CommonMark §2.4, backslash escapes),
    as does a list marker at the start of a line. ``one_line`` folds line
    breaks into spaces (a title or a name is one line)."""
    if one_line:
        text = " ".join(text.split())
    text = MARKDOWN_SPECIALS.sub(r"\\\1", text)
    return LINE_MARKER.sub(_escape_marker, text)


def _escape_marker(match: re.Match) -> str:
    return f"{match[1]}\\{match[2]}"


def _truncate(text: str, limit: int = DETAIL_MAX_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when(moment: datetime) -> str:
    """A due time on the site's wall clock: "Mon 30 Nov 14:05 UTC"."""
    from tickets.templatetags.ticket_tags import wall_clock

    zone = timezone.get_default_timezone()
    return wall_clock(moment, zone, timezone.now())


def sla_state(ticket: Ticket, now: datetime | None = None) -> tuple[str, str]:
    """The ticket's SLA state and a phrase for the card: ("on track", "on
    track: first response due Mon 30 Nov 14:05 UTC"), "at risk" (within the
    policy's warning time, in business minutes, as the agent's SLA badge
    reads it), "breached" ("was due ..."), "paused" (the resolution clock
    stands still while waiting) or "none" (no policy, or nothing running:
    solved, closed, every target met)."""
    from tickets.services.sla import nearest_deadline, sla_minutes_left
    from tickets.services.sla_policies import policy_cached

    now = now or timezone.now()
    policy = policy_cached(ticket.sla_policy_id) if ticket.sla_policy_id else None
    if policy is None:
        return "none", "none"
    nearest = nearest_deadline(ticket)
    if nearest is None:
        if ticket.sla_paused_since is not None and ticket.status in UNSOLVED_STATUSES:
            return "paused", "paused"
        return "none", "none"
    target, due = nearest
    label = SLA_TARGET_LABELS.get(target, str(target))
    if due <= now:
        return "breached", f"breached: {label} was due {_when(due)}"
    minutes, _capped = sla_minutes_left(ticket, due, now)
    state = "at risk" if minutes <= policy.warn_before_minutes else "on track"
    return state, f"{state}: {label} due {_when(due)}"


def ticket_card(
    *,
    ticket: Ticket,
    headline: str,
    detail: str = "",
    now: datetime | None = None,
) -> dict:
    """The AdaptiveCard (schema 1.4) the automation rules post about a ticket.

    ``headline`` (ours, e.g. "New urgent ticket", shown as is) in bold
    above the title "#1042 Subject"; a FactSet with Requester, Priority,
    Status, SLA (state and due time), Assignee (or Unassigned) and
    Department/Team; ``detail`` (e.g. a bad rating's comment; text someone
    typed) below, at most 500 characters; an "Open ticket" button to the
    agent's page (absolute, from SITE_URL). Everything users typed is shown
    literally (``markdown_literal``). The SLA state is as of ``now``
    (default: now; a card about an event passes the event's time). Returns
    the card dict; wrap it with ``adaptive_message`` to post it.
    """
    from notifications.rendering import absolute

    requester = ticket.requester
    assignee = ticket.assignee
    place = " / ".join(
        part.name for part in (ticket.department, ticket.team) if part is not None
    )
    _state, sla_phrase = sla_state(ticket, now)
    facts = [
        ("Requester", f"{requester.display_name} ({requester.email})"),
        ("Priority", ticket.get_priority_display()),
        ("Status", ticket.get_status_display()),
        ("SLA", sla_phrase),
        ("Assignee", assignee.display_name if assignee else "Unassigned"),
        ("Department/Team", place or "None"),
    ]
    body: list[dict] = [
        {
            "type": "TextBlock",
            "text": markdown_literal(headline),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {
            "type": "TextBlock",
            "text": markdown_literal(f"{ticket.reference} {ticket.subject}"),
            "weight": "Bolder",
            "wrap": True,
            "spacing": "Small",
        },
        {
            "type": "FactSet",
            "facts": [
                {"title": title, "value": markdown_literal(value)}
                for title, value in facts
            ],
        },
    ]
    if detail.strip():
        body.append(
            {
                "type": "TextBlock",
                "text": markdown_literal(_truncate(detail), one_line=False),
                "wrap": True,
                "isSubtle": True,
            }
        )
    actions = [
        {
            "type": "Action.OpenUrl",
            "title": "Open ticket",
            "url": absolute(ticket.get_agent_url()),
        }
    ]
    return adaptive_card(body, actions)


def _sla_headline(prefix: str, ticket_event: TicketEvent | None) -> str:
    """ "SLA target at risk: first response due Mon 30 Nov 14:05 UTC": the
    sweep's event holds the target's label (new value) and due time (old
    value, ISO 8601)."""
    if ticket_event is None or not ticket_event.new_value:
        return prefix
    due = parse_datetime(ticket_event.old_value or "")
    if due is None:
        return f"{prefix}: {ticket_event.new_value}"
    verb = "was due" if ticket_event.kind == TicketEvent.Kind.SLA_BREACHED else "due"
    return f"{prefix}: {ticket_event.new_value} {verb} {_when(due)}"


def card_for_notice(notice, *, ticket_event: TicketEvent | None = None) -> dict:
    """The card for a ``notifications.services.TicketNotice``: its headline
    and detail chosen by the notification event. ``ticket_event`` (the
    TicketEvent behind it) gives the SLA target and due time."""
    from notifications.models import Event

    ticket = notice.ticket
    detail = ""
    event = notice.event
    if event == Event.TICKET_CREATED:
        headline = f"New {ticket.get_priority_display().lower()} ticket"
        if notice.message is not None:
            detail = notice.message.body
    elif event == Event.SLA_WARNING:
        headline = _sla_headline("SLA target at risk", ticket_event)
    elif event == Event.SLA_BREACH:
        headline = _sla_headline("SLA target breached", ticket_event)
    elif event in (Event.SATISFACTION_GOOD, Event.SATISFACTION_BAD):
        from tickets.services.satisfaction import satisfaction_for

        rating = satisfaction_for(ticket)
        good = event == Event.SATISFACTION_GOOD
        headline = "Rated Good" if good else "Rated Bad"
        detail = rating.comment if rating is not None else ""
    elif event in (Event.AGENT_REPLY, Event.CUSTOMER_REPLY):
        author = notice.message.author if notice.message else None
        headline = f"New reply from {author.display_name}" if author else "New reply"
        detail = notice.message.body if notice.message else ""
    elif event == Event.TICKET_ASSIGNED:
        assignee = ticket.assignee
        headline = f"Assigned to {assignee.display_name}" if assignee else "Assigned"
    elif event == Event.TICKET_MERGED and ticket.merged_into_id:
        headline = f"Merged into {ticket.merged_into.reference}"
    else:
        headline = Event(event).label
    return ticket_card(
        ticket=ticket,
        headline=headline,
        detail=detail,
        now=ticket_event.created_at if ticket_event is not None else None,
    )
