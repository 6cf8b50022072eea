"""The volume report against figures worked out by hand (helpers_a)."""

from datetime import date, timedelta

import pytest

from accounts.tests.factories import UserFactory
from organizations.tests.factories import OrganizationFactory, TeamFactory
from reports.filters import ReportFilters
from reports.selectors import volume_report
from tickets.models import Ticket
from tickets.tests.factories import CategoryFactory, TicketFactory

from .helpers_a import NEW_YORK, UTC, at, history, question, status_event

pytestmark = pytest.mark.django_db

# Day by day in New York, 2 to 15 November, for an agent of the department:
# (created, solved, reopened, backlog at the day's end).
DAILY = {
    2: (1, 0, 0, 3),  # t3 at 23:30
    3: (1, 1, 0, 3),  # t4 opened; t2 solved
    4: (1, 1, 0, 3),  # t5 opened; t4 solved
    5: (0, 0, 0, 3),  # t5 solved, but reopened since: not counted
    6: (0, 0, 1, 3),  # t5 reopened
    7: (0, 0, 0, 3),
    8: (0, 0, 0, 3),  # t4 closed, already solved
    9: (1, 0, 0, 4),  # t6 opened
    10: (1, 0, 0, 4),  # t6 merged (closed unsolved); t7 opened
    11: (0, 0, 0, 4),  # t7 solved, then reopened: its last solve counts
    12: (0, 0, 1, 4),  # t7 reopened
    13: (0, 1, 0, 3),  # t7 solved again
    14: (0, 0, 0, 3),
    15: (1, 0, 0, 4),  # t8 at 23:30
}


def figures(report):
    return {
        point.bucket.first_day.day: (
            point.created,
            point.solved,
            point.reopened,
            point.backlog,
        )
        for point in report.points
    }


def test_daily_figures_in_the_viewers_time_zone(agent, department):
    history(department)

    report = volume_report(agent, question())

    assert figures(report) == DAILY
    assert (report.created, report.solved, report.reopened) == (6, 3, 2)
    assert (report.backlog_start, report.backlog_end) == (2, 4)
    assert [point.bucket.label for point in report.points][:2] == ["2 Nov", "3 Nov"]


def test_a_ticket_late_in_the_evening_belongs_to_another_day_in_utc(agent, department):
    history(department)

    report = volume_report(agent, question(zone=UTC))

    created = {point.bucket.first_day.day: point.created for point in report.points}
    # t3 (23:30 in New York on 2 Nov) is 04:30 UTC on 3 Nov, with t4; t8 is
    # on 16 Nov in UTC, after the range.
    assert created[2] == 0
    assert created[3] == 2
    assert created[15] == 0
    assert report.created == 5
    assert report.points[0].bucket.start.isoformat() == "2026-11-02T00:00:00+00:00"


def test_weekly_figures(agent, department):
    history(department)

    report = volume_report(agent, question(interval="week"))

    assert [
        (p.bucket.first_day, p.bucket.last_day, p.bucket.label) for p in report.points
    ] == [
        (date(2026, 11, 2), date(2026, 11, 8), "2–8 Nov"),
        (date(2026, 11, 9), date(2026, 11, 15), "9–15 Nov"),
    ]
    assert figures(report) == {2: (3, 2, 1, 3), 9: (3, 1, 1, 4)}
    assert (report.backlog_start, report.backlog_end) == (2, 4)


def test_the_backlog_agrees_with_a_direct_count_at_each_days_end(agent, department):
    history(department)

    report = volume_report(agent, question())

    for point in report.points:
        end = point.bucket.end
        direct = sum(
            1
            for ticket in Ticket.objects.filter(department=department)
            if ticket.created_at < end
            and not (ticket.solved_at and ticket.solved_at < end)
            and not (ticket.closed_at and ticket.closed_at < end)
        )
        assert point.backlog == direct, point.bucket


def test_an_agent_restricted_to_a_department_does_not_count_others(
    agent, department, admin_user
):
    history(department)

    mine = volume_report(agent, question())
    everything = volume_report(admin_user, question())

    # The other department's ticket: opened 3 Nov, solved 5, reopened 7.
    assert everything.created == mine.created + 1
    assert everything.reopened == mine.reopened + 1
    assert figures(everything)[3] == (2, 1, 0, 4)
    assert figures(everything)[7] == (0, 0, 1, 4)
    assert everything.backlog_end == mine.backlog_end + 1


def test_an_agent_sees_unrouted_and_own_tickets(agent, department):
    """The visibility rule of the workspace: no department, or assigned."""
    TicketFactory(unrouted=True, created_at=at(3, 10))
    TicketFactory(assignee=agent, created_at=at(4, 10))
    TicketFactory(created_at=at(5, 10))  # another department, not theirs

    report = volume_report(agent, question())

    assert report.created == 2


def test_customers_count_only_their_own_tickets(customer):
    TicketFactory(requester=customer, created_at=at(3, 10))
    TicketFactory(created_at=at(3, 11))

    assert volume_report(customer, question()).created == 1


@pytest.fixture
def two_kinds(department):
    """Two tickets opened in the range: one with every dimension set, one
    with none of them (no department either), or other values."""
    agent = UserFactory(agent=True)
    department.agents.add(agent)
    team = TeamFactory(department=department)
    category = CategoryFactory(default_department=department)
    organization = OrganizationFactory()
    requester = UserFactory(organization=organization)
    marked = TicketFactory(
        department=department,
        team=team,
        assignee=agent,
        category=category,
        channel=Ticket.Channel.EMAIL,
        priority=Ticket.Priority.HIGH,
        requester=requester,
        created_at=at(3, 10),
    )
    TicketFactory(
        unrouted=True,
        channel=Ticket.Channel.PORTAL,
        priority=Ticket.Priority.NORMAL,
        created_at=at(4, 10),
    )
    return marked


@pytest.mark.parametrize(
    "dimension", ["team", "assignee", "category", "organization", "department"]
)
def test_each_related_dimension_narrows_the_figures(two_kinds, admin_user, dimension):
    value = str(getattr(two_kinds, f"{dimension}_id"))
    TicketFactory(created_at=at(5, 10))  # another department, no dimension set

    narrowed = volume_report(admin_user, question(**{dimension: value}))

    assert volume_report(admin_user, question()).created == 3
    assert narrowed.created == 1
    assert {p.bucket.first_day.day for p in narrowed.points if p.created} == {3}


@pytest.mark.parametrize(
    ("dimension", "value", "day"),
    [
        ("channel", Ticket.Channel.EMAIL, 3),
        ("channel", Ticket.Channel.PORTAL, 4),
        ("priority", Ticket.Priority.HIGH, 3),
        ("priority", Ticket.Priority.NORMAL, 4),
        ("assignee", "none", 4),
    ],
)
def test_each_value_dimension_narrows_the_figures(
    two_kinds, admin_user, dimension, value, day
):
    narrowed = volume_report(admin_user, question(**{dimension: value}))

    assert narrowed.created == 1
    assert {p.bucket.first_day.day for p in narrowed.points if p.created} == {day}


def test_reopenings_follow_the_filters(two_kinds, admin_user):
    status_event(two_kinds, "solved", "open", at(6, 10))

    assert volume_report(admin_user, question(priority="high")).reopened == 1
    assert volume_report(admin_user, question(priority="low")).reopened == 0


def test_a_range_ending_today_ends_with_what_is_unsolved_now(agent, department):
    TicketFactory(department=department, status="open")
    TicketFactory(department=department, solved=True)
    today = date.today()
    filters = ReportFilters(
        first_day=today - timedelta(days=6), last_day=today, zone=UTC
    )

    report = volume_report(agent, filters)

    assert report.backlog_end == 1
    assert report.points[-1].backlog == 1


@pytest.mark.parametrize(
    ("first_day", "interval", "buckets"),
    [
        (date(2026, 11, 9), "day", 7),
        (date(2024, 11, 15), "week", 105),
        (date(2024, 11, 15), "day", 731),
    ],
)
def test_the_query_count_grows_neither_with_tickets_nor_buckets(
    agent, department, django_assert_num_queries, first_day, interval, buckets
):
    history(department)
    for day in range(2, 15):
        TicketFactory(department=department, created_at=at(day, 12))
    filters = ReportFilters(
        first_day=first_day,
        last_day=date(2026, 11, 15),
        zone=NEW_YORK,
        interval=interval,
    )

    # The agent's departments, then created, solved, status moves, backlog.
    with django_assert_num_queries(5):
        report = volume_report(agent, filters)

    assert len(report.points) == buckets
    assert report.backlog_end == 4 + 13
