"""Who may review suspended mail and read the inbound log: small pure
functions, no queries of their own beyond the ticket permissions they lean on."""

from accounts.models import User
from tickets import permissions as ticket_permissions

from .models import InboundEmail


def can_review_suspended(user: User, inbound: InboundEmail) -> bool:
    """Agents decide on suspended mail about the tickets they may see. Mail
    that claims no ticket (from an agent's address) is for agents who see
    every ticket, admins among them."""
    if not (user.is_authenticated and user.is_active and user.is_agent):
        return False
    if inbound.ticket_id is None:
        return ticket_permissions.agent_sees_all_tickets(user)
    return ticket_permissions.can_view_ticket(user, inbound.ticket)


def can_manage_inbound(user: User) -> bool:
    """Admins only: the inbound log holds every received mail, whoever it was
    about, with processing errors; retrying one may open tickets. The same
    line the Django admin draws (``User.is_staff`` is an active admin)."""
    return bool(user.is_authenticated and user.is_active and user.is_admin)


def can_download_original(user: User, inbound: InboundEmail) -> bool:
    """The raw email a message came from, with every file it carried (also
    those set aside), is for agents who work that message's ticket; never
    for customers, whom it may not concern (it can hold files the intake
    refused as unsafe)."""
    if not (user.is_authenticated and user.is_active and user.is_agent):
        return False
    return inbound.message_id is not None and ticket_permissions.can_work_ticket(
        user, inbound.message.ticket
    )
