import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from helpdesk.models import TimeStampedModel
from helpdesk.rendering import RENDERER_VERSION, render_plain
from helpdesk.storage import PrivateStorage


class Category(TimeStampedModel):
    """What a ticket is about; picks the department a new ticket goes to."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    default_department = models.ForeignKey(
        "organizations.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class TicketQuerySet(models.QuerySet):
    def unsolved(self) -> "TicketQuerySet":
        return self.filter(status__in=UNSOLVED_STATUSES)

    def for_rows(self) -> "TicketQuerySet":
        """Only the columns a list row shows: list pages load 25 to 100
        tickets with six related rows each, and every unused column costs."""
        return self.for_list().only(*ROW_FIELDS)

    def for_list(self) -> "TicketQuerySet":
        """Everything a ticket row shows, fetched in the same query (the SLA
        badge takes its policy from a per-process cache)."""
        return self.select_related(
            "requester", "assignee", "organization", "department", "team", "category"
        )


ROW_FIELDS = (
    "number", "subject", "status", "priority", "updated_at", "created_at",
    "first_response_at", "sla_policy_id", "first_response_due_at",
    "next_response_due_at", "resolution_due_at", "sla_paused_since",
    "sla_next_due_at", "category__name", "requester__full_name", "requester__email",
    "organization__name", "organization__share_tickets", "department__name",
    "team__name", "assignee__full_name", "assignee__email",
)  # fmt: skip


class Ticket(TimeStampedModel):
    """One customer request and everything said and done about it."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        ON_HOLD = "on_hold", "On hold"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Channel(models.TextChoices):
        PORTAL = "portal", "Portal"
        EMAIL = "email", "Email"
        API = "api", "API"
        AGENT = "agent", "Agent"
        CHAT = "chat", "Chat"

    number = models.PositiveIntegerField(unique=True, editable=False)
    subject = models.CharField(max_length=255)
    search_text = models.TextField(
        blank=True, editable=False, help_text="The subject folded for search."
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    department = models.ForeignKey(
        "organizations.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    team = models.ForeignKey(
        "organizations.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned",
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    priority = models.CharField(
        max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    channel = models.CharField(
        max_length=16, choices=Channel.choices, default=Channel.PORTAL
    )
    first_response_at = models.DateTimeField(null=True, blank=True, editable=False)
    solved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_tickets",
        editable=False,
        help_text="Set when this ticket was closed by merging it into another.",
    )
    # --- Service levels (see tickets.services.sla) ---
    sla_policy = models.ForeignKey(
        "tickets.SLAPolicy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    first_response_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_response_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_response_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the customer last wrote while an answer was owed.",
    )
    resolution_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_since = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_minutes = models.FloatField(
        default=0, editable=False, help_text="Business minutes the clock stood still."
    )
    sla_next_due_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The earliest running deadline, for sorting and the at-risk view.",
    )
    sla_next_check_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="When the SLA sweep next has a warning or breach to announce.",
    )
    # Report figures, kept by tickets.services.metrics at the moment each
    # happens, so a report over a million tickets reads columns instead of
    # replaying every ticket's history. Minutes, as floats.
    first_reply_minutes = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="Calendar minutes from creation to the first public agent reply.",
    )
    first_reply_business_minutes = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="The same in business minutes of the ticket's SLA calendar "
        "(calendar minutes when no policy applies).",
    )
    resolution_minutes = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="Calendar minutes from creation to the latest solve.",
    )
    resolution_business_minutes = models.FloatField(
        null=True, blank=True, editable=False
    )
    public_reply_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Public replies by agents."
    )
    reopen_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Times it went from solved back to work."
    )
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        editable=False,
        help_text="The closed ticket whose reply opened this one.",
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        indexes = [
            # Lists are read one status (and team, department or assignee) at
            # a time in their order, seeking from a page's edge
            # (tickets.selectors.seek): each part is one range of one of these.
            models.Index(
                fields=["status", "-updated_at", "-number"],
                name="ticket_status_updated_idx",
            ),
            models.Index(
                fields=["status", "-created_at", "-number"],
                name="ticket_status_created_idx",
            ),
            models.Index(fields=["status", "-number"], name="ticket_status_number_idx"),
            models.Index(
                fields=["assignee", "status", "-updated_at", "-number"],
                name="ticket_assignee_updated_idx",
            ),
            models.Index(
                fields=["team", "status", "-updated_at", "-number"],
                name="ticket_team_updated_idx",
            ),
            models.Index(
                fields=["department", "status", "-updated_at", "-number"],
                name="ticket_department_updated_idx",
            ),
            # The portal: a customer's requests, their organization's.
            models.Index(
                fields=["requester", "-updated_at", "-number"],
                name="ticket_requester_updated_idx",
            ),
            models.Index(
                fields=["organization", "-updated_at", "-number"],
                name="ticket_org_updated_idx",
            ),
            # The default sort of every ticket list, with its tie-breaker.
            models.Index(fields=["-updated_at", "-number"]),
            models.Index(fields=["requester", "status"]),
            # Covers the workspace's per-view counts, so they read the index only.
            models.Index(fields=["department", "status", "assignee", "team"]),
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "sla_next_due_at"]),
            # Reports: what was created, answered and solved in a date range;
            # the speed report reads its minutes from the index alone.
            models.Index(fields=["created_at"]),
            models.Index(
                fields=[
                    "solved_at",
                    "resolution_minutes",
                    "resolution_business_minutes",
                    "public_reply_count",
                ],
                name="ticket_solved_report_idx",
            ),
            models.Index(
                fields=[
                    "first_response_at",
                    "first_reply_minutes",
                    "first_reply_business_minutes",
                ],
                name="ticket_answered_report_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remembers the counted fields as loaded (see ``counted_key``)."""
        ticket = super().from_db(db, field_names, values)
        ticket._remember_counted_key()
        return ticket

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._remember_counted_key()

    def _remember_counted_key(self) -> None:
        if all(name in self.__dict__ for name in COUNTED_FIELDS):
            self._counted_key = self.counted_key

    @property
    def counted_key(self) -> tuple:
        """Department, team and assignee ids and status: what the workspace
        counts tickets by (``tickets.services.counts``)."""
        return tuple(getattr(self, name) for name in COUNTED_FIELDS)

    @property
    def reference(self) -> str:
        """The number as people write it: #1042."""
        return f"#{self.number}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def get_absolute_url(self) -> str:
        """The customer's view of the ticket; agents are sent on to theirs."""
        return reverse("tickets:portal_detail", kwargs={"number": self.number})

    def get_agent_url(self) -> str:
        return reverse("tickets:agent_detail", kwargs={"number": self.number})


# What the maintained view counts are kept by (``TicketCount``).
COUNTED_FIELDS = ("department_id", "team_id", "assignee_id", "status")

# Statuses in which the ticket still needs work from someone.
UNSOLVED_STATUSES = frozenset(
    {
        Ticket.Status.NEW,
        Ticket.Status.OPEN,
        Ticket.Status.PENDING,
        Ticket.Status.ON_HOLD,
    }
)


class TicketNumberCounter(models.Model):
    """The last ticket number handed out (one row, named ``ticket``).

    A new ticket increments it inside its own transaction, so two tickets
    opened at once are serialized on this row: PostgreSQL makes the second
    wait for the first's row lock, SQLite's IMMEDIATE transactions take the
    write lock up front, and MongoDB refuses the second with a write conflict
    that ``helpdesk.db.atomic`` answers by running the transaction again. A
    rolled-back ticket rolls its number back too, so numbers have no gaps.
    """

    name = models.CharField(max_length=50, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_number}"


class Message(models.Model):
    """A public reply or an internal note on a ticket."""

    class SenderVerification(models.TextChoices):
        """What the receiving mail server's Authentication-Results said about
        the From address of a message that came in by email."""

        NOT_EMAIL = "", "Not received by email"
        PASSED = "pass", "Sender verified"
        FAILED = "fail", "Sender failed authentication"
        UNCHECKED = "none", "Sender not checked"

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages"
    )
    body = models.TextField()
    body_html = models.TextField(
        blank=True,
        editable=False,
        help_text="The body rendered and sanitised when it was written.",
    )
    body_html_version = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="The renderer version that wrote body_html; 0: not rendered.",
    )
    search_text = models.TextField(
        blank=True, editable=False, help_text="The body folded for search."
    )
    internal = models.BooleanField(
        default=False, help_text="Internal notes are never shown to customers."
    )
    email_message_id = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        editable=False,
        help_text="The Message-ID of the email this message came in as, if any.",
    )
    sender_verification = models.CharField(
        max_length=4,
        choices=SenderVerification.choices,
        blank=True,
        default=SenderVerification.NOT_EMAIL,
        editable=False,
        help_text="For email: whether a trusted mail server vouched for the From "
        "address. Shown to agents only.",
    )
    intake_note = models.TextField(
        blank=True,
        editable=False,
        help_text="What the email intake did that agents should know (files set "
        "aside, a suspended mail accepted). Never shown to customers.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"])]

    def __str__(self) -> str:
        kind = "note" if self.internal else "reply"
        return f"{kind} on #{self.ticket.number} by {self.author}"

    @property
    def sender_unverified(self) -> bool:
        """Came by email without a trusted pass for its From address."""
        return self.sender_verification in (
            self.SenderVerification.FAILED,
            self.SenderVerification.UNCHECKED,
        )

    @property
    def html_is_current(self) -> bool:
        return self.body_html_version == RENDERER_VERSION

    @property
    def html(self) -> SafeString:
        """The stored HTML of the body, ready for a page or an email.

        A row rendered by an older renderer (or never) shows its text escaped
        until ``tickets.services.message_html_refresh`` renders it again;
        the conversation selector and the email context do that on read.
        """
        if self.html_is_current:
            return SafeString(self.body_html)  # sanitised by helpdesk.rendering
        return SafeString(render_plain(self.body))


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    """A random path: the customer's file name never becomes a path on disk."""
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"


def private_storage():
    return PrivateStorage()


class Attachment(models.Model):
    """A file sent with a message, kept where no URL reaches it."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        upload_to=attachment_upload_to, storage=private_storage, max_length=255
    )
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class TicketEvent(models.Model):
    """The audit trail: who changed what on a ticket, and when."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS = "status", "Status changed"
        PRIORITY = "priority", "Priority changed"
        ASSIGNEE = "assignee", "Assignee changed"
        TEAM = "team", "Team changed"
        DEPARTMENT = "department", "Department changed"
        CATEGORY = "category", "Category changed"
        SUBJECT = "subject", "Subject changed"
        REPLY = "reply", "Public reply"
        NOTE = "note", "Internal note"
        MERGED_INTO = "merged_into", "Merged into another ticket"
        MERGED_FROM = "merged_from", "Another ticket merged in"
        FOLLOW_UP = "follow_up", "Follow-up opened"
        SLA_POLICY = "sla_policy", "SLA policy applied"
        SLA_MET = "sla_met", "SLA target met"
        SLA_WARNING = "sla_warning", "SLA target at risk"
        SLA_BREACHED = "sla_breached", "SLA target breached"
        SLA_ESCALATED = "sla_escalated", "Escalated after an SLA breach"
        SLA_PAUSED = "sla_paused", "Resolution clock paused (solved)"
        SLA_RESUMED = "sla_resumed", "Resolution clock resumed (reopened)"
        SATISFACTION = "satisfaction", "Satisfaction rated"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system acted (a scheduled job, for example).",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"]),
            # Reports count SLA outcomes (by target: new_value) and replies in
            # a date range, and reopenings (solved -> open) by their values.
            models.Index(
                fields=["kind", "created_at", "new_value"],
                name="event_kind_report_idx",
            ),
            models.Index(
                fields=["kind", "old_value", "new_value", "created_at"],
                name="event_change_report_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket.number} {self.get_kind_display()}"
