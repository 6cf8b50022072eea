"""Inbound email: storing, processing and polling."""

from .imap import mailbox_poll
from .inbound import inbound_process, inbound_receive, inbound_store

__all__ = ["inbound_process", "inbound_receive", "inbound_store", "mailbox_poll"]
