"""Outgoing webhooks: endpoints admins register, one delivery per event and
endpoint, and every attempt at it."""

import base64
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from helpdesk.models import TimeStampedModel

from ..crypto import decrypt, encrypt


class WebhookEvent(models.TextChoices):
    """The event types an endpoint may subscribe to (``type`` in the payload;
    the schema of each is in the README, "Webhooks")."""

    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_UPDATED = "ticket.updated", "Ticket updated (priority, team, …)"
    TICKET_STATUS_CHANGED = "ticket.status_changed", "Ticket status changed"
    TICKET_ASSIGNED = "ticket.assigned", "Ticket assigned or unassigned"
    TICKET_MERGED = "ticket.merged", "Ticket merged into another"
    MESSAGE_ADDED = "message.added", "Message added (public or internal)"
    SLA_WARNING = "sla.warning", "SLA target at risk"
    SLA_BREACHED = "sla.breached", "SLA target breached"
    SATISFACTION_RATED = "satisfaction.rated", "Satisfaction rated"
    PING = "webhook.ping", "Test ping (sent on demand)"


def new_signing_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64
    (the specification asks for 24 to 64 bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(TimeStampedModel):
    """A URL that receives a signed POST for each subscribed event.

    Signed per the Standard Webhooks specification (``webhook-id``,
    ``webhook-timestamp``, ``webhook-signature``) with ``signing_secret``,
    stored encrypted. Switched off by the helpdesk when every attempt has
    failed for ``WEBHOOK_DISABLE_AFTER_HOURS`` (``failing_since``).
    """

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=255, blank=True)
    events = models.JSONField(
        default=list,
        blank=True,
        help_text="Event types to send; empty sends every type.",
    )
    signing_secret_encrypted = models.TextField(blank=True, editable=False)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True, editable=False)
    failing_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The first failed attempt since the last success.",
    )
    last_sequence = models.PositiveBigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["url", "pk"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def signing_secret(self) -> str:
        return decrypt(self.signing_secret_encrypted)

    @signing_secret.setter
    def signing_secret(self, value: str) -> None:
        self.signing_secret_encrypted = encrypt(value)

    def wants(self, event_type: str) -> bool:
        """Whether this endpoint subscribed to ``event_type``."""
        return not self.events or event_type in self.events

    def save(self, *args, **kwargs) -> None:
        if not self.signing_secret_encrypted:
            self.signing_secret = new_signing_secret()
        super().save(*args, **kwargs)


class WebhookDelivery(models.Model):
    """One event for one endpoint, delivered at least once.

    ``webhook_id`` is the Standard Webhooks message id: the same on every
    attempt and redelivery, so a receiver can drop duplicates. ``payload`` is
    the exact JSON body, built when the event was dispatched.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERING = "delivering", "Delivering"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    ticket_event = models.ForeignKey(
        "tickets.TicketEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    webhook_id = models.CharField(max_length=64, unique=True)
    sequence = models.PositiveBigIntegerField(default=0)
    payload = models.TextField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            # Dispatching one ticket event twice delivers nothing twice.
            models.UniqueConstraint(
                fields=["endpoint", "ticket_event", "event_type"],
                name="one_delivery_per_endpoint_event_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what came back and how long it took."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(
        blank=True, help_text="The first 1,000 characters of the response body."
    )
    error = models.CharField(max_length=500, blank=True)
    redelivery = models.BooleanField(
        default=False, help_text="An admin asked for this attempt."
    )

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        outcome = self.status_code or self.error or "?"
        return f"Attempt {self.number}: {outcome}"
