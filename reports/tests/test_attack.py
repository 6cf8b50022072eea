"""Faults found by attacking the reports: days too far out for a local
midnight to exist, and cells that start a formula behind characters a
spreadsheet does not show or shows as "=" / "-"."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from organizations.tests.factories import (
    DepartmentFactory,
    OrganizationFactory,
    TeamFactory,
)
from reports.exports import neutralise
from tickets.tests.factories import CategoryFactory

from .helpers_b import rating_at, solved, utc

pytestmark = pytest.mark.django_db

PAGES = ["volume", "speed", "service_levels", "people", "satisfaction", "tickets"]
FAR_RANGES = [
    ("0001-01-01", "0001-01-05"),
    ("9999-12-25", "9999-12-31"),
    ("1899-12-31", "1900-01-02"),
]


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(utc(2026, 11, 20, 12), tick=False):
        yield


@pytest.fixture(params=["UTC", "Asia/Tokyo", "America/New_York"])
def zoned_agent(request, agent):
    agent.timezone = request.param
    agent.save(update_fields=["timezone"])
    return agent


@pytest.mark.parametrize(("start", "end"), FAR_RANGES)
def test_days_too_far_out_are_a_form_error_on_every_page(
    login, zoned_agent, start, end
):
    client = login(zoned_agent)
    query = {"preset": "custom", "start": start, "end": end}

    for page in PAGES:
        response = client.get(reverse(f"reports:{page}"), query)

        assert response.status_code == 200
        assert "Choose a day between 1900-01-01 and 9998-12-31." in (
            response.content.decode()
        )


@pytest.mark.parametrize(("start", "end"), FAR_RANGES)
def test_days_too_far_out_are_refused_by_the_exports(login, zoned_agent, start, end):
    client = login(zoned_agent)
    query = {"preset": "custom", "start": start, "end": end}

    for table in ("volume", "tickets", "satisfaction-comments"):
        response = client.get(reverse("reports:export", args=[table]), query)

        assert response.status_code == 400


@pytest.mark.parametrize(("start", "end"), FAR_RANGES)
def test_days_too_far_out_are_a_400_on_the_api(api_as, zoned_agent, start, end):
    response = api_as(zoned_agent).get(
        "/reports/volume", {"preset": "custom", "start": start, "end": end}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


LOOK_ALIKES = [
    "\u00a0=1+1",  # no-break space
    "\u3000=1+1",  # ideographic space
    "\u200b=1+1",  # zero-width space
    "\ufeff=1+1",  # byte-order mark
    "\x00=1+1",
    "\u2028=1+1",
    "\uff1d1+1",  # full-width equals
    "\ufe661+1",  # small equals
    "\uff0b1",  # full-width plus
    "\uff0d1",  # full-width minus
    "\uff20SUM(A1)",  # full-width at
    "\u2212 1",  # minus sign
    " \t=1",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_a_formula_behind_invisible_or_look_alike_characters_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Printer", "a=1", "Zoë", "1+1", "", " "])
def test_text_that_starts_no_formula_is_left_alone(text):
    assert neutralise(text) == text


def test_every_name_in_the_ticket_export_is_neutralised(login, admin_user):
    """Subject, requester, organization, department, team, assignee and
    category are all names someone else typed."""
    department = DepartmentFactory(name="\uff1dDEPT()")
    ticket = solved(
        utc(2026, 11, 4, 12),
        90,
        60,
        subject="\u00a0=HYPERLINK(1)",
        organization=OrganizationFactory(name="\u200b@ORG"),
        department=department,
        team=TeamFactory(name="\u2212TEAM", department=department),
        category=CategoryFactory(name="\uff0bCAT"),
    )
    ticket.requester.full_name = "\u3000+REQ"
    ticket.requester.save(update_fields=["full_name"])
    rating_at(ticket, "bad", utc(2026, 11, 4, 13), "\ufeff=COMMENT()")

    client = login(admin_user)
    query = "?preset=custom&start=2026-11-01&end=2026-11-08&basis=solved"
    cells = []
    for table in ("tickets", "satisfaction-comments", "people-teams"):
        response = client.get(reverse("reports:export", args=[table]) + query)
        body = b"".join(response.streaming_content).decode("utf-8")[1:]
        cells += [cell for row in csv.reader(io.StringIO(body)) for cell in row]

    for marker in ("HYPERLINK", "ORG", "DEPT", "TEAM", "CAT", "REQ", "COMMENT"):
        found = [cell for cell in cells if marker in cell]
        assert found, marker
        assert all(cell.startswith("'") for cell in found), found


# --- An agent of one department probing another's tickets ----------------------

SECRET = "Zanzibar-secret"
EXPORTS = [
    "volume",
    "speed",
    "one-touch",
    "service-levels",
    "people-agents",
    "people-teams",
    "satisfaction",
    "satisfaction-comments",
    "tickets",
]
API = [
    "/reports/volume",
    "/reports/speed",
    "/reports/service-levels",
    "/reports/people",
    "/reports/satisfaction",
    "/reports/tickets",
    "/reports/summary",
]


@pytest.fixture
def hidden(agent):
    """A ticket of a department the agent is not in, with every figure a
    report shows: created, answered, solved, breached, rated with a comment."""
    from accounts.tests.factories import UserFactory
    from tickets.models import TicketEvent

    from .helpers_b import event_at

    other = DepartmentFactory(name="Billing")
    billing_agent = UserFactory(agent=True, full_name="Bea Billing")
    other.agents.add(billing_agent)
    organization = OrganizationFactory(name="Acme")
    ticket = solved(
        utc(2026, 11, 4, 12),
        90,
        60,
        subject=f"{SECRET} subject",
        department=other,
        team=TeamFactory(department=other),
        assignee=billing_agent,
        organization=organization,
        category=CategoryFactory(),
        first_response_at=utc(2026, 11, 4, 11),
        first_reply_minutes=30,
    )
    type(ticket).objects.filter(pk=ticket.pk).update(created_at=utc(2026, 11, 4, 10))
    ticket.requester.full_name = f"{SECRET} requester"
    ticket.requester.save(update_fields=["full_name"])
    event_at(
        ticket,
        TicketEvent.Kind.SLA_BREACHED,
        utc(2026, 11, 4, 11),
        new_value="resolution",
    )
    event_at(ticket, TicketEvent.Kind.REPLY, utc(2026, 11, 4, 11), actor=billing_agent)
    rating_at(ticket, "bad", utc(2026, 11, 4, 13), f"{SECRET} comment")
    return ticket


def probes(ticket) -> list[dict]:
    base = {"preset": "custom", "start": "2026-11-01", "end": "2026-11-08"}
    return [
        base,
        {**base, "department": str(ticket.department_id)},
        {**base, "assignee": str(ticket.assignee_id)},
        {**base, "organization": str(ticket.organization_id)},
        {**base, "team": str(ticket.team_id), "category": str(ticket.category_id)},
        {**base, "basis": "solved"},
        {**base, "basis": "breached", "target": "resolution"},
    ]


def test_another_departments_tickets_show_on_no_page(login, agent, hidden):
    client = login(agent)
    for query in probes(hidden):
        for page in PAGES:
            html = client.get(reverse(f"reports:{page}"), query).content.decode()
            assert SECRET not in html, (page, query)
            assert f"#{hidden.number}" not in html, (page, query)


def test_another_departments_tickets_are_in_no_export(login, agent, hidden):
    client = login(agent)
    for query in probes(hidden):
        for table in EXPORTS:
            response = client.get(reverse("reports:export", args=[table]), query)
            body = b"".join(response.streaming_content).decode("utf-8")
            rows = list(csv.reader(io.StringIO(body[1:])))
            assert SECRET not in body, (table, query)
            # Every figure is zero or empty: nothing of the ticket is counted.
            if table not in ("tickets", "satisfaction-comments", "people-agents"):
                figures = [c for row in rows[1:] for c in row if c.isdigit()]
                assert set(figures) <= {"0"}, (table, query, rows)
            if table in ("tickets", "satisfaction-comments"):
                assert rows[1:] == [], (table, query)


def test_another_departments_tickets_count_in_no_api_figure(api_as, agent, hidden):
    client = api_as(agent)
    for query in probes(hidden):
        for path in API:
            response = client.get(path, query)
            assert response.status_code == 200, (path, query, response.content)
            assert SECRET not in response.content.decode(), (path, query)
    volume = client.get("/reports/volume", probes(hidden)[1]).json()
    assert sum(p["created"] + p["solved"] for p in volume["points"]) == 0
    tickets = client.get("/reports/tickets", probes(hidden)[5]).json()
    assert (tickets["count"], tickets["results"]) == (0, [])


def test_customers_and_strangers_reach_no_report(login, customer, client):
    anonymous = client.get(reverse("reports:export", args=["tickets"]))
    assert anonymous.status_code == 302
    signed_in = login(customer)
    for page in PAGES:
        assert signed_in.get(reverse(f"reports:{page}")).status_code == 403
    for table in EXPORTS:
        response = signed_in.get(reverse("reports:export", args=[table]))
        assert response.status_code == 403


# --- Markup in names, subjects and comments -------------------------------------

MARKUP = '<script>alert(1)</script><svg onload="alert(2)">'


def test_markup_in_names_subjects_and_comments_is_shown_as_text(login, admin_user):
    from accounts.tests.factories import UserFactory

    department = DepartmentFactory(name=f"D{MARKUP}")
    agent = UserFactory(agent=True, full_name=f"A{MARKUP}")
    ticket = solved(
        utc(2026, 11, 4, 12),
        90,
        60,
        subject=f"S{MARKUP}",
        department=department,
        team=TeamFactory(name=f"T{MARKUP}", department=department),
        assignee=agent,
        organization=OrganizationFactory(name=f"O{MARKUP}"),
        category=CategoryFactory(name=f"C{MARKUP}"),
    )
    rating_at(ticket, "bad", utc(2026, 11, 4, 13), f"R{MARKUP}")
    client = login(admin_user)
    query = {
        "preset": "custom",
        "start": "2026-11-01",
        "end": "2026-11-08",
        "basis": "solved",
    }

    for page in PAGES:
        html = client.get(reverse(f"reports:{page}"), query).content.decode()
        assert "<script>alert" not in html, page
        assert "<svg onload" not in html, page
    people = client.get(reverse("reports:people"), query).content.decode()
    assert "T&lt;script&gt;" in people
    assert "A&lt;script&gt;" in people
    comments = client.get(reverse("reports:satisfaction"), query).content.decode()
    assert "R&lt;script&gt;" in comments


def test_a_refused_export_repeats_what_was_sent_only_as_plain_text(login, agent):
    response = login(agent).get(
        reverse("reports:export", args=["volume"]),
        {"assignee": MARKUP, "channel": MARKUP, "priority": MARKUP},
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
