from helpdesk.errors import ApplicationError, ConflictError
from tickets.bodies import MessageTooLong


class TicketClosedError(ConflictError):
    code = "ticket_closed"


class InvalidTicketChange(ApplicationError):
    code = "invalid_change"


__all__ = ["InvalidTicketChange", "MessageTooLong", "TicketClosedError"]
