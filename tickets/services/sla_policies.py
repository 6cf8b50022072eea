"""Which SLA policy applies to a ticket, and the business calendars its
clocks run on, cached in this process (see ``tickets.services.sla``)."""

import time
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.conf import settings

from helpdesk.db import atomic
from tickets import business_time as bt
from tickets.models import (
    BusinessCalendar,
    BusinessHoliday,
    SLAPolicy,
    SLATarget,
    Ticket,
)
from tickets.public_holidays import public_holidays

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
        .prefetch_related("targets")  # target_for, twice per new ticket
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


def public_holidays_named(
    *, country: str, years: Iterable[int], subdivision: str | None = None
) -> dict[date, str]:
    """A country's public holidays, date -> name, named in the site's
    LANGUAGE_CODE where the ``holidays`` package has it, else in the
    country's own language. Raises ValueError for an unknown country."""
    return public_holidays(
        country.upper(), years, subdivision or None, settings.LANGUAGE_CODE
    )


@atomic
def holidays_add(
    *, calendar: BusinessCalendar, dates: Mapping[date, str] | Iterable[date]
) -> int:
    """Add closed dates to a calendar, named when ``dates`` maps each date to
    its name (``tickets.public_holidays``); return how many dates were new.

    A date already there keeps its row and its name; one that has no name yet
    (loaded before names were kept) gets the new one. Saving the calendar
    moves its updated_at, so cached copies are rebuilt.
    """
    names = dict(dates) if isinstance(dates, Mapping) else dict.fromkeys(dates, "")
    name_length = BusinessHoliday._meta.get_field("name").max_length
    existing = {row.date: row for row in calendar.holidays.all()}
    new = [
        BusinessHoliday(calendar=calendar, date=day, name=names[day][:name_length])
        for day in sorted(names.keys() - existing.keys())
    ]
    unnamed = [row for day, row in existing.items() if not row.name and names.get(day)]
    for row in unnamed:
        row.name = names[row.date][:name_length]
    BusinessHoliday.objects.bulk_create(new)
    BusinessHoliday.objects.bulk_update(unnamed, ["name"])
    calendar.save(update_fields=["updated_at"])
    return len(new)
