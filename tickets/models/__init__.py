"""The tickets app's models, split by subject."""

from .counts import TicketCount
from .satisfaction import SatisfactionRating
from .search import SearchTerm
from .sla import (
    BusinessCalendar,
    BusinessHoliday,
    BusinessHours,
    SLANotice,
    SLAPolicy,
    SLATarget,
)
from .tickets import (
    UNSOLVED_STATUSES,
    Attachment,
    Category,
    Message,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
    TicketQuerySet,
    attachment_upload_to,
    private_storage,
)
from .workspace import CannedResponse, SavedFilter, TicketPresence

__all__ = [
    "UNSOLVED_STATUSES",
    "Attachment",
    "BusinessCalendar",
    "BusinessHoliday",
    "BusinessHours",
    "CannedResponse",
    "Category",
    "Message",
    "SLANotice",
    "SLAPolicy",
    "SLATarget",
    "SatisfactionRating",
    "SavedFilter",
    "SearchTerm",
    "Ticket",
    "TicketCount",
    "TicketEvent",
    "TicketNumberCounter",
    "TicketPresence",
    "TicketQuerySet",
    "attachment_upload_to",
    "private_storage",
]
