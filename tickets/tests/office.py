"""The office the SLA tests measure business time in: Monday to Friday,
09:00-18:00, Europe/Berlin (the ``office`` fixture in conftest.py)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from tickets.models import BusinessCalendar, BusinessHours

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    """``datetime(*args)`` on Berlin's wall clock."""
    return datetime(*args, tzinfo=BERLIN)


def office_calendar() -> BusinessCalendar:
    """Monday to Friday, 09:00-18:00, Berlin."""
    calendar = BusinessCalendar.objects.create(name="Office", timezone="Europe/Berlin")
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=calendar, weekday=day, start=time(9), end=time(18))
        for day in range(5)
    )
    return calendar
