"""The webhook services in one place: dispatching and delivering
(``delivery``) and what admins do with endpoints (``endpoints``)."""

from .delivery import (
    DeliverLater,
    endpoint_disable,
    webhook_deliver,
    webhook_give_up,
    webhooks_dispatch,
)
from .endpoints import (
    WebhookEndpointInvalid,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_save,
    webhook_ping,
    webhook_redeliver,
)

__all__ = [
    "DeliverLater",
    "WebhookEndpointInvalid",
    "endpoint_disable",
    "webhook_deliver",
    "webhook_endpoint_delete",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_save",
    "webhook_give_up",
    "webhook_ping",
    "webhook_redeliver",
    "webhooks_dispatch",
]
