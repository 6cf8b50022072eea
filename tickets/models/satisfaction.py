"""Customer satisfaction (CSAT): the requester's Good / Bad on a solved ticket.

One rating per ticket, changed in place while the requester may still change
it (see tickets.services.satisfaction). The reports read these rows; the
score is good / (good + bad), as Zendesk defines its satisfaction score.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .tickets import Ticket


class SatisfactionRating(models.Model):
    """The requester's answer to "How would you rate the support you received?"."""

    class Rating(models.TextChoices):
        GOOD = "good", "Good"
        BAD = "bad", "Bad"

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="satisfaction"
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The requester when they rated.",
    )
    rating = models.CharField(max_length=8, choices=Rating.choices)
    comment = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    rated_at = models.DateTimeField(
        default=timezone.now,
        editable=False,
        help_text="When the rating was last given or changed.",
    )

    class Meta:
        ordering = ["-rated_at"]
        indexes = [models.Index(fields=["rated_at"])]

    def __str__(self) -> str:
        return f"#{self.ticket.number} {self.get_rating_display()}"
