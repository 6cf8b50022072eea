"""Which SLA policy applies to a ticket, and the business calendars its
clocks run on, cached in this process (see ``tickets.services.sla``)."""

import time
from datetime import datetime

from django.db import transaction

from tickets import business_time as bt
from tickets.models import (
    BusinessCalendar,
    BusinessHoliday,
    SLAPolicy,
    SLATarget,
    Ticket,
)

_calendars: dict[tuple[int, datetime], bt.Calendar] = {}


def calendar_for(model: BusinessCalendar) -> bt.Calendar:
    """The pure calendar for a stored one, cached until the calendar changes
    (editing its hours or holidays in the admin saves the calendar too)."""
    key = (model.pk, model.updated_at)
    cached = _calendars.get(key)
    if cached is None:
        hours: dict[int, list[bt.Interval]] = {}
        for row in model.hours.all():
            hours.setdefault(row.weekday, []).append(bt.Interval(row.start, row.end))
        cached = bt.Calendar(
            timezone=model.timezone,
            hours={day: tuple(intervals) for day, intervals in hours.items()},
            holidays=frozenset(row.date for row in model.holidays.all()),
        )
        if len(_calendars) > 100:
            _calendars.clear()
        _calendars[key] = cached
    return cached


_policies: dict[int, tuple[float, SLAPolicy]] = {}
POLICY_CACHE_SECONDS = 60


def policy_cached(policy_id: int) -> SLAPolicy | None:
    """A policy with its calendar, hours, holidays and targets, kept in this
    process for a minute: list pages show a badge per row and should not load
    calendars on every request. Deadlines are always computed from the
    database (policy_for); only the badges may lag an edit by a minute."""
    now = time.monotonic()
    cached = _policies.get(policy_id)
    if cached is not None and now - cached[0] < POLICY_CACHE_SECONDS:
        return cached[1]
    policy = (
        SLAPolicy.objects.select_related("calendar")
        .prefetch_related("targets", "calendar__hours", "calendar__holidays")
        .filter(pk=policy_id)
        .first()
    )
    if policy is not None:
        _policies[policy_id] = (now, policy)
    return policy


def policy_matches(policy: SLAPolicy, ticket: Ticket) -> bool:
    return (
        (
            policy.organization_id is None
            or policy.organization_id == ticket.organization_id
        )
        and (policy.category_id is None or policy.category_id == ticket.category_id)
        and (
            policy.department_id is None or policy.department_id == ticket.department_id
        )
        and (not policy.priority or policy.priority == ticket.priority)
    )


def policy_for(ticket: Ticket) -> SLAPolicy | None:
    """The first active policy, in order, whose conditions the ticket meets;
    else the default policy; else none."""
    policies = list(
        SLAPolicy.objects.filter(active=True)
        .select_related("calendar")
        .order_by("order", "pk")
    )
    for policy in policies:
        if not policy.is_default and policy_matches(policy, ticket):
            return policy
    return next((p for p in policies if p.is_default), None)


def target_for(policy: SLAPolicy | None, priority: str) -> SLATarget | None:
    if policy is None:
        return None
    return next((t for t in policy.targets.all() if t.priority == priority), None)


@transaction.atomic
def holidays_add(*, calendar: BusinessCalendar, dates) -> int:
    """Add closed dates to a calendar; return how many were new. Saving the
    calendar moves its updated_at, so cached copies are rebuilt."""
    existing = set(calendar.holidays.values_list("date", flat=True))
    new = [
        BusinessHoliday(calendar=calendar, date=day)
        for day in sorted(set(dates) - existing)
    ]
    BusinessHoliday.objects.bulk_create(new)
    calendar.save(update_fields=["updated_at"])
    return len(new)
