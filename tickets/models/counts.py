from django.conf import settings
from django.db import models


class TicketCount(models.Model):
    """How many tickets share one department, team, assignee and status.

    Kept by ``tickets.services.counts`` inside the same transaction as every
    change to those four fields, so the workspace's view counts are a sum over
    a few hundred of these rows instead of a count over every ticket.

    ``key`` names the combination as it was when the row was made: it is what
    concurrent writers meet on (unique), while the four columns are what the
    views sum over. Deleting a department, team or agent nulls the column here
    exactly as it nulls the tickets' (``SET_NULL`` on both), so the sums stay
    right; the row keeps its old key and the next writer for that key gives it
    a fresh one (``tickets.services.counts``). A single row may then go below
    zero; the sums over the columns never do.
    """

    key = models.CharField(max_length=255, unique=True)
    department = models.ForeignKey(
        "organizations.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "organizations.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=16)
    count = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
