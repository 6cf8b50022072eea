from helpdesk.errors import ApplicationError, ConflictError
from tickets.bodies import MessageTooLong
from tickets.selectors.merges import MergeChainBroken


class TicketClosedError(ConflictError):
    code = "ticket_closed"


class InvalidTicketChange(ApplicationError):
    code = "invalid_change"


class MergedIntoUnseenTicket(ApplicationError):
    """A reply to a merged ticket whose live ticket the author may not see.
    A 404, as for any ticket that is not theirs: the reply never reaches it."""

    code = "not_found"
    status_code = 404


__all__ = [
    "InvalidTicketChange",
    "MergeChainBroken",
    "MergedIntoUnseenTicket",
    "MessageTooLong",
    "TicketClosedError",
]
