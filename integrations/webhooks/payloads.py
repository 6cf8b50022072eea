"""The JSON body of a webhook: one stable schema for every event type.

Shape (README, "Webhooks"; keys that do not apply to a type are absent)::

    {"type": "ticket.status_changed",          # a WebhookEvent value
     "timestamp": "2026-11-30T04:00:00.123456Z",  # when it happened, UTC
     "sequence": 42,                           # per endpoint, +1 per delivery
     "data": {"ticket": {...}, "actor": {...} | null,
              "change": {"field", "old", "new"},   # updated/status/assigned/merged
              "message": {...},                     # message.added
              "sla": {"target", "due_at"},          # sla.warning / sla.breached
              "satisfaction": {"rating", "comment"}}}  # satisfaction.rated

Ids are strings; times ISO 8601 in UTC with a ``Z``. The bytes are compact
UTF-8 JSON, signed as sent (Standard Webhooks signs the exact body).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Q

from accounts.models import User
from tickets.models import Message, Ticket, TicketEvent

from ..models.webhooks import WebhookEndpoint, WebhookEvent

Kind = TicketEvent.Kind

# TicketEvent.Kind -> the webhook type; kinds not listed send nothing.
EVENT_TYPES: dict[str, str] = {
    Kind.CREATED: WebhookEvent.TICKET_CREATED,
    Kind.STATUS: WebhookEvent.TICKET_STATUS_CHANGED,
    Kind.ASSIGNEE: WebhookEvent.TICKET_ASSIGNED,
    Kind.PRIORITY: WebhookEvent.TICKET_UPDATED,
    Kind.TEAM: WebhookEvent.TICKET_UPDATED,
    Kind.DEPARTMENT: WebhookEvent.TICKET_UPDATED,
    Kind.CATEGORY: WebhookEvent.TICKET_UPDATED,
    Kind.SUBJECT: WebhookEvent.TICKET_UPDATED,
    Kind.REPLY: WebhookEvent.MESSAGE_ADDED,
    Kind.NOTE: WebhookEvent.MESSAGE_ADDED,
    Kind.MERGED_INTO: WebhookEvent.TICKET_MERGED,
    Kind.SLA_WARNING: WebhookEvent.SLA_WARNING,
    Kind.SLA_BREACHED: WebhookEvent.SLA_BREACHED,
    Kind.SATISFACTION: WebhookEvent.SATISFACTION_RATED,
}

# The SLA events store the target's label (tickets.services.sla.TARGET_LABELS).
SLA_TARGETS = {
    "first response": "first_response",
    "next response": "next_response",
    "resolution": "resolution",
}


def event_type_of(kind: str) -> str | None:
    """The webhook type a ticket event kind sends, or None for none."""
    return EVENT_TYPES.get(kind)


def iso(value: datetime | None) -> str | None:
    """``2026-11-30T04:00:00.123456Z``: UTC, microseconds, a ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def body_bytes(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes sent and signed."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def envelope(
    *, event_type: str, timestamp: datetime, sequence: int, data: dict
) -> dict[str, Any]:
    """The body every delivery shares: ``type`` (a WebhookEvent value),
    ``timestamp`` (when the event happened, ISO 8601 UTC), ``sequence`` (per
    endpoint) and the type's ``data`` (README, "Webhooks")."""
    return {
        "type": event_type,
        "timestamp": iso(timestamp),
        "sequence": sequence,
        "data": data,
    }


def person(user: User | None) -> dict[str, str] | None:
    """``{"id", "name", "email"}`` of a user, None for nobody (the system).
    Nothing else of the account leaves: no role, password or MFA data."""
    if user is None:
        return None
    return {"id": str(user.pk), "name": user.display_name, "email": user.email}


def named(row) -> dict[str, str] | None:
    """``{"id", "name"}`` of an organization, department, team or category;
    None when the ticket has none."""
    if row is None:
        return None
    return {"id": str(row.pk), "name": str(row.name)}


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    """The ticket as it is now (``data.ticket``)."""
    return {
        "id": str(ticket.pk),
        "number": ticket.number,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "requester": person(ticket.requester),
        "assignee": person(ticket.assignee),
        "organization": named(ticket.organization),
        "department": named(ticket.department),
        "team": named(ticket.team),
        "category": named(ticket.category),
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "first_response_due_at": iso(ticket.first_response_due_at),
        "resolution_due_at": iso(ticket.resolution_due_at),
        "url": settings.SITE_URL.rstrip("/") + ticket.get_agent_url(),
    }


def _agent_email(shown: str, ticket: Ticket) -> str:
    """An assignee event stores the agent as shown (name, else email);
    the payload gives the email. "" stays "" (nobody)."""
    if not shown:
        return ""
    if ticket.assignee is not None and shown in (
        ticket.assignee.display_name,
        ticket.assignee.email,
    ):
        return ticket.assignee.email
    agent = (
        User.objects.filter(role__in=[User.Role.AGENT, User.Role.ADMIN])
        .filter(Q(email=shown.lower()) | Q(full_name=shown))
        .order_by("pk")
        .first()
    )
    return agent.email if agent is not None else shown


def _priority_value(shown: str) -> str:
    """Priority events store the label ("High"); the payload gives the value."""
    for value, label in Ticket.Priority.choices:
        if shown in (label, value):
            return value
    return shown


def change_data(event: TicketEvent, ticket: Ticket) -> dict[str, str] | None:
    """``data.change`` for the types that carry one, else None."""
    kind = event.kind
    old, new = event.old_value, event.new_value
    if kind == Kind.STATUS:
        return {"field": "status", "old": old, "new": new}
    if kind == Kind.ASSIGNEE:
        return {
            "field": "assignee",
            "old": _agent_email(old, ticket),
            "new": _agent_email(new, ticket),
        }
    if kind == Kind.PRIORITY:
        return {
            "field": "priority",
            "old": _priority_value(old),
            "new": _priority_value(new),
        }
    if kind in (Kind.TEAM, Kind.DEPARTMENT, Kind.CATEGORY, Kind.SUBJECT):
        return {"field": str(kind), "old": old, "new": new}
    if kind == Kind.MERGED_INTO:
        return {"field": "merged_into", "old": "", "new": new.lstrip("#")}
    return None


def message_data(event: TicketEvent) -> dict[str, Any] | None:
    """``data.message``: the reply or note the event recorded (its pk is the
    event's ``new_value``); None when it is gone."""
    message = (
        Message.objects.select_related("author")
        .filter(pk=event.new_value, ticket_id=event.ticket_id)
        .first()
        if event.new_value
        else None
    )
    if message is None:
        return None
    return {
        "id": str(message.pk),
        "internal": bool(message.internal),
        "author": person(message.author),
        "body": message.body,
        "created_at": iso(message.created_at),
    }


def _due_at(text: str) -> str | None:
    try:
        return iso(datetime.fromisoformat(text))
    except ValueError:
        return None


def event_data(event: TicketEvent) -> dict[str, Any]:
    """``data`` for one ticket event (the ticket as it is when dispatched,
    the actor, and the type's own key). Raises nothing for a kind without a
    webhook type; callers check ``event_type_of`` first."""
    ticket = (
        Ticket.objects.select_related(
            "requester", "assignee", "organization", "department", "team", "category"
        )
        .filter(pk=event.ticket_id)
        .get()
    )
    data: dict[str, Any] = {
        "ticket": ticket_data(ticket),
        "actor": person(event.actor),
    }
    change = change_data(event, ticket)
    if change is not None:
        data["change"] = change
    if event.kind in (Kind.REPLY, Kind.NOTE):
        message = message_data(event)
        if message is not None:
            data["message"] = message
    elif event.kind in (Kind.SLA_WARNING, Kind.SLA_BREACHED):
        data["sla"] = {
            "target": SLA_TARGETS.get(event.new_value, event.new_value),
            "due_at": _due_at(event.old_value),
        }
    elif event.kind == Kind.SATISFACTION:
        rating = getattr(ticket, "satisfaction", None)
        data["satisfaction"] = {
            "rating": event.new_value,
            "comment": rating.comment if rating is not None else "",
        }
    return data


def ping_data(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """``data`` of a ``webhook.ping``."""
    return {"endpoint": {"id": str(endpoint.pk), "url": endpoint.url}}
