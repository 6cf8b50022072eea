"""Service levels: SLA targets achieved and breached in the range, from the
events the SLA code records, over the tickets the viewer may see."""

import pytest

from organizations.tests.factories import DepartmentFactory
from reports.selectors import service_level_report
from tickets.models import TicketEvent

from .helpers_b import DIMENSIONS, dimension_case, event_at, question, ticket_at, utc

pytestmark = pytest.mark.django_db

MET, BREACHED = TicketEvent.Kind.SLA_MET, TicketEvent.Kind.SLA_BREACHED


def outcomes(report) -> dict[str, tuple[int, int]]:
    return {row.target: (row.achieved, row.breached) for row in report.targets}


def test_achieved_and_breached_per_target(admin_user):
    ticket = ticket_at()
    other = ticket_at()
    event_at(ticket, MET, utc(2026, 11, 2, 10), new_value="first response")
    event_at(other, MET, utc(2026, 11, 2, 11), new_value="first response")
    event_at(ticket, MET, utc(2026, 11, 3, 10), new_value="next response")
    event_at(ticket, BREACHED, utc(2026, 11, 4, 10), new_value="next response")
    event_at(other, BREACHED, utc(2026, 11, 5, 10), new_value="resolution")
    event_at(ticket, BREACHED, utc(2026, 11, 1, 10), new_value="resolution")  # before
    event_at(ticket, MET, utc(2026, 11, 9, 0), new_value="resolution")  # after
    event_at(
        ticket, TicketEvent.Kind.SLA_WARNING, utc(2026, 11, 3), new_value="resolution"
    )

    report = service_level_report(admin_user, question())

    assert [row.target for row in report.targets] == [
        "first_response",
        "next_response",
        "resolution",
    ]
    assert [row.label for row in report.targets] == [
        "First response",
        "Next response",
        "Resolution",
    ]
    assert outcomes(report) == {
        "first_response": (2, 0),
        "next_response": (1, 1),
        "resolution": (0, 1),
    }
    first, following, resolution = report.targets
    assert first.achieved_rate == 1
    assert first.breached_rate == 0
    assert following.achieved_rate == 0.5
    assert resolution.breached_rate == 1


def test_an_empty_range_gives_zeros_and_no_rates(admin_user):
    report = service_level_report(admin_user, question())

    assert outcomes(report) == {
        "first_response": (0, 0),
        "next_response": (0, 0),
        "resolution": (0, 0),
    }
    assert report.targets[0].achieved_rate is None


def test_the_range_is_in_the_viewers_time_zone(admin_user):
    ticket = ticket_at()
    event_at(ticket, MET, utc(2026, 11, 1, 23, 30), new_value="first response")
    event_at(ticket, BREACHED, utc(2026, 11, 8, 23, 30), new_value="resolution")

    in_utc = service_level_report(admin_user, question())
    in_berlin = service_level_report(admin_user, question(zone="Europe/Berlin"))

    assert outcomes(in_utc)["first_response"] == (0, 0)
    assert outcomes(in_utc)["resolution"] == (0, 1)
    assert outcomes(in_berlin)["first_response"] == (1, 0)
    assert outcomes(in_berlin)["resolution"] == (0, 0)


def test_an_agent_sees_only_their_departments_outcomes(agent, department):
    mine = ticket_at(department=department)
    unrouted = ticket_at(department=None)
    assigned = ticket_at(department=DepartmentFactory(), assignee=agent)
    elsewhere = ticket_at(department=DepartmentFactory())
    for ticket in (mine, unrouted, assigned, elsewhere):
        event_at(ticket, BREACHED, utc(2026, 11, 3), new_value="first response")

    assert outcomes(service_level_report(agent, question()))["first_response"] == (
        0,
        3,
    )


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_every_filter_narrows_the_outcomes(admin_user, dimension):
    name, kept, other, value = dimension_case(dimension)
    event_at(ticket_at(**kept), MET, utc(2026, 11, 3), new_value="resolution")
    event_at(ticket_at(**other), BREACHED, utc(2026, 11, 3), new_value="resolution")

    everything = service_level_report(admin_user, question())
    narrowed = service_level_report(admin_user, question(**{name: value}))

    assert outcomes(everything)["resolution"] == (1, 1)
    assert outcomes(narrowed)["resolution"] == (1, 0)


def test_one_query_however_many_events(
    admin_user, agent, department, django_assert_max_num_queries
):
    for day in range(2, 9):
        ticket = ticket_at(department=department)
        event_at(ticket, MET, utc(2026, 11, day), new_value="first response")
        event_at(ticket, BREACHED, utc(2026, 11, day), new_value="resolution")

    with django_assert_max_num_queries(1):
        report = service_level_report(admin_user, question(department=department.pk))
    with django_assert_max_num_queries(2):  # and the agent's departments
        service_level_report(agent, question())
    assert outcomes(report)["resolution"] == (0, 7)
