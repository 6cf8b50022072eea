"""Which inbound mail waits in the suspended-mail queue instead of being
added, and why (the Zendesk pattern): an agent accepts or rejects it there
(``integrations.services.suspended``). Mail an agent has already accepted
(``InboundEmail.reviewed_by``) is never held again.
"""

from django.conf import settings

from accounts.models import User
from accounts.security import ticket_rate_limit
from helpdesk.ratelimit import RateLimited
from tickets.models import Ticket

from ..authentication import SenderCheck, Verdict
from ..models import InboundEmail
from ..parsing import ParsedEmail


def hold_reason(
    *,
    inbound: InboundEmail,
    parsed: ParsedEmail,
    check: SenderCheck,
    sender: User | None,
    ticket: Ticket | None,
) -> str | None:
    """The outcome text for a mail that must wait for an agent, or None.

    Held are: a reply (``ticket`` found), or anything from an agent's
    address, whose sender failed authentication (or, with
    INBOUND_REQUIRE_SENDER_AUTH, could not be verified); and new requests
    past RATE_LIMIT_TICKETS_PER_ADDRESS an hour from one address. Email
    counts apart from the portal and the API ("email-ticket"): anyone can
    claim an address, so mail in its name must never spend its owner's
    allowance there. Only mail that is not held counts against the limit.
    """
    if inbound.reviewed_by_id is not None:
        return None
    suspect = check.verdict == Verdict.FAILED or (
        check.verdict == Verdict.UNCHECKED and settings.INBOUND_REQUIRE_SENDER_AUTH
    )
    if suspect and (ticket is not None or (sender is not None and sender.is_agent)):
        claim = (
            f"a reply to {ticket.reference}"
            if ticket is not None
            else "mail from an agent's address"
        )
        why = (
            "failed authentication"
            if check.verdict == Verdict.FAILED
            else "could not be verified"
        )
        return (
            f"Suspended: {claim} whose sender {why}; waiting for an agent to "
            "accept or reject it"
        )
    if ticket is None:
        try:
            ticket_rate_limit(
                None, address=parsed.from_address, per_ip=False, scope="email-ticket"
            )
        except RateLimited:
            return (
                "Suspended: too many new requests from this address within an "
                "hour; waiting for an agent to accept or reject it"
            )
    return None
