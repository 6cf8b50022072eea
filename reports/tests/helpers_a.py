"""A small fixed history for the volume report and the ticket list, with
figures worked out by hand (see the tables in test_volume.py).

The viewer works in New York (UTC-5 in November 2026, after the clocks went
back on 1 November). The range is Monday 2 to Sunday 15 November.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from organizations.tests.factories import DepartmentFactory
from reports.filters import ReportFilters
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import TicketEventFactory, TicketFactory

NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
FIRST_DAY, LAST_DAY = date(2026, 11, 2), date(2026, 11, 15)
Status = Ticket.Status


def at(day: int, hour: int, minute: int = 0, *, month: int = 11) -> datetime:
    """A New York wall-clock time in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def question(zone: ZoneInfo = NEW_YORK, interval: str = "day", **dimensions):
    return ReportFilters(
        first_day=FIRST_DAY,
        last_day=LAST_DAY,
        zone=zone,
        preset="custom",
        interval=interval,
        **dimensions,
    )


def status_event(ticket: Ticket, old: str, new: str, when: datetime) -> TicketEvent:
    return TicketEventFactory(
        ticket=ticket,
        kind=TicketEvent.Kind.STATUS,
        old_value=old,
        new_value=new,
        created_at=when,
    )


def breach_event(ticket: Ticket, label: str, when: datetime) -> TicketEvent:
    return TicketEventFactory(
        ticket=ticket,
        actor=None,
        kind=TicketEvent.Kind.SLA_BREACHED,
        old_value=when.isoformat(),
        new_value=label,
        created_at=when,
    )


@dataclass
class History:
    t1: Ticket  # before the range, never solved
    t2: Ticket  # before the range, solved 3 Nov
    t3: Ticket  # 2 Nov 23:30 in New York, 3 Nov in UTC
    t4: Ticket  # solved 4 Nov, closed 8 Nov
    t5: Ticket  # solved 5 Nov, reopened 6 Nov, still open
    t6: Ticket  # merged (closed unsolved) 10 Nov
    t7: Ticket  # solved 11 Nov, reopened 12 Nov, solved again 13 Nov
    t8: Ticket  # 15 Nov 23:30 in New York, 16 Nov in UTC
    t9: Ticket  # after the range
    elsewhere: Ticket  # another department's


def history(department) -> History:
    """The tickets of ``department`` (and one of another department)."""

    def ticket(created, status=Status.OPEN, solved=None, closed=None, **extra):
        return TicketFactory(
            department=department,
            status=status,
            created_at=created,
            solved_at=solved,
            closed_at=closed,
            **extra,
        )

    t1 = ticket(at(30, 10, month=10))
    t2 = ticket(at(31, 12, month=10), Status.SOLVED, solved=at(3, 9))
    t3 = ticket(at(2, 23, 30), Status.NEW)
    t4 = ticket(at(3, 8), Status.CLOSED, solved=at(4, 10), closed=at(8, 10))
    status_event(t4, Status.SOLVED, Status.CLOSED, at(8, 10))
    t5 = ticket(at(4, 9))
    status_event(t5, Status.OPEN, Status.SOLVED, at(5, 12))
    status_event(t5, Status.SOLVED, Status.OPEN, at(6, 9))
    t6 = ticket(at(9, 0, 30), Status.CLOSED, closed=at(10, 11))
    status_event(t6, Status.OPEN, Status.CLOSED, at(10, 11))
    t7 = ticket(at(10, 14), Status.SOLVED, solved=at(13, 16))
    status_event(t7, Status.OPEN, Status.SOLVED, at(11, 15))
    status_event(t7, Status.SOLVED, Status.OPEN, at(12, 10))
    status_event(t7, Status.OPEN, Status.SOLVED, at(13, 16))
    t8 = ticket(at(15, 23, 30), Status.NEW)
    t9 = ticket(at(16, 10), Status.NEW)
    elsewhere = TicketFactory(
        department=DepartmentFactory(), status=Status.OPEN, created_at=at(3, 10)
    )
    status_event(elsewhere, Status.OPEN, Status.SOLVED, at(5, 10))
    status_event(elsewhere, Status.SOLVED, Status.OPEN, at(7, 10))
    return History(t1, t2, t3, t4, t5, t6, t7, t8, t9, elsewhere)
