"""Speed: first reply and resolution times (median, 90th percentile) and the
one-touch rate, over the tickets the viewer may see."""

import pytest

from organizations.tests.factories import DepartmentFactory
from reports.selectors import speed_report
from reports.selectors.speed import distribution, percentile

from .helpers_b import (
    DIMENSIONS,
    answered,
    dimension_case,
    question,
    solved,
    utc,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([7.0], 0.5, 7.0),
        ([7.0], 0.9, 7.0),
        ([4.0, 1.0, 3.0, 2.0], 0.5, 2.5),  # between the 2nd and 3rd: 2 + 0.5
        ([3.0, 1.0, 2.0], 0.5, 2.0),
        # rank (10 - 1) * 0.9 = 8.1: the 9th value plus 0.1 of the gap to the 10th
        ([float(n) for n in range(1, 11)], 0.9, 9.1),
        ([10.0, 20.0], 0.9, 19.0),  # rank 0.9: 10 + 0.9 * 10
        ([5.0, 1.0], 0.0, 1.0),
        ([5.0, 1.0], 1.0, 5.0),
    ],
)
def test_percentile_interpolates_between_the_closest_ranks(values, fraction, expected):
    assert percentile(values, fraction) == pytest.approx(expected)


def test_nothing_has_no_percentile():
    assert percentile([], 0.5) is None
    assert distribution([]).count == 0
    assert distribution([]).median is None
    assert distribution([]).p90 is None


def test_first_reply_and_resolution_times(admin_user):
    answered(utc(2026, 11, 2, 10), 30, 20)
    answered(utc(2026, 11, 3, 10), 60, 40)
    answered(utc(2026, 11, 4, 10), 90, 60)
    answered(utc(2026, 11, 9, 10), 1000)  # the day after the range
    answered(utc(2026, 11, 1, 23, 59), 1000)  # the day before
    solved(utc(2026, 11, 5, 12), 120, 100, replies=1)
    solved(utc(2026, 11, 6, 12), 240, 200, replies=3)
    solved(utc(2026, 11, 8, 23, 59), 600, 300, replies=1)
    solved(utc(2026, 11, 9, 0, 0), 5000, replies=1)  # the range's end is exclusive

    report = speed_report(admin_user, question())

    assert report.first_reply_calendar.count == 3
    assert report.first_reply_calendar.median == 60
    assert report.first_reply_calendar.p90 == pytest.approx(84)  # 60 + 0.8 * 30
    assert report.first_reply_business.median == 40
    assert report.first_reply_business.p90 == pytest.approx(56)  # 40 + 0.8 * 20
    assert report.resolution_calendar.count == 3
    assert report.resolution_calendar.median == 240
    assert report.resolution_calendar.p90 == pytest.approx(528)  # 240 + .8 * 360
    assert report.resolution_business.median == 200
    assert report.resolution_business.p90 == pytest.approx(280)  # 200 + .8 * 100
    assert report.solved == 3
    assert report.one_touch == 2
    assert report.one_touch_rate == pytest.approx(2 / 3)


def test_a_solve_without_figures_still_counts_as_solved(admin_user):
    solved(utc(2026, 11, 5, 12), 120, replies=0)
    solved(utc(2026, 11, 5, 13), None, None, replies=1)

    report = speed_report(admin_user, question())

    assert report.solved == 2
    assert report.one_touch == 1
    assert report.resolution_calendar.count == 1


def test_an_empty_range_gives_no_medians(admin_user):
    answered(utc(2026, 10, 1, 10), 30)

    report = speed_report(admin_user, question())

    assert report.first_reply_calendar.count == 0
    assert report.first_reply_calendar.median is None
    assert report.resolution_business.p90 is None
    assert report.solved == 0
    assert report.one_touch_rate is None


def test_the_range_is_in_the_viewers_time_zone(admin_user):
    # 23:30 UTC on Sunday 1 Nov is 00:30 on Monday 2 Nov in Berlin: inside a
    # Berlin week starting Monday; 23:30 UTC on Sunday 8 Nov is Monday 9 Nov.
    answered(utc(2026, 11, 1, 23, 30), 10)
    answered(utc(2026, 11, 8, 23, 30), 20)

    in_utc = speed_report(admin_user, question(zone="UTC"))
    in_berlin = speed_report(admin_user, question(zone="Europe/Berlin"))

    assert in_utc.first_reply_calendar.median == 20
    assert in_berlin.first_reply_calendar.median == 10


def test_an_agent_sees_only_their_departments_figures(agent, department):
    answered(utc(2026, 11, 3, 10), 30, department=department)
    answered(utc(2026, 11, 3, 10), 50, department=None)  # unrouted: everyone's
    answered(utc(2026, 11, 3, 10), 999, department=DepartmentFactory())
    solved(utc(2026, 11, 3, 10), 999, department=DepartmentFactory())
    solved(utc(2026, 11, 3, 10), 70, department=DepartmentFactory(), assignee=agent)

    report = speed_report(agent, question())

    assert report.first_reply_calendar.count == 2
    assert report.first_reply_calendar.median == 40
    assert report.solved == 1
    assert report.resolution_calendar.median == 70


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_filter_narrows_the_figures(admin_user, dimension):
    name, kept, other, value = dimension_case(dimension)
    answered(utc(2026, 11, 3, 10), 30, **kept)
    answered(utc(2026, 11, 3, 10), 90, **other)
    solved(utc(2026, 11, 3, 10), 100, replies=1, **kept)
    solved(utc(2026, 11, 3, 10), 300, replies=2, **other)

    everything = speed_report(admin_user, question())
    narrowed = speed_report(admin_user, question(**{name: value}))

    assert everything.first_reply_calendar.count == 2
    assert everything.solved == 2
    assert narrowed.first_reply_calendar.median == 30
    assert narrowed.resolution_calendar.median == 100
    assert narrowed.solved == 1
    assert narrowed.one_touch_rate == 1


def test_the_query_count_does_not_grow_with_the_tickets(
    admin_user, agent, django_assert_max_num_queries
):
    for day in range(2, 9):
        answered(utc(2026, 11, day, 10), day)
        solved(utc(2026, 11, day, 11), day * 10)

    with django_assert_max_num_queries(2):
        report = speed_report(admin_user, question())
    with django_assert_max_num_queries(3):  # and the agent's departments
        speed_report(agent, question())
    assert report.solved == 7
