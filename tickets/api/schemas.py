"""What the tickets API sends and takes for tickets and messages."""

from datetime import date, datetime
from typing import Literal

from django.conf import settings
from ninja import Schema
from pydantic import Field

from accounts.models import User
from helpdesk.api_tools import In

from .. import selectors
from ..models import Message, SatisfactionRating, Ticket

# Beyond Ticket.objects.for_list(): what an API ticket shows besides a row.
TICKET_EXTRAS = ("merged_into", "follow_up_of", "sla_policy", "satisfaction")

TicketStatus = Literal["new", "open", "pending", "on_hold", "solved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Sort = Literal[tuple(selectors.SORTS)]
View = Literal[tuple(selectors.VIEWS)]


# --- Shapes ----------------------------------------------------------------


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


class SatisfactionSummary(Schema):
    rating: Literal["good", "bad"]
    comment: str
    rated_at: datetime


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
    satisfaction: SatisfactionSummary | None = Field(
        None,
        description="The requester's rating, for agents and the requester; "
        "null until rated.",
    )


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
        "satisfaction": _satisfaction(ticket, viewer),
    }


def _satisfaction(ticket: Ticket, viewer: User) -> dict | None:
    """Agents and the requester see the rating; a colleague does not."""
    if not viewer.is_agent and ticket.requester_id != viewer.pk:
        return None
    try:
        rating = ticket.satisfaction
    except SatisfactionRating.DoesNotExist:
        return None
    return {
        "rating": rating.rating,
        "comment": rating.comment,
        "rated_at": rating.rated_at,
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
    ticket: int = Field(
        description="Where the message landed: a reply to a closed ticket lands on a "
        "follow-up, one to a merged ticket on the live ticket its merges lead to."
    )
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
    satisfaction: Literal["", "good", "bad", "unrated"] = Field(
        "", description="Agents: the requester's rating, or unrated."
    )
    q: str = Field("", max_length=200)
    sort: Sort = "-updated"
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(25, ge=1, le=100)


class TicketCreateIn(In):
    subject: str = Field(min_length=1, max_length=255)
    body: str = Field(min_length=1, max_length=settings.MESSAGE_BODY_MAX_CHARS)
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
