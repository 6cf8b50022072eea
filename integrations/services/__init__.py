"""Inbound email: storing, processing, polling, and the suspended-mail queue."""

from .imap import mailbox_poll
from .inbound import (
    inbound_enqueue,
    inbound_process,
    inbound_process_pending,
    inbound_queue,
    inbound_receive,
    inbound_store,
)
from .suspended import suspended_accept, suspended_reject

__all__ = [
    "inbound_enqueue",
    "inbound_process",
    "inbound_process_pending",
    "inbound_queue",
    "inbound_receive",
    "inbound_store",
    "mailbox_poll",
    "suspended_accept",
    "suspended_reject",
]
