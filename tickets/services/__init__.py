"""Writes to tickets. Every change goes through here and leaves an event.

Split by subject; import from the package: ``from tickets import services``.
"""

from .attachments import RejectedAttachment, attachment_rejection_reason
from .canned import (
    PLACEHOLDERS,
    can_edit_canned,
    canned_create,
    canned_delete,
    canned_render,
    canned_update,
)
from .catalog import category_save
from .counts import (
    ticket_counts_apply,
    ticket_counts_differences,
    ticket_counts_rebuild,
)
from .errors import (
    InvalidTicketChange,
    MergeChainBroken,
    MergedIntoUnseenTicket,
    MessageTooLong,
    TicketClosedError,
)
from .filters import saved_filter_delete, saved_filter_save
from .messages import message_add, message_reply_or_follow_up
from .presence import presence_leave, presence_touch
from .status import ticket_change_status, tickets_close_solved
from .tickets import (
    TRACKED_FIELDS,
    UNCHANGED,
    BulkResult,
    merge_public_by_default,
    ticket_assign,
    ticket_create,
    ticket_merge,
    ticket_merge_check,
    ticket_take,
    ticket_update,
    tickets_bulk_update,
)

__all__ = [
    "PLACEHOLDERS",
    "TRACKED_FIELDS",
    "UNCHANGED",
    "BulkResult",
    "InvalidTicketChange",
    "MergeChainBroken",
    "MergedIntoUnseenTicket",
    "MessageTooLong",
    "RejectedAttachment",
    "TicketClosedError",
    "attachment_rejection_reason",
    "can_edit_canned",
    "canned_create",
    "canned_delete",
    "canned_render",
    "canned_update",
    "category_save",
    "merge_public_by_default",
    "message_add",
    "message_reply_or_follow_up",
    "presence_leave",
    "presence_touch",
    "saved_filter_delete",
    "saved_filter_save",
    "ticket_assign",
    "ticket_change_status",
    "ticket_counts_apply",
    "ticket_counts_differences",
    "ticket_counts_rebuild",
    "ticket_create",
    "ticket_merge",
    "ticket_merge_check",
    "ticket_take",
    "ticket_update",
    "tickets_bulk_update",
    "tickets_close_solved",
]
