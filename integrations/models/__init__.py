"""The integrations' tables, by subject: inbound mail, Microsoft Teams,
outgoing webhooks."""

from .mail import InboundEmail, Mailbox, private_storage, raw_upload_to
from .teams import TeamsCommand, TeamsConnector, TeamsLink, TeamsPost
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "InboundEmail",
    "Mailbox",
    "TeamsCommand",
    "TeamsConnector",
    "TeamsLink",
    "TeamsPost",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "private_storage",
    "raw_upload_to",
]
