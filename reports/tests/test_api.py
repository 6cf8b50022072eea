"""The reports API: the selectors' figures over what the caller may see,
agents only, with the pages' filters as query parameters."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

import helpdesk.api  # noqa: F401  (first: it mounts the routers, ours among them)
from organizations.tests.factories import DepartmentFactory
from reports import api as reports_api
from reports.filters import ReportFilters
from reports.selectors.results import (
    Distribution,
    PeopleReport,
    PersonRow,
    SatisfactionComment,
    SatisfactionPoint,
    SatisfactionReport,
    ServiceLevelReport,
    SpeedReport,
    TargetOutcome,
)
from tickets.models import SLAPolicy, SLATarget, TicketEvent
from tickets.services import sla
from tickets.services.sla_sweep import sla_sweep
from tickets.tests.factories import TicketEventFactory, TicketFactory
from tickets.tests.office import berlin, office_calendar

from .helpers_a import at, breach_event, history

pytestmark = pytest.mark.django_db

CUSTOM = {"preset": "custom", "start": "2026-11-02", "end": "2026-11-15"}
REPORTS = [
    "/reports/volume",
    "/reports/speed",
    "/reports/service-levels",
    "/reports/people",
    "/reports/satisfaction",
    "/reports/tickets",
]


# --- The summary --------------------------------------------------------------


def test_the_summary_counts_the_agents_tickets(api_as, agent, department):
    TicketFactory(department=department, priority="urgent")
    TicketFactory(department=department, status="open", assignee=agent)
    TicketFactory(department=department, solved=True, solved_at=timezone.now())
    old = TicketFactory(department=department, status="open")
    type(old).objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    breached = TicketFactory(department=department, status="open")
    breach_event(breached, "resolution", timezone.now())
    TicketFactory(department=DepartmentFactory())  # not this agent's

    data = api_as(agent).get("/reports/summary", {"days": 7}).json()
    assert data["by_status"] == {
        "new": 1,
        "open": 3,
        "pending": 0,
        "on_hold": 0,
        "solved": 1,
        "closed": 0,
    }
    assert data["open_by_priority"]["urgent"] == 1
    assert data["open_by_priority"]["normal"] == 3
    assert data["created"] == 4
    assert data["solved"] == 1
    assert data["unassigned"] == 3
    assert data["sla_breaches"] == 1


def test_summary_breaches_are_the_breach_events_in_the_window(
    api_as, agent, department
):
    """The same count as the service-level report: SLA-breached events in
    the window on tickets the agent may see, whether or not the sweep or a
    late reply recorded them."""
    mine = TicketFactory(department=department, status="open")
    breach_event(mine, "first response", timezone.now() - timedelta(days=1))
    breach_event(mine, "resolution", timezone.now() - timedelta(hours=1))
    breach_event(mine, "resolution", timezone.now() - timedelta(days=8))  # too old
    TicketEventFactory(ticket=mine, kind=TicketEvent.Kind.SLA_WARNING)
    theirs = TicketFactory(department=DepartmentFactory(), status="open")
    breach_event(theirs, "resolution", timezone.now())

    data = api_as(agent).get("/reports/summary", {"days": 7}).json()

    assert data["sla_breaches"] == 2


@time_machine.travel(datetime(2026, 11, 30, 14, tzinfo=UTC), tick=False)
def test_the_sweeps_breaches_are_counted(api_as, agent, department):
    """End to end: a ticket opened on Monday 09:00 in Berlin, due a first
    reply by 10:00 (business hours), swept at 15:00: one breach."""
    policy = SLAPolicy.objects.create(
        name="Standard", calendar=office_calendar(), is_default=True
    )
    SLATarget.objects.create(
        policy=policy, priority="normal", first_response_minutes=60
    )
    ticket = TicketFactory(department=department, created_at=berlin(2026, 11, 30, 9))
    ticket.save(update_fields=sla.sla_start(ticket=ticket))

    sla_sweep()

    assert api_as(agent).get("/reports/summary").json()["sla_breaches"] == 1


def test_customers_get_no_reports(api_as, customer):
    response = api_as(customer).get("/reports/summary")
    assert response.status_code == 403
    assert response.json()["code"] == "agents_only"


def test_the_window_is_bounded(api_as, agent):
    assert api_as(agent).get("/reports/summary", {"days": 0}).status_code == 400
    assert api_as(agent).get("/reports/summary", {"days": 5000}).status_code == 400


# --- Every report -----------------------------------------------------------------


@pytest.mark.parametrize("path", REPORTS)
def test_customers_are_refused_every_report(api_as, customer, path):
    TicketFactory(requester=customer)

    response = api_as(customer).get(path, CUSTOM)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only agents and admins may use this.",
        "code": "agents_only",
        "errors": {},
    }


@pytest.mark.parametrize("path", REPORTS)
def test_anonymous_callers_are_refused(client, path):
    response = client.get(f"/api/v1{path}")

    assert response.status_code == 401


@pytest.mark.parametrize("path", REPORTS)
def test_invalid_filters_are_a_400_naming_the_fields(api_as, agent, path):
    response = api_as(agent).get(
        path,
        {
            "preset": "custom",
            "start": "2026-11-15",
            "end": "2026-11-02",
            "interval": "month",
            "department": "no-such-department",
            "priority": "whenever",
        },
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"end", "interval", "department", "priority"}
    assert body["errors"]["end"] == ["The last day is before the first day."]


def test_a_custom_range_needs_its_days(api_as, agent):
    response = api_as(agent).get("/reports/volume", {"preset": "custom"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"start", "end"}


def test_a_range_is_limited(api_as, agent, settings):
    settings.REPORTS_MAX_RANGE_DAYS = 10

    response = api_as(agent).get("/reports/volume", CUSTOM)

    assert response.status_code == 400
    assert response.json()["errors"] == {"end": ["A report covers at most 10 days."]}


def test_nul_characters_are_refused(api_as, agent):
    response = api_as(agent).get("/reports/volume", {"team": "a\x00b"})

    assert response.status_code == 400


# --- Volume ---------------------------------------------------------------------


@pytest.fixture
def new_yorker(agent):
    agent.timezone = "America/New_York"
    agent.save(update_fields=["timezone"])
    return agent


def test_volume_in_the_callers_time_zone(api_as, new_yorker, department):
    history(department)

    data = api_as(new_yorker).get("/reports/volume", CUSTOM).json()

    assert data["range"] == {
        "first_day": "2026-11-02",
        "last_day": "2026-11-15",
        "time_zone": "America/New_York",
        "interval": "day",
        "start": "2026-11-02T05:00:00Z",
        "end": "2026-11-16T05:00:00Z",
    }
    assert data["points"][0] == {
        "first_day": "2026-11-02",
        "last_day": "2026-11-02",
        "label": "2 Nov",
        "created": 1,
        "solved": 0,
        "reopened": 0,
        "backlog": 3,
    }
    assert len(data["points"]) == 14
    assert (data["created"], data["solved"], data["reopened"]) == (6, 3, 2)
    assert (data["backlog_start"], data["backlog_end"]) == (2, 4)


def test_volume_per_week_and_filtered(api_as, new_yorker, department, admin_user):
    h = history(department)

    weekly = api_as(new_yorker).get("/reports/volume", {**CUSTOM, "interval": "week"})
    other = {**CUSTOM, "department": str(h.elsewhere.department_id)}
    theirs = api_as(new_yorker).get("/reports/volume", other).json()
    everything = api_as(admin_user).get("/reports/volume", other).json()

    assert [
        (p["label"], p["created"], p["solved"], p["reopened"], p["backlog"])
        for p in weekly.json()["points"]
    ] == [("2–8 Nov", 3, 2, 1, 3), ("9–15 Nov", 3, 1, 1, 4)]
    # A department the agent does not work in: nothing to count.
    assert theirs["created"] == 0
    assert theirs["reopened"] == 0
    assert everything["created"] == 1
    assert everything["reopened"] == 1


@time_machine.travel(datetime(2026, 11, 20, 15, tzinfo=UTC), tick=False)
def test_presets_are_days_up_to_today(api_as, agent):
    data = api_as(agent).get("/reports/volume", {"preset": "last_7"}).json()

    assert (data["range"]["first_day"], data["range"]["last_day"]) == (
        "2026-11-14",
        "2026-11-20",
    )
    default = api_as(agent).get("/reports/volume").json()
    assert default["range"]["first_day"] == "2026-10-22"
    assert len(default["points"]) == 30


def test_volume_answers_in_a_fixed_number_of_queries(
    api_as, agent, department, django_assert_max_num_queries
):
    history(department)
    client = api_as(agent)
    client.get("/reports/volume", CUSTOM)  # warm up

    with django_assert_max_num_queries(16) as captured:
        client.get("/reports/volume", CUSTOM)
    few = len(captured)
    for day in range(2, 15):
        TicketFactory(department=department, created_at=at(day, 12))
    with django_assert_max_num_queries(few):
        client.get("/reports/volume", {**CUSTOM, "start": "2025-01-01"})


# --- The tickets behind the figures -------------------------------------------


def test_tickets_are_paged_newest_first(api_as, new_yorker, department):
    h = history(department)
    client = api_as(new_yorker)

    first = client.get("/reports/tickets", {**CUSTOM, "per_page": 4}).json()
    second = client.get("/reports/tickets", {**CUSTOM, "per_page": 4, "page": 2})

    assert (first["count"], first["pages"], first["page"]) == (6, 2, 1)
    assert [row["number"] for row in first["results"]] == [
        h.t8.number,
        h.t7.number,
        h.t6.number,
        h.t5.number,
    ]
    assert [row["number"] for row in second.json()["results"]] == [
        h.t4.number,
        h.t3.number,
    ]
    assert first["results"][0]["sla"] is not None  # the agent's view of a ticket


def test_tickets_by_basis_and_target(api_as, new_yorker, department):
    h = history(department)
    breach_event(h.t4, "first response", at(3, 12))
    breach_event(h.t7, "resolution", at(12, 9))
    breach_event(h.elsewhere, "first response", at(4, 9))
    client = api_as(new_yorker)

    def listed(**params):
        response = client.get("/reports/tickets", {**CUSTOM, **params})
        assert response.status_code == 200, response.json()
        return [row["number"] for row in response.json()["results"]]

    assert listed(basis="solved") == [h.t7.number, h.t4.number, h.t2.number]
    assert listed(basis="breached") == [h.t7.number, h.t4.number]
    assert listed(basis="breached", target="first_response") == [h.t4.number]


def test_tickets_refuse_unknown_bases_and_targets(api_as, agent):
    client = api_as(agent)

    assert client.get("/reports/tickets", {"basis": "all"}).status_code == 400
    response = client.get("/reports/tickets", {"basis": "breached", "target": "x"})
    assert response.status_code == 400
    assert "target" in response.json()["errors"]


# --- The other reports: their selectors' shapes, as JSON -------------------------


def test_speed_is_the_selectors_figures_in_minutes(api_as, agent, monkeypatch):
    seen = {}

    def speed_report(user, filters):
        seen["question"] = (user, filters)
        return SpeedReport(
            first_reply_calendar=Distribution(3, 30.0, 54.0),
            first_reply_business=Distribution(3, 20.0, 40.0),
            resolution_calendar=Distribution(2, 600.0, 960.0),
            resolution_business=Distribution(0, None, None),
            solved=2,
            one_touch=1,
            one_touch_rate=0.5,
        )

    monkeypatch.setattr(reports_api, "speed_report", speed_report)

    data = api_as(agent).get("/reports/speed", {**CUSTOM, "priority": "high"}).json()

    assert data["first_reply_calendar"] == {"count": 3, "median": 30.0, "p90": 54.0}
    assert data["resolution_business"] == {"count": 0, "median": None, "p90": None}
    assert (data["solved"], data["one_touch"], data["one_touch_rate"]) == (2, 1, 0.5)
    user, filters = seen["question"]
    assert user == agent
    assert isinstance(filters, ReportFilters)
    assert filters.priority == "high"


def test_service_levels_with_rates(api_as, agent, monkeypatch):
    monkeypatch.setattr(
        reports_api,
        "service_level_report",
        lambda user, filters: ServiceLevelReport(
            targets=[
                TargetOutcome("first_response", "First response", 3, 1),
                TargetOutcome("next_response", "Next response", 0, 0),
                TargetOutcome("resolution", "Resolution", 1, 1),
            ]
        ),
    )

    data = api_as(agent).get("/reports/service-levels", CUSTOM).json()

    assert data["targets"][0] == {
        "target": "first_response",
        "label": "First response",
        "achieved": 3,
        "breached": 1,
        "total": 4,
        "achieved_rate": 0.75,
        "breached_rate": 0.25,
    }
    assert data["targets"][1]["achieved_rate"] is None
    assert [t["target"] for t in data["targets"]] == [
        "first_response",
        "next_response",
        "resolution",
    ]


def test_people_rows(api_as, agent, monkeypatch):
    row = PersonRow(str(agent.pk), "Ann", 4, 9, 42.5, 3, 1)
    nobody = PersonRow("", "No team", 1, 0, None, 0, 0)
    monkeypatch.setattr(
        reports_api,
        "people_report",
        lambda user, filters: PeopleReport(agents=[row], teams=[nobody]),
    )

    data = api_as(agent).get("/reports/people", CUSTOM).json()

    assert data["agents"] == [
        {
            "id": str(agent.pk),
            "name": "Ann",
            "solved": 4,
            "replies": 9,
            "median_first_reply_minutes": 42.5,
            "good": 3,
            "bad": 1,
            "csat": 0.75,
        }
    ]
    assert data["teams"][0]["id"] == ""
    assert data["teams"][0]["csat"] is None


def test_satisfaction_points_and_comments(api_as, agent, monkeypatch):
    def satisfaction_report(user, filters):
        buckets = filters.buckets()
        return SatisfactionReport(
            points=[
                SatisfactionPoint(bucket, 1 if i == 0 else 0, 1 if i == 1 else 0)
                for i, bucket in enumerate(buckets)
            ],
            good=1,
            bad=1,
            comments=[
                SatisfactionComment(
                    ticket_number=1042,
                    subject="Printer",
                    rating="bad",
                    comment="=cmd|' /C calc'!A0",
                    rated_at=datetime(2026, 11, 3, 12, tzinfo=UTC),
                    requester_name="Jane",
                )
            ],
        )

    monkeypatch.setattr(reports_api, "satisfaction_report", satisfaction_report)

    data = api_as(agent).get("/reports/satisfaction", {**CUSTOM, "interval": "week"})
    data = data.json()

    assert data["points"] == [
        {
            "first_day": "2026-11-02",
            "last_day": "2026-11-08",
            "label": "2–8 Nov",
            "good": 1,
            "bad": 0,
            "score": 1.0,
        },
        {
            "first_day": "2026-11-09",
            "last_day": "2026-11-15",
            "label": "9–15 Nov",
            "good": 0,
            "bad": 1,
            "score": 0.0,
        },
    ]
    assert (data["good"], data["bad"], data["score"]) == (1, 1, 0.5)
    assert data["comments"][0]["comment"] == "=cmd|' /C calc'!A0"  # JSON, not CSV
    assert data["comments"][0]["rated_at"] == "2026-11-03T12:00:00Z"
