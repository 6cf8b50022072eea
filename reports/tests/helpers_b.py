"""Small builders for the speed, service-level, people and satisfaction
report tests: a report question without the form, and rows placed at given
moments (the metrics columns set directly, as tickets.services.metrics would)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from accounts.tests.factories import UserFactory
from organizations.tests.factories import (
    DepartmentFactory,
    OrganizationFactory,
    TeamFactory,
)
from reports.filters import ReportFilters
from tickets.models import SatisfactionRating, Ticket, TicketEvent
from tickets.tests.factories import CategoryFactory, TicketFactory

NOV_2 = date(2026, 11, 2)  # a Monday
NOV_8 = date(2026, 11, 8)  # the Sunday after


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def question(
    first_day: date = NOV_2,
    last_day: date = NOV_8,
    *,
    zone: str = "UTC",
    interval: str = "day",
    **dimensions: str,
) -> ReportFilters:
    """The report filters a form would give, the dimensions as text keys."""
    return ReportFilters(
        first_day=first_day,
        last_day=last_day,
        zone=ZoneInfo(zone),
        preset="custom",
        interval=interval,
        **{name: str(value) for name, value in dimensions.items()},
    )


def ticket_at(created_at: datetime | None = None, **fields) -> Ticket:
    """A ticket with the given columns, its creation moment included."""
    ticket = TicketFactory(**fields)
    if created_at is not None:
        Ticket.objects.filter(pk=ticket.pk).update(created_at=created_at)
        ticket.created_at = created_at
    return ticket


def answered(
    at: datetime, minutes: float, business: float | None = None, **fields
) -> Ticket:
    """A ticket first answered at ``at``, ``minutes`` after it was created."""
    return ticket_at(
        status=Ticket.Status.OPEN,
        first_response_at=at,
        first_reply_minutes=minutes,
        first_reply_business_minutes=minutes if business is None else business,
        **fields,
    )


def solved(
    at: datetime,
    minutes: float,
    business: float | None = None,
    *,
    replies: int = 1,
    **fields,
) -> Ticket:
    """A ticket solved at ``at``, ``minutes`` after it was created, with
    ``replies`` public agent replies."""
    return ticket_at(
        status=Ticket.Status.SOLVED,
        solved_at=at,
        resolution_minutes=minutes,
        resolution_business_minutes=minutes if business is None else business,
        public_reply_count=replies,
        **fields,
    )


def event_at(ticket: Ticket, kind: str, at: datetime, **fields) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, created_at=at, **fields)


def rating_at(
    ticket: Ticket, rating: str, at: datetime, comment: str = ""
) -> SatisfactionRating:
    return SatisfactionRating.objects.create(
        ticket=ticket,
        rated_by=ticket.requester,
        rating=rating,
        comment=comment,
        created_at=at,
        rated_at=at,
    )


DIMENSIONS = (
    "department",
    "team",
    "assignee",
    "unassigned",
    "category",
    "channel",
    "priority",
    "organization",
)


def dimension_case(name: str) -> tuple[str, dict, dict, str]:
    """For one filter: the filter's name, the fields of a ticket it keeps,
    of one it leaves out, and the filter's value."""
    if name == "department":
        kept, other = DepartmentFactory(), DepartmentFactory()
        return name, {"department": kept}, {"department": other}, str(kept.pk)
    if name == "team":
        kept, other = TeamFactory(), TeamFactory()
        return name, {"team": kept}, {"team": other}, str(kept.pk)
    if name == "assignee":
        kept, other = UserFactory(agent=True), UserFactory(agent=True)
        return name, {"assignee": kept}, {"assignee": other}, str(kept.pk)
    if name == "unassigned":
        return (
            "assignee",
            {"assignee": None},
            {"assignee": UserFactory(agent=True)},
            "none",
        )
    if name == "category":
        kept, other = CategoryFactory(), CategoryFactory()
        return name, {"category": kept}, {"category": other}, str(kept.pk)
    if name == "channel":
        return name, {"channel": "email"}, {"channel": "portal"}, "email"
    if name == "priority":
        return name, {"priority": "high"}, {"priority": "normal"}, "high"
    kept, other = OrganizationFactory(), OrganizationFactory()
    return name, {"organization": kept}, {"organization": other}, str(kept.pk)
