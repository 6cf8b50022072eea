"""What agents keep for their own work: canned responses, saved filters,
and who is looking at which ticket."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from helpdesk.models import TimeStampedModel

from .tickets import Ticket


class CannedResponse(TimeStampedModel):
    """A reply an agent inserts instead of typing it again.

    Placeholders: {requester_name}, {ticket_number}, {agent_name}. Personal
    responses are their owner's; shared ones (set by admins) are everyone's.
    """

    title = models.CharField(max_length=200)
    body = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="canned"
    )
    shared = models.BooleanField(
        default=False, help_text="Shared responses are offered to every agent."
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class SavedFilter(TimeStampedModel):
    """An agent's named ticket-list filter, kept as its query string."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filters"
    )
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="saved_filter_name_unique_per_owner"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TicketPresence(models.Model):
    """Which agent has a ticket open right now, and whether they are typing.

    Refreshed by the ticket page every few seconds; rows older than the
    presence window mean the agent has gone.
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="presences"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)
    typing = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "user"], name="one_presence_per_agent_and_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on #{self.ticket.number}"
