from helpdesk.errors import ApplicationError, ConflictError


class TicketClosedError(ConflictError):
    code = "ticket_closed"


class InvalidTicketChange(ApplicationError):
    code = "invalid_change"
