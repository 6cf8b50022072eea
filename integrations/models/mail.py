import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from helpdesk.models import TimeStampedModel
from helpdesk.storage import PrivateStorage
from tickets.models import Message

from ..crypto import decrypt, encrypt


class Mailbox(TimeStampedModel):
    """An IMAP mailbox whose unseen mail becomes tickets and replies."""

    class Security(models.TextChoices):
        SSL = "ssl", "SSL/TLS (port 993)"
        STARTTLS = "starttls", "STARTTLS (port 143)"
        NONE = "none", "None (local test servers only)"

    class After(models.TextChoices):
        MARK_SEEN = "seen", "Mark as seen"
        MOVE = "move", "Move to a folder"

    name = models.SlugField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(
        max_length=16, choices=Security.choices, default=Security.SSL
    )
    username = models.CharField(max_length=255)
    password_encrypted = models.TextField(blank=True, editable=False)
    folder = models.CharField(max_length=255, default="INBOX")
    after_processing = models.CharField(
        max_length=8, choices=After.choices, default=After.MARK_SEEN
    )
    move_to_folder = models.CharField(max_length=255, blank=True)
    department = models.ForeignKey(
        "organizations.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text="New tickets from this mailbox go here.",
    )
    enabled = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return self.name

    @property
    def password(self) -> str:
        return decrypt(self.password_encrypted)

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = encrypt(value)


def raw_upload_to(instance: "InboundEmail", filename: str) -> str:
    return f"inbound/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.eml"


def private_storage():
    return PrivateStorage()


class InboundEmail(models.Model):
    """One received message, kept from the moment it arrives.

    The raw bytes are stored before anything else happens; processing then
    records what it did, or the error, so nothing is ever dropped. A reply
    whose sender failed authentication is *suspended*: it waits, with the
    ticket it claims in ``ticket``, until an agent accepts it (then it is
    processed) or rejects it (kept as rejected, never deleted).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"
        SUSPENDED = "suspended", "Suspended"
        REJECTED = "rejected", "Rejected"

    class Source(models.TextChoices):
        IMAP = "imap", "IMAP"
        PIPE = "pipe", "MTA pipe"
        LMTP = "lmtp", "LMTP listener"

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    raw = models.FileField(upload_to=raw_upload_to, storage=private_storage)
    size = models.PositiveBigIntegerField(default=0)
    email_message_id = models.CharField(max_length=998, blank=True, db_index=True)
    from_address = models.CharField(max_length=998, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    outcome = models.CharField(max_length=500, blank=True)
    sender_verification = models.CharField(
        max_length=4,
        choices=Message.SenderVerification.choices,
        blank=True,
        help_text="What the trusted mail servers' Authentication-Results said "
        "about the From address: pass, fail or none (no trusted result).",
    )
    authentication_detail = models.CharField(
        max_length=500,
        blank=True,
        help_text="Why: the results that decided, and which server gave them.",
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agent who accepted or rejected the suspended mail.",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = "inbound email"

    def __str__(self) -> str:
        return f"{self.from_address or '?'}: {self.subject or '(no subject)'}"
