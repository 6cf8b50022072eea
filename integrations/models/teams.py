"""Microsoft Teams: channels the helpdesk posts cards to, the outgoing
webhook people @mention to work tickets, and who is who on both sides."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from helpdesk.models import TimeStampedModel

from ..crypto import decrypt, encrypt


def mask_url(url: str) -> str:
    """``https://host/…abcd``: enough to tell two URLs apart, never the
    signature or key a Workflows URL carries in its path and query."""
    if not url:
        return ""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0]
    return f"{scheme}://{host}/…{url[-4:]}" if rest else "…"


class TeamsConnector(TimeStampedModel):
    """One Teams channel, both ways.

    Out: cards are posted to ``webhook_url`` (the channel's Workflows
    "incoming webhook" URL, which accepts a message with an Adaptive Card
    attachment). In: the channel's *outgoing webhook* calls
    ``/integrations/teams/<id>/`` when someone @mentions the helpdesk, signed
    with ``outgoing_secret`` (the base64 security token Teams shows once
    when the outgoing webhook is created). Both are secrets: stored
    encrypted, shown masked.

    Which connector a rule posts to, when the rule names none: the ticket's
    team's, else its department's, else the default one.
    """

    name = models.CharField(max_length=100)
    department = models.ForeignKey(
        "organizations.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Cards about this department's tickets go here.",
    )
    team = models.ForeignKey(
        "organizations.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Cards about this team's tickets go here (before the department's).",
    )
    is_default = models.BooleanField(
        "default connector",
        default=False,
        help_text="Cards about tickets no team or department connector covers go here.",
    )
    webhook_url_encrypted = models.TextField(blank=True, editable=False)
    outgoing_secret_encrypted = models.TextField(blank=True, editable=False)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(
        max_length=255,
        blank=True,
        editable=False,
        help_text="Why the helpdesk switched this connector off, if it did.",
    )
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    last_status = models.CharField(
        max_length=255,
        blank=True,
        editable=False,
        help_text="The last post's outcome: the HTTP status, or the error.",
    )
    last_posted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "Teams connector"

    def __str__(self) -> str:
        return self.name

    @property
    def webhook_url(self) -> str:
        return decrypt(self.webhook_url_encrypted)

    @webhook_url.setter
    def webhook_url(self, value: str) -> None:
        self.webhook_url_encrypted = encrypt(value)

    @property
    def outgoing_secret(self) -> str:
        return decrypt(self.outgoing_secret_encrypted)

    @outgoing_secret.setter
    def outgoing_secret(self, value: str) -> None:
        self.outgoing_secret_encrypted = encrypt(value)

    @property
    def webhook_url_masked(self) -> str:
        try:
            return mask_url(self.webhook_url)
        except ValueError:
            return "(cannot be decrypted: enter it again)"

    def clean(self) -> None:
        if self.team_id and self.department_id:
            raise ValidationError(
                "Pick a team or a department, not both: a team's connector "
                "already covers that team's tickets in any department."
            )
        if self.active:
            self.disabled_reason = ""


class TeamsPost(models.Model):
    """One card for one ticket event to one connector: queued, then sent or
    failed, each try's HTTP status kept. The card is built when queued, so a
    retry posts exactly what was decided."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    connector = models.ForeignKey(
        TeamsConnector, on_delete=models.CASCADE, related_name="posts"
    )
    rule = models.ForeignKey(
        "notifications.AutomationRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.ForeignKey(
        "tickets.TicketEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    card = models.TextField(help_text="The message body posted, as JSON.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "Teams post"
        constraints = [
            # Dispatching one event twice posts nothing twice.
            models.UniqueConstraint(
                fields=["event", "rule", "connector"],
                name="one_teams_post_per_event_rule_connector",
            )
        ]

    def __str__(self) -> str:
        return f"Card to {self.connector} ({self.status})"


class TeamsLink(models.Model):
    """A Teams user (Azure AD object id, in a tenant) confirmed as a helpdesk
    account: they signed in to the portal and confirmed the link the bot
    gave them. Commands from an unlinked person get ``help`` only."""

    tenant_id = models.CharField(max_length=64, blank=True)
    aad_object_id = models.CharField("Azure AD object id", max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    display_name = models.CharField(
        max_length=255, blank=True, help_text="Their name in Teams, when linked."
    )
    linked_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-linked_at", "-pk"]
        verbose_name = "Teams link"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "aad_object_id"],
                name="one_teams_link_per_aad_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name or self.aad_object_id} → {self.user}"


class TeamsCommand(models.Model):
    """Every signed message the outgoing webhook delivered: who wrote what,
    and what the helpdesk answered. The activity id is unique per connector,
    so a replayed request is answered without acting twice."""

    connector = models.ForeignKey(
        TeamsConnector, on_delete=models.CASCADE, related_name="commands"
    )
    activity_id = models.CharField(max_length=255)
    aad_object_id = models.CharField(max_length=64, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The linked account, if the writer was linked.",
    )
    text = models.TextField(help_text="The command, as the helpdesk read it.")
    verb = models.CharField(max_length=16, blank=True)
    outcome = models.CharField(max_length=500, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = "Teams command"
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "activity_id"],
                name="one_teams_command_per_activity",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name or '?'}: {self.text[:60]}"
