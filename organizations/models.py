from django.conf import settings
from django.db import models

from helpdesk.models import TimeStampedModel

AGENT_ROLES = {"role__in": ["agent", "admin"]}


class Organization(TimeStampedModel):
    """A customer company. Its members may share their tickets with each other."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    share_tickets = models.BooleanField(
        default=False,
        help_text="Members see each other's tickets in the portal.",
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationDomain(models.Model):
    """An email domain whose new customers join the organization.

    A row per domain, rather than a list field, so the lookup at sign-up is a
    plain indexed equality on every database.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="domains"
    )
    domain = models.CharField(
        max_length=253, unique=True, help_text="For example example.com"
    )

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class Department(TimeStampedModel):
    """A unit of agents that owns a queue of tickets (Support, Billing...)."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    inbound_email = models.EmailField(
        blank=True, help_text="Mail to this address opens tickets here."
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="departments",
        blank=True,
        limit_choices_to=AGENT_ROLES,
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(TimeStampedModel):
    """A group of agents inside a department (Tier 1, Escalations...)."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="teams"
    )
    name = models.CharField(max_length=200)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="teams",
        blank=True,
        limit_choices_to=AGENT_ROLES,
    )

    class Meta:
        ordering = ["department__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"], name="team_name_unique_in_department"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department.name} / {self.name}"
