"""Ticket forms, by subject; every form is importable from here."""

from .agent import (
    AgentReplyForm,
    AgentTicketCreateForm,
    AssignForm,
    CannedResponseForm,
    MergeConfirmForm,
    MergeForm,
    StatusForm,
    TicketPropertiesForm,
)
from .fields import (
    MultipleFileField,
    MultipleFileInput,
    NumberField,
    attachments_field,
    body_length_validator,
)
from .lists import (
    PER_PAGE,
    SORT_LABELS,
    BulkActionForm,
    SavedFilterForm,
    TicketFilterForm,
)
from .portal import (
    PortalFilterForm,
    PortalReplyForm,
    PortalStatusForm,
    PortalTicketForm,
)
from .satisfaction import SatisfactionForm

__all__ = [
    "PER_PAGE",
    "SORT_LABELS",
    "AgentReplyForm",
    "AgentTicketCreateForm",
    "AssignForm",
    "BulkActionForm",
    "CannedResponseForm",
    "MergeConfirmForm",
    "MergeForm",
    "MultipleFileField",
    "MultipleFileInput",
    "NumberField",
    "PortalFilterForm",
    "PortalReplyForm",
    "PortalStatusForm",
    "PortalTicketForm",
    "SatisfactionForm",
    "SavedFilterForm",
    "StatusForm",
    "TicketFilterForm",
    "TicketPropertiesForm",
    "attachments_field",
    "body_length_validator",
]
