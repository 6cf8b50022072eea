"""Service levels: business calendars, policies with targets per priority,
and the record of warnings and breaches already announced."""

from django.core.exceptions import ValidationError
from django.db import models

from helpdesk.models import TimeStampedModel

from .tickets import Ticket


def validate_timezone(value: str) -> None:
    import zoneinfo

    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value} is not a known time zone.")


class BusinessCalendar(TimeStampedModel):
    """When the clock runs: opening hours per weekday and closed dates, in a
    time zone. A 24/7 calendar is seven 00:00-00:00 intervals."""

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(
        max_length=64, default="UTC", validators=[validate_timezone]
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessHours(models.Model):
    """One opening interval on one weekday. An end at or before the start runs
    past midnight (22:00-06:00); 00:00-00:00 is the whole day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class BusinessHoliday(models.Model):
    """A local date on which the calendar is closed."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="one_holiday_per_calendar_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SLAPolicy(TimeStampedModel):
    """Promises for tickets that match the conditions; the first active policy
    in order that matches applies, else the default one."""

    name = models.CharField(max_length=200, unique=True)
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.PROTECT)
    order = models.PositiveIntegerField(default=100, help_text="Lower is tried first.")
    is_default = models.BooleanField(
        default=False, help_text="Applies when no other policy matches."
    )
    active = models.BooleanField(default=True)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, null=True, blank=True
    )
    category = models.ForeignKey(
        "tickets.Category", on_delete=models.CASCADE, null=True, blank=True
    )
    department = models.ForeignKey(
        "organizations.Department", on_delete=models.CASCADE, null=True, blank=True
    )
    priority = models.CharField(
        max_length=16, choices=Ticket.Priority.choices, blank=True
    )
    warn_before_minutes = models.PositiveIntegerField(
        default=30, help_text="Warn this many business minutes before a target is due."
    )
    escalate_priority = models.BooleanField(
        default=False, help_text="On a breach, raise the priority one step."
    )
    escalate_to_team = models.ForeignKey(
        "organizations.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text="On a breach, move the ticket to this team.",
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_sla_policy",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SLATarget(models.Model):
    """A policy's targets for one priority, in business minutes; empty means
    no promise for that measure."""

    policy = models.ForeignKey(
        SLAPolicy, on_delete=models.CASCADE, related_name="targets"
    )
    priority = models.CharField(max_length=16, choices=Ticket.Priority.choices)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["policy", "priority"]
        verbose_name = "SLA target"
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority"], name="one_target_per_policy_priority"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_priority_display()}"


class SLANotice(models.Model):
    """A warning or breach already announced for one target and due time, so
    the sweep announces each once, however often it runs."""

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", "First response"
        NEXT_RESPONSE = "next_response", "Next response"
        RESOLUTION = "resolution", "Resolution"

    class Stage(models.TextChoices):
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=16, choices=Target.choices)
    stage = models.CharField(max_length=8, choices=Stage.choices)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target", "stage", "due_at"],
                name="one_sla_notice_per_target_stage_due",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket.number} {self.target} {self.stage}"
