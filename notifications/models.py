from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from helpdesk.models import TimeStampedModel


class Event(models.TextChoices):
    """Ticket events that can send mail."""

    TICKET_CREATED = "ticket_created", "Ticket created"
    AGENT_REPLY = "agent_reply", "Agent replied publicly"
    CUSTOMER_REPLY = "customer_reply", "Customer replied"
    TICKET_ASSIGNED = "ticket_assigned", "Ticket assigned"
    TICKET_SOLVED = "ticket_solved", "Ticket solved"
    TICKET_CLOSED = "ticket_closed", "Ticket closed"
    TICKET_MERGED = "ticket_merged", "Ticket merged into another"
    SLA_WARNING = "sla_warning", "SLA target at risk"
    SLA_BREACH = "sla_breach", "SLA target breached"
    SATISFACTION_GOOD = "satisfaction_good", "Customer rated the support good"
    SATISFACTION_BAD = "satisfaction_bad", "Customer rated the support bad"


# People may turn these off; an agent's public reply is the answer itself and
# always goes to the requester, and so does the word that their request was
# merged (where its answers will come from now).
OPTIONAL_EVENTS = frozenset(Event.values) - {Event.AGENT_REPLY, Event.TICKET_MERGED}


class EmailTemplate(TimeStampedModel):
    """The words of one kind of email in one language, editable by admins.

    Rendered with Django's template language from an explicit context only:
    ``ticket``, ``message``, ``recipient`` and ``links`` (plain values, never
    model objects or settings).
    """

    key = models.SlugField(max_length=64)
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    description = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField("text body")
    body_html = models.TextField("HTML body", blank=True)

    class Meta:
        ordering = ["key", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "language"], name="email_template_key_language_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"

    def clean(self) -> None:
        # Renaming the last template of a key would break the rules that
        # name it, as deleting it would (which the admin refuses).
        # Every part must compile, whoever saves it (the admin, the API).
        from .rendering import template_errors
        from .selectors import rules_orphaned_by

        errors = template_errors(self)
        saved = EmailTemplate.objects.filter(pk=self.pk).first() if self.pk else None
        if saved is not None and saved.key != self.key:
            orphaned = rules_orphaned_by([saved])
            if orphaned:
                names = ", ".join(repr(rule.name) for rule in orphaned)
                errors["key"] = [
                    f"The automation rule(s) {names} send this "
                    "template by its key; change them first."
                ]
        if errors:
            raise ValidationError(errors)


def validate_template_key(value: str) -> None:
    """Refuse a template key no email template has (in any language), so a
    rule cannot be saved that would fail only when it fires. Runs in
    ``full_clean()``: the admin form, the API and any other caller."""
    if not EmailTemplate.objects.filter(key=value).exists():
        raise ValidationError(
            "There is no email template %(key)s; pick one from the list.",
            code="unknown_template",
            params={"key": repr(value)},
        )


class AutomationRule(TimeStampedModel):
    """When EVENT happens to a ticket that matches the conditions, do the
    ACTION: send TEMPLATE to the recipients after an optional delay, or post
    a card to a Microsoft Teams channel. Empty conditions match all."""

    class Action(models.TextChoices):
        EMAIL = "email", "Send an email"
        TEAMS = "teams", "Post a card to Microsoft Teams"

    class Recipient(models.TextChoices):
        REQUESTER = "requester", "Requester"
        ASSIGNEE = "assignee", "Assignee"
        TEAM = "team", "Team members"
        DEPARTMENT = "department", "Department agents"
        OWNERS = "owners", "Assignee, else team, else department"
        FIXED = "fixed", "A fixed address"

    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=100, help_text="Lower runs first.")
    event = models.CharField(max_length=32, choices=Event.choices)
    priority = models.CharField(
        max_length=16, blank=True, help_text="Only tickets of this priority."
    )
    status = models.CharField(
        max_length=16, blank=True, help_text="Only tickets in this status."
    )
    category = models.ForeignKey(
        "tickets.Category", on_delete=models.CASCADE, null=True, blank=True
    )
    department = models.ForeignKey(
        "organizations.Department", on_delete=models.CASCADE, null=True, blank=True
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, null=True, blank=True
    )
    action = models.CharField(
        max_length=8, choices=Action.choices, default=Action.EMAIL
    )
    template_key = models.SlugField(
        "email template",
        max_length=64,
        blank=True,
        validators=[validate_template_key],
        help_text="The email template to send (by key). Emails only.",
    )
    recipient = models.CharField(
        max_length=16, choices=Recipient.choices, blank=True, help_text="Emails only."
    )
    teams_connector = models.ForeignKey(
        "integrations.TeamsConnector",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
        help_text="Teams cards only. Empty: the ticket's team's connector, "
        "else its department's, else the default one.",
    )
    fixed_address = models.EmailField(blank=True)
    delay_minutes = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(
        max_length=255,
        blank=True,
        editable=False,
        help_text="Why the helpdesk turned this rule off, if it did.",
    )

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Turned back on by someone: the reason it was turned off is history.
        if self.active:
            self.disabled_reason = ""
        errors = {}
        if self.action == self.Action.EMAIL:
            if not self.template_key:
                errors["template_key"] = "An email rule needs a template."
            if not self.recipient:
                errors["recipient"] = "An email rule needs recipients."
        else:
            # A card has no template, recipients or delay of its own.
            self.template_key = ""
            self.recipient = ""
            self.fixed_address = ""
        if self.action != self.Action.TEAMS:
            self.teams_connector = None
        if errors:
            raise ValidationError(errors)


class EmailLog(models.Model):
    """One email to one recipient: queued, then sent or failed, with why.

    The subject and bodies are rendered when the email is queued, so a retry
    sends exactly what was decided, with the same Message-ID.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.EmailField()
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    template_key = models.CharField(max_length=64)
    rule = models.ForeignKey(
        AutomationRule, on_delete=models.SET_NULL, null=True, blank=True
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="emails",
    )
    event = models.ForeignKey(
        "tickets.TicketEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    reply_to = models.CharField(max_length=254, blank=True)
    message_id = models.CharField(max_length=255, unique=True)
    references = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Dispatching one event twice queues nothing twice.
            models.UniqueConstraint(
                fields=["event", "rule", "recipient"],
                name="one_email_per_event_rule_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template_key} to {self.recipient} ({self.status})"


class NotificationOptOut(models.Model):
    """A user who does not want one kind of optional email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(max_length=32, choices=Event.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event"], name="one_opt_out_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} opted out of {self.event}"
