"""The demo's service levels: Berlin office hours for everything, and a
round-the-clock policy for outages, tried first."""

from datetime import time

from tickets.models import (
    BusinessCalendar,
    BusinessHours,
    Category,
    SLAPolicy,
    SLATarget,
)
from tickets.services.sla_policies import holidays_add, public_holidays_named

from . import content


def _calendar(
    name: str, *, zone: str, weekdays: range, start: time, end: time
) -> tuple[BusinessCalendar, bool]:
    """The calendar ``name``, made with the same hours on ``weekdays``
    (0 = Monday) if it is new; returns it and whether it was made."""
    calendar, created = BusinessCalendar.objects.get_or_create(
        name=name, defaults={"timezone": zone}
    )
    if created:
        BusinessHours.objects.bulk_create(
            BusinessHours(calendar=calendar, weekday=day, start=start, end=end)
            for day in weekdays
        )
    return calendar, created


def _policy(name: str, *, targets: dict, **defaults) -> SLAPolicy:
    """The policy ``name``, made from ``defaults`` with ``targets`` (priority
    -> first response, next response, resolution, in business minutes) if it
    is new."""
    policy, created = SLAPolicy.objects.get_or_create(name=name, defaults=defaults)
    if created:
        SLATarget.objects.bulk_create(
            SLATarget(
                policy=policy,
                priority=priority,
                first_response_minutes=first,
                next_response_minutes=following,
                resolution_minutes=resolution,
            )
            for priority, (first, following, resolution) in targets.items()
        )
    return policy


def standard_level_add(*, year: int) -> SLAPolicy:
    """Office hours in Berlin (Mon-Fri 08-18) with German public holidays
    around ``year``, and the default policy with targets for every priority;
    returned with its targets and calendar loaded."""
    calendar, created = _calendar(
        "Office hours (Berlin)",
        zone="Europe/Berlin",
        weekdays=range(5),
        start=time(8),
        end=time(18),
    )
    if created:
        holidays_add(
            calendar=calendar,
            dates=public_holidays_named(country="DE", years=[year - 1, year, year + 1]),
        )
    policy = _policy(
        "Standard",
        targets=content.SLA_TARGETS,
        calendar=calendar,
        is_default=True,
        warn_before_minutes=30,
        escalate_priority=True,
    )
    return (
        SLAPolicy.objects.select_related("calendar")
        .prefetch_related("targets", "calendar__hours", "calendar__holidays")
        .get(pk=policy.pk)
    )


def outage_level_add(*, category: Category) -> SLAPolicy:
    """Outages are watched round the clock: a policy on a 24/7 calendar
    (every day 00:00-00:00, which is the whole day; no holidays), tried
    before the default one."""
    calendar, _ = _calendar(
        "Round the clock", zone="UTC", weekdays=range(7), start=time(0), end=time(0)
    )
    return _policy(
        "Outages (24/7)",
        targets=content.OUTAGE_SLA_TARGETS,
        calendar=calendar,
        category=category,
        order=10,
        warn_before_minutes=content.OUTAGE_WARN_BEFORE_MINUTES,
        escalate_priority=True,
    )
