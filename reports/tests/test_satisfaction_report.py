"""Satisfaction: good and bad ratings per bucket, the CSAT score, and the
comments, over the tickets the viewer may see."""

from datetime import date

import pytest

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory
from reports.selectors import satisfaction_report

from .helpers_b import (
    DIMENSIONS,
    dimension_case,
    question,
    rating_at,
    ticket_at,
    utc,
)

pytestmark = pytest.mark.django_db


def per_bucket(report) -> list[tuple[str, int, int]]:
    return [(point.bucket.label, point.good, point.bad) for point in report.points]


def test_ratings_per_day_and_the_score(admin_user):
    rating_at(ticket_at(), "good", utc(2026, 11, 2, 9))
    rating_at(ticket_at(), "good", utc(2026, 11, 2, 17))
    rating_at(ticket_at(), "bad", utc(2026, 11, 2, 23, 59))
    rating_at(ticket_at(), "bad", utc(2026, 11, 5, 0, 0))
    rating_at(ticket_at(), "good", utc(2026, 11, 8, 12))
    rating_at(ticket_at(), "bad", utc(2026, 11, 1, 12))  # the day before
    rating_at(ticket_at(), "bad", utc(2026, 11, 9, 0))  # the day after

    report = satisfaction_report(admin_user, question())

    assert per_bucket(report) == [
        ("2 Nov", 2, 1),
        ("3 Nov", 0, 0),
        ("4 Nov", 0, 0),
        ("5 Nov", 0, 1),
        ("6 Nov", 0, 0),
        ("7 Nov", 0, 0),
        ("8 Nov", 1, 0),
    ]
    assert report.points[0].score == pytest.approx(2 / 3)
    assert report.points[1].score is None
    assert (report.good, report.bad) == (3, 2)
    assert report.score == pytest.approx(3 / 5)


def test_ratings_per_week(admin_user):
    rating_at(ticket_at(), "good", utc(2026, 11, 4))
    rating_at(ticket_at(), "bad", utc(2026, 11, 10))
    rating_at(ticket_at(), "good", utc(2026, 11, 14, 23))

    report = satisfaction_report(
        admin_user, question(date(2026, 11, 4), date(2026, 11, 14), interval="week")
    )

    assert per_bucket(report) == [("4–8 Nov", 1, 0), ("9–14 Nov", 1, 1)]


def test_comments_newest_first_and_limited(admin_user):
    requester = UserFactory(full_name="Petra Kunde")
    old = ticket_at(requester=requester, subject="Printer")
    new = ticket_at(subject="Invoice")
    rating_at(old, "bad", utc(2026, 11, 3), comment="Took days.")
    rating_at(new, "good", utc(2026, 11, 4), comment="=HYPERLINK(x) thanks")
    rating_at(ticket_at(), "good", utc(2026, 11, 5))  # no comment
    rating_at(ticket_at(), "good", utc(2026, 10, 5), comment="out of range")

    report = satisfaction_report(admin_user, question())
    limited = satisfaction_report(admin_user, question(), comment_limit=1)
    unlimited = satisfaction_report(admin_user, question(), comment_limit=None)

    assert [c.comment for c in report.comments] == [
        "=HYPERLINK(x) thanks",
        "Took days.",
    ]
    latest, earlier = report.comments
    assert latest.ticket_number == new.number
    assert latest.subject == "Invoice"
    assert latest.rating == "good"
    assert latest.rated_at == utc(2026, 11, 4)
    assert earlier.requester_name == "Petra Kunde"
    assert [c.comment for c in limited.comments] == ["=HYPERLINK(x) thanks"]
    assert len(unlimited.comments) == 2
    assert (limited.good, limited.bad) == (2, 1)


def test_an_empty_range_has_no_score(admin_user):
    report = satisfaction_report(admin_user, question())

    assert report.score is None
    assert report.comments == []
    assert all(point.score is None for point in report.points)
    assert len(report.points) == 7


def test_the_range_and_the_days_are_in_the_viewers_time_zone(admin_user):
    # 23:30 UTC on Monday 2 Nov is 00:30 on Tuesday 3 Nov in Berlin, and
    # 23:30 UTC on Sunday 8 Nov is Monday 9 Nov there: after the range.
    rating_at(ticket_at(), "good", utc(2026, 11, 2, 23, 30))
    rating_at(ticket_at(), "bad", utc(2026, 11, 8, 23, 30))

    in_utc = satisfaction_report(admin_user, question())
    in_berlin = satisfaction_report(admin_user, question(zone="Europe/Berlin"))

    assert per_bucket(in_utc)[:2] == [("2 Nov", 1, 0), ("3 Nov", 0, 0)]
    assert (in_utc.good, in_utc.bad) == (1, 1)
    assert per_bucket(in_berlin)[:2] == [("2 Nov", 0, 0), ("3 Nov", 1, 0)]
    assert (in_berlin.good, in_berlin.bad) == (1, 0)


def test_an_agent_sees_only_their_departments_ratings(agent, department):
    at = utc(2026, 11, 3)
    rating_at(ticket_at(department=department), "good", at, comment="mine")
    rating_at(ticket_at(department=None), "good", at, comment="unrouted")
    rating_at(ticket_at(department=DepartmentFactory()), "bad", at, comment="secret")

    report = satisfaction_report(agent, question())

    assert (report.good, report.bad) == (2, 0)
    assert {c.comment for c in report.comments} == {"mine", "unrouted"}


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_filter_narrows_the_ratings(admin_user, dimension):
    name, kept, other, value = dimension_case(dimension)
    rating_at(ticket_at(**kept), "good", utc(2026, 11, 3), comment="kept")
    rating_at(ticket_at(**other), "bad", utc(2026, 11, 3), comment="other")

    everything = satisfaction_report(admin_user, question())
    narrowed = satisfaction_report(admin_user, question(**{name: value}))

    assert (everything.good, everything.bad) == (1, 1)
    assert (narrowed.good, narrowed.bad) == (1, 0)
    assert [c.comment for c in narrowed.comments] == ["kept"]


def test_two_queries_however_many_ratings_or_days(
    admin_user, agent, django_assert_max_num_queries
):
    for day in range(2, 9):
        rating_at(ticket_at(department=None), "good", utc(2026, 11, day), "fine")

    with django_assert_max_num_queries(2):
        report = satisfaction_report(
            admin_user, question(date(2026, 1, 1), date(2026, 12, 31))
        )
    with django_assert_max_num_queries(3):  # and the agent's departments
        satisfaction_report(agent, question())
    assert report.good == 7
    assert len(report.points) == 365
