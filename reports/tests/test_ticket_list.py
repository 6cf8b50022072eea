"""The tickets behind the figures: the same tickets the figures count."""

import pytest

from reports.selectors import report_ticket_list, volume_report

from .helpers_a import UTC, at, breach_event, history, question

pytestmark = pytest.mark.django_db


def numbers(queryset) -> list[int]:
    return [ticket.number for ticket in queryset]


def test_created_in_the_range_newest_first(agent, department):
    h = history(department)

    listed = report_ticket_list(agent, question(), basis="created")

    assert numbers(listed) == [t.number for t in (h.t8, h.t7, h.t6, h.t5, h.t4, h.t3)]
    assert len(numbers(listed)) == volume_report(agent, question()).created


def test_the_range_is_in_the_viewers_time_zone(agent, department):
    h = history(department)

    listed = numbers(report_ticket_list(agent, question(zone=UTC)))

    assert h.t4.number in listed
    assert h.t3.number in listed  # 04:30 UTC on 3 Nov
    assert h.t8.number not in listed  # 04:30 UTC on 16 Nov


def test_solved_in_the_range_by_latest_solve(agent, department):
    h = history(department)

    listed = report_ticket_list(agent, question(), basis="solved")

    # t5 was solved in the range but reopened since; t7 by its last solve.
    assert numbers(listed) == [h.t7.number, h.t4.number, h.t2.number]


def test_breached_in_the_range_and_per_target(agent, department):
    h = history(department)
    breach_event(h.t4, "first response", at(3, 12))
    breach_event(h.t7, "resolution", at(12, 9))
    breach_event(h.t1, "resolution", at(31, 10, month=10))  # before the range
    breach_event(h.elsewhere, "first response", at(4, 9))  # not the agent's

    assert numbers(report_ticket_list(agent, question(), basis="breached")) == [
        h.t7.number,
        h.t4.number,
    ]
    assert numbers(
        report_ticket_list(agent, question(), basis="breached", target="first_response")
    ) == [h.t4.number]
    assert not report_ticket_list(
        agent, question(), basis="breached", target="next_response"
    ).exists()


def test_a_ticket_breached_twice_is_listed_once(agent, department):
    h = history(department)
    breach_event(h.t4, "first response", at(3, 12))
    breach_event(h.t4, "resolution", at(5, 12))

    assert numbers(report_ticket_list(agent, question(), basis="breached")) == [
        h.t4.number
    ]


def test_filters_and_visibility_apply(agent, department, admin_user):
    h = history(department)

    assert h.elsewhere.number not in numbers(report_ticket_list(agent, question()))
    assert h.elsewhere.number in numbers(report_ticket_list(admin_user, question()))
    assert numbers(
        report_ticket_list(
            admin_user, question(department=str(h.elsewhere.department_id))
        )
    ) == [h.elsewhere.number]


def test_unknown_bases_and_targets_are_refused(agent):
    with pytest.raises(ValueError):
        report_ticket_list(agent, question(), basis="everything")
    with pytest.raises(ValueError):
        report_ticket_list(agent, question(), basis="breached", target="lunch")


def test_a_page_of_rows_is_one_query(agent, department, django_assert_num_queries):
    history(department)
    listed = report_ticket_list(agent, question())

    with django_assert_num_queries(1):
        rows = [
            (
                ticket.requester.full_name,
                ticket.department.name,
                ticket.assignee,
                ticket.team,
                ticket.category,
                ticket.organization,
            )
            for ticket in listed[:25]
        ]
    assert len(rows) == 6
