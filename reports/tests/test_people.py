"""People: per agent and per team, tickets solved, public replies, median
first reply and ratings, over the tickets the viewer may see."""

import pytest

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory, TeamFactory
from reports.selectors import people_report
from tickets.models import TicketEvent

from .helpers_b import (
    DIMENSIONS,
    answered,
    dimension_case,
    event_at,
    question,
    rating_at,
    solved,
    utc,
)

pytestmark = pytest.mark.django_db

REPLY = TicketEvent.Kind.REPLY


def figures(row) -> tuple:
    return (row.solved, row.replies, row.median_first_reply_minutes, row.good, row.bad)


@pytest.fixture
def people(department):
    """Ann and Bob (agents) in team Alpha of department "Berlin"; team
    Beta with nobody's tickets."""
    department.name = "Berlin"
    department.save()
    ann = UserFactory(agent=True, full_name="Ann")
    bob = UserFactory(agent=True, full_name="bob")  # sorted without case
    alpha = TeamFactory(department=department, name="Alpha")
    beta = TeamFactory(department=department, name="Beta")
    return ann, bob, alpha, beta


def test_figures_per_agent_and_per_team(admin_user, people, department):
    ann, bob, alpha, _ = people
    customer = UserFactory()
    at = utc(2026, 11, 3, 12)
    first = solved(at, 60, assignee=ann, team=alpha, department=department)
    second = solved(at, 60, assignee=ann, team=None, department=department)
    third = solved(at, 60, assignee=None, team=alpha, department=department)
    solved(utc(2026, 10, 3), 60, assignee=bob, team=alpha)  # before the range
    answered(at, 10, assignee=ann, team=alpha)
    answered(at, 20, assignee=ann, team=alpha)
    answered(at, 60, assignee=ann, team=None)
    answered(at, 40, assignee=bob, team=alpha)
    answered(utc(2026, 11, 9), 500, assignee=bob, team=alpha)  # after the range
    event_at(first, REPLY, at, actor=ann)
    event_at(first, REPLY, at, actor=bob)
    event_at(second, REPLY, at, actor=ann)
    event_at(third, REPLY, at, actor=bob)
    event_at(first, REPLY, at, actor=customer)  # the customer's: not counted
    event_at(first, TicketEvent.Kind.NOTE, at, actor=ann)  # internal
    event_at(first, REPLY, utc(2026, 11, 9), actor=ann)  # after the range
    rating_at(first, "good", at)
    rating_at(second, "bad", at)
    rating_at(third, "good", at)

    report = people_report(admin_user, question())

    by_name = {row.name: figures(row) for row in report.agents}
    assert by_name["Ann"] == (2, 2, 20, 1, 1)  # medians of 10, 20, 60
    assert by_name["bob"] == (0, 2, 40, 0, 0)
    assert by_name[admin_user.display_name] == (0, 0, None, 0, 0)
    assert report.agents[-1].key == ""
    assert report.agents[-1].name == "Unassigned"
    assert figures(report.agents[-1]) == (1, 0, None, 1, 0)

    assert [row.name for row in report.teams] == [
        "Berlin / Alpha",
        "Berlin / Beta",
        "No team",
    ]
    alpha_row, beta_row, no_team = report.teams
    assert alpha_row.key == str(alpha.pk)
    assert figures(alpha_row) == (2, 3, 20, 2, 0)  # medians of 10, 20, 40
    assert figures(beta_row) == (0, 0, None, 0, 0)
    assert figures(no_team) == (1, 1, 60, 0, 1)
    assert alpha_row.csat == 1
    assert no_team.csat == 0


def test_agents_sorted_by_name_zeros_included(admin_user, people):
    UserFactory(full_name="Aaron the customer")
    UserFactory(agent=True, inactive=True, full_name="Alice who left")

    report = people_report(admin_user, question())

    names = [row.name for row in report.agents]
    assert names == sorted([admin_user.display_name, "Ann", "bob"], key=str.casefold)
    assert all(figures(row) == (0, 0, None, 0, 0) for row in report.agents)
    assert [row.name for row in report.teams] == ["Berlin / Alpha", "Berlin / Beta"]


def test_an_agent_who_left_keeps_the_figures_of_the_range(admin_user):
    left = UserFactory(agent=True, inactive=True, full_name="Alice who left")
    solved(utc(2026, 11, 3), 60, assignee=left)

    report = people_report(admin_user, question())

    row = next(row for row in report.agents if row.key == str(left.pk))
    assert row.name == "Alice who left"
    assert row.solved == 1


def test_the_range_is_in_the_viewers_time_zone(admin_user, people):
    ann, _, _, _ = people
    solved(utc(2026, 11, 1, 23, 30), 60, assignee=ann)
    answered(utc(2026, 11, 8, 23, 30), 60, assignee=ann)

    def ann_in(zone):
        report = people_report(admin_user, question(zone=zone))
        return next(figures(row) for row in report.agents if row.name == "Ann")

    assert ann_in("UTC") == (0, 0, 60, 0, 0)
    assert ann_in("Europe/Berlin") == (1, 0, None, 0, 0)


def test_an_agent_sees_only_their_departments_figures(agent, department):
    colleague = UserFactory(agent=True, full_name="Colleague")
    elsewhere = DepartmentFactory()
    at = utc(2026, 11, 3)
    mine = solved(at, 60, assignee=colleague, department=department)
    theirs = solved(at, 60, assignee=colleague, department=elsewhere)
    answered(at, 60, assignee=colleague, department=elsewhere)
    event_at(mine, REPLY, at, actor=colleague)
    event_at(theirs, REPLY, at, actor=colleague)
    rating_at(theirs, "bad", at)
    rating_at(mine, "good", at)

    report = people_report(agent, question())

    row = next(row for row in report.agents if row.key == str(colleague.pk))
    assert figures(row) == (1, 1, None, 1, 0)


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_filter_narrows_the_figures(admin_user, dimension):
    name, kept, other, value = dimension_case(dimension)
    agent = UserFactory(agent=True)
    at = utc(2026, 11, 3)
    for fields, minutes, rating in ((kept, 10, "good"), (other, 90, "bad")):
        ticket = solved(at, 60, **fields)
        answered(at, minutes, **fields)
        event_at(ticket, REPLY, at, actor=agent)
        rating_at(ticket, rating, at)

    def total(report) -> tuple:
        rows = report.teams
        return (
            sum(row.solved for row in rows),
            sum(row.replies for row in rows),
            sorted(row.median_first_reply_minutes for row in rows if row.solved),
            sum(row.good for row in rows),
            sum(row.bad for row in rows),
        )

    everything = people_report(admin_user, question())
    narrowed = people_report(admin_user, question(**{name: value}))

    assert total(everything) == (2, 2, [10, 90] if name == "team" else [50], 1, 1)
    assert total(narrowed) == (1, 1, [10], 1, 0)
    replies = next(row.replies for row in narrowed.agents if row.key == str(agent.pk))
    assert replies == 1


def test_an_empty_range(admin_user, people):
    report = people_report(admin_user, question())

    assert all(row.median_first_reply_minutes is None for row in report.agents)
    assert all(row.csat is None for row in report.teams)
    assert "" not in {row.key for row in report.agents + report.teams}


def test_the_query_count_does_not_grow_with_people_or_tickets(
    admin_user, agent, department, django_assert_max_num_queries
):
    for _ in range(5):
        person = UserFactory(agent=True)
        team = TeamFactory(department=department)
        ticket = solved(utc(2026, 11, 3), 60, assignee=person, team=team)
        answered(utc(2026, 11, 3), 60, assignee=person, team=team)
        event_at(ticket, REPLY, utc(2026, 11, 3), actor=person)
        rating_at(ticket, "good", utc(2026, 11, 3))

    with django_assert_max_num_queries(6):
        report = people_report(admin_user, question())
    with django_assert_max_num_queries(7):  # and the agent's departments
        people_report(agent, question())
    assert sum(row.solved for row in report.agents) == 5


def test_an_assignee_who_is_no_longer_an_agent_keeps_their_row(admin_user):
    former = UserFactory(agent=True, full_name="Former Agent")
    ticket = solved(utc(2026, 11, 3), 60, assignee=former)
    event_at(ticket, REPLY, utc(2026, 11, 3), actor=former)
    former.role = "customer"
    former.save()

    report = people_report(admin_user, question())

    row = next(row for row in report.agents if row.key == str(former.pk))
    assert (row.name, row.solved, row.replies) == ("Former Agent", 1, 0)
