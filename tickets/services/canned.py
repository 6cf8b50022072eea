"""Canned responses: agents' reusable replies."""

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import PermissionDeniedError
from tickets.models import CannedResponse, Ticket

from .errors import InvalidTicketChange

PLACEHOLDERS = {
    "{requester_name}": "the requester's name",
    "{ticket_number}": "the ticket number, like #1042",
    "{agent_name}": "your name",
}


def canned_render(*, response: CannedResponse, ticket: Ticket, agent: User) -> str:
    """Fill in the placeholders.

    Plain text replacement on purpose: no template engine and no
    ``str.format``, so a response can never reach attributes or settings.
    """
    values = {
        "{requester_name}": ticket.requester.get_short_name(),
        "{ticket_number}": ticket.reference,
        "{agent_name}": agent.display_name,
    }
    text = response.body
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def _check(*, actor: User, shared: bool) -> None:
    if not actor.is_agent:
        raise PermissionDeniedError("Only agents keep canned responses.")
    if shared and not actor.is_admin:
        raise PermissionDeniedError("Only admins can share a response with everyone.")


@atomic
def canned_create(
    *, actor: User, title: str, body: str, shared: bool = False
) -> CannedResponse:
    _check(actor=actor, shared=shared)
    if not title.strip() or not body.strip():
        raise InvalidTicketChange("A canned response needs a title and a text.")
    return CannedResponse.objects.create(
        owner=actor, title=title.strip(), body=body, shared=shared
    )


def can_edit_canned(user: User, response: CannedResponse) -> bool:
    return response.owner_id == user.pk or (response.shared and user.is_admin)


@atomic
def canned_update(
    *, actor: User, response: CannedResponse, title: str, body: str, shared: bool
) -> CannedResponse:
    if not can_edit_canned(actor, response):
        raise PermissionDeniedError("You cannot edit this response.")
    _check(actor=actor, shared=shared and not response.shared)
    if not title.strip() or not body.strip():
        raise InvalidTicketChange("A canned response needs a title and a text.")
    response.title, response.body, response.shared = title.strip(), body, shared
    response.save()
    return response


@atomic
def canned_delete(*, actor: User, response: CannedResponse) -> None:
    if not can_edit_canned(actor, response):
        raise PermissionDeniedError("You cannot delete this response.")
    response.delete()
