"""The report pages under /agent/reports/: who may open them, the filter bar,
the tabs, the charts with their tables, the links to the tickets behind a
figure, and a query count that does not grow with the data."""

import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory, TeamFactory
from reports.views import pages as views
from tickets.models import TicketEvent

from .helpers_b import answered, event_at, rating_at, solved, ticket_at, utc

pytestmark = pytest.mark.django_db

PAGES = ["volume", "speed", "service_levels", "people", "satisfaction", "tickets"]
# 20 Nov 2026, noon UTC: "last 30 days" is 22 Oct to 20 Nov.
NOW = utc(2026, 11, 20, 12)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def url(name: str, query: str = "") -> str:
    return reverse(f"reports:{name}") + (f"?{query}" if query else "")


def links(html: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', html)]


@pytest.fixture
def world(db):
    """A week of work in Support: tickets created, answered and solved, SLA
    outcomes, ratings with comments, and one ticket in another department."""
    support = DepartmentFactory(name="Support")
    team = TeamFactory(name="Tier 1", department=support)
    sam = UserFactory(agent=True, full_name="Sam Agent")
    support.agents.add(sam)
    fields = {"department": support, "team": team, "assignee": sam}
    for day in (2, 3, 3, 4):
        ticket_at(utc(2026, 11, day, 9), **fields)
    answered(utc(2026, 11, 3, 10), 60, 30, **fields)
    good = solved(utc(2026, 11, 5, 12), 240, 120, subject="Printer fixed", **fields)
    bad = solved(utc(2026, 11, 6, 12), 600, 300, subject="Still broken", **fields)
    breached = ticket_at(utc(2026, 11, 4, 8), subject="Late answer", **fields)
    met = ticket_at(utc(2026, 11, 4, 8), subject="Quick answer", **fields)
    event_at(
        breached,
        TicketEvent.Kind.SLA_BREACHED,
        utc(2026, 11, 5, 8),
        new_value="first response",
    )
    event_at(
        met, TicketEvent.Kind.SLA_MET, utc(2026, 11, 4, 9), new_value="first response"
    )
    rating_at(good, "good", utc(2026, 11, 5, 15), "Quick and kind")
    rating_at(bad, "bad", utc(2026, 11, 6, 15), "Took a week")
    elsewhere = ticket_at(
        utc(2026, 11, 4, 9), subject="Billing secret", department=DepartmentFactory()
    )
    return {
        "support": support,
        "team": team,
        "sam": sam,
        "breached": breached,
        "elsewhere": elsewhere,
    }


# --- Who may open the reports -------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    response = client.get(url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_visitors_get_no_csv(client):
    response = client.get(reverse("reports:export", args=["volume"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", PAGES)
def test_customers_are_refused_every_page(login, customer, name):
    assert login(customer).get(url(name)).status_code == 403


@pytest.mark.parametrize("table", ["volume", "people-agents", "tickets"])
def test_customers_are_refused_every_csv(login, customer, table):
    response = login(customer).get(reverse("reports:export", args=[table]))

    assert response.status_code == 403


def test_the_old_address_leads_to_the_reports(client):
    response = client.get("/reports/?preset=last_7")

    assert response.status_code == 302
    assert response["Location"] == "/agent/reports/?preset=last_7"


def test_agents_find_reports_in_the_navigation_and_customers_do_not(
    login, agent, customer
):
    html = login(agent).get(reverse("tickets:agent_home")).content.decode()
    assert 'href="/agent/reports/">Reports</a>' in html

    html = login(customer).get(reverse("tickets:portal_home")).content.decode()
    assert "/agent/reports/" not in html


def test_an_unknown_csv_table_is_a_404(login, agent):
    response = login(agent).get(reverse("reports:export", args=["nothing"]))

    assert response.status_code == 404


# --- The pages ----------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_every_page_shows_the_filter_bar_and_tabs(login, admin_user, world, name):
    response = login(admin_user).get(url(name))
    html = response.content.decode()

    assert response.status_code == 200
    assert 'id="id_preset"' in html
    assert 'type="date" name="start"' in html
    assert 'aria-current="page" href="' + reverse(f"reports:{name}") in html
    for other in PAGES:
        assert reverse(f"reports:{other}") + "?preset=last_30" in html


def test_volume_draws_charts_with_a_table_beside(login, admin_user, world):
    html = login(admin_user).get(url("volume")).content.decode()

    assert html.count('role="img"') == 4  # two charts, each wide and narrow
    assert '<title id="volume-flow-wide-title">' in html
    assert '<caption class="caption-top pt-0" id="volume-caption">' in html
    assert '<th scope="col" class="text-end">Created</th>' in html
    assert "Download CSV" in html
    assert reverse("reports:export", args=["volume"]) + "?preset=last_30" in html


def test_the_figures_on_the_volume_page(login, admin_user, world):
    query = "preset=custom&start=2026-11-02&end=2026-11-08&department=" + str(
        world["support"].pk
    )
    html = login(admin_user).get(url("volume", query)).content.decode()
    rows = re.findall(
        r'<tr><th scope="row" class="fw-normal text-nowrap">([^<]+)</th>'
        r'<td class="text-end">(\d+)</td><td class="text-end">(\d+)</td>',
        html,
    )

    assert ("3 Nov", "2", "0") in rows
    assert ("5 Nov", "0", "1") in rows


def test_speed_shows_medians_in_hours(login, admin_user, world):
    html = login(admin_user).get(url("speed")).content.decode()

    assert "First reply time" in html
    assert "business hours" in html and "calendar hours" in html
    assert '<td class="text-end">1.0</td>' in html  # 60 minutes
    assert 'role="img"' in html


def test_the_breached_tickets_are_one_click_from_service_levels(
    login, admin_user, world
):
    client = login(admin_user)
    html = client.get(
        url("service_levels", "preset=custom&start=2026-11-01&end=2026-11-10")
    ).content.decode()
    breached = [link for link in links(html) if "basis=breached" in link]

    assert len(breached) == 1  # only the target with a breach links
    assert "target=first_response" in breached[0]
    assert "start=2026-11-01&end=2026-11-10" in breached[0]
    page = client.get(breached[0]).content.decode()
    assert "Late answer" in page
    assert "Quick answer" not in page


def test_people_has_a_row_per_agent_and_per_team(login, admin_user, world):
    html = login(admin_user).get(url("people")).content.decode()

    assert ">Sam Agent</th>" in html
    assert ">Support / Tier 1</th>" in html
    assert reverse("reports:export", args=["people-agents"]) in html
    assert reverse("reports:export", args=["people-teams"]) in html


def test_satisfaction_shows_the_score_and_the_comments(login, admin_user, world):
    html = login(admin_user).get(url("satisfaction")).content.decode()

    assert "50%" in html
    assert "Quick and kind" in html
    assert "Took a week" in html
    assert 'role="img"' in html


def test_agents_count_only_the_tickets_they_may_see(login, world, settings):
    settings.AGENTS_SEE_ALL_TICKETS = False
    html = login(world["sam"]).get(url("tickets")).content.decode()

    assert "Late answer" in html
    assert "Billing secret" not in html


def test_an_empty_range_says_so(login, admin_user):
    html = login(admin_user).get(url("volume")).content.decode()

    assert "No tickets in this range" in html


def test_invalid_filters_show_errors_and_keep_what_was_typed(login, admin_user):
    query = "preset=custom&start=2026-11-10&end=2026-11-01"
    html = login(admin_user).get(url("speed", query)).content.decode()

    assert "The last day is before the first day." in html
    assert 'value="2026-11-10"' in html
    assert 'value="2026-11-01"' in html
    assert 'role="img"' not in html
    assert "could not be drawn" in html


def test_changing_the_dates_picks_a_custom_range(login, admin_user):
    query = (
        "preset=last_30&start=2026-11-02&end=2026-11-08"
        "&shown_start=2026-10-22&shown_end=2026-11-20"
    )
    html = login(admin_user).get(url("volume", query)).content.decode()

    assert "2 Nov 2026 – 8 Nov 2026" in html
    assert '<option value="custom" selected>' in html


def test_changing_the_preset_keeps_the_preset(login, admin_user):
    query = (
        "preset=last_7&start=2026-10-22&end=2026-11-20"
        "&shown_start=2026-10-22&shown_end=2026-11-20"
    )
    html = login(admin_user).get(url("volume", query)).content.decode()

    assert "14 Nov 2026 – 20 Nov 2026" in html


def test_tabs_keep_the_filters(login, admin_user, world):
    team = world["team"].pk
    html = login(admin_user).get(url("people", f"preset=last_7&team={team}"))
    tab_links = [
        link
        for link in links(html.content.decode())
        if link.startswith("/agent/reports/") and "/csv/" not in link
    ]

    for name in PAGES:
        assert any(
            link.startswith(reverse(f"reports:{name}") + "?")
            and "preset=last_7" in link
            and f"team={team}" in link
            and "interval=auto" in link  # "Automatic" stays automatic
            for link in tab_links
        ), name


def test_the_ticket_list_pages_and_keeps_its_question(login, admin_user, world):
    for day in range(1, 60):
        ticket_at(utc(2026, 11, 1 + day % 15, 9), department=world["support"])
    client = login(admin_user)
    html = client.get(url("tickets", "basis=created")).content.decode()

    assert 'rel="next"' in html
    assert "basis=created" in html
    assert "Download CSV" in html


# --- Speed --------------------------------------------------------------------


def _count_queries(client, address: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("name", PAGES)
def test_the_query_count_does_not_grow_with_the_data(
    login, admin_user, world, name, django_assert_max_num_queries
):
    client = login(admin_user)
    before = _count_queries(client, url(name))
    sam, support, team = world["sam"], world["support"], world["team"]
    for day in range(2, 12):
        ticket = solved(
            utc(2026, 11, day, 12),
            30,
            30,
            department=support,
            team=team,
            assignee=UserFactory(agent=True),
        )
        rating_at(ticket, "good", utc(2026, 11, day, 13), f"Thanks {day}")
        event_at(
            ticket,
            TicketEvent.Kind.SLA_MET,
            utc(2026, 11, day, 11),
            new_value="resolution",
        )
        answered(utc(2026, 11, day, 10), 20, assignee=sam, team=TeamFactory())

    assert _count_queries(client, url(name)) == before
    with django_assert_max_num_queries(20):
        client.get(url(name))


@pytest.mark.parametrize(
    "table",
    [
        "volume",
        "speed",
        "service-levels",
        "people-agents",
        "satisfaction-comments",
        "tickets",
    ],
)
def test_csv_query_count_does_not_grow_with_the_data(login, admin_user, world, table):
    client = login(admin_user)
    address = reverse("reports:export", args=[table])
    before = _count_queries(client, address)
    for day in range(2, 12):
        ticket = solved(
            utc(2026, 11, day, 12),
            30,
            department=world["support"],
            assignee=UserFactory(agent=True),
        )
        rating_at(ticket, "bad", utc(2026, 11, day, 13), "Slow")

    assert _count_queries(client, address) == before


@pytest.mark.parametrize(
    ("name", "selector"),
    [
        ("volume", "volume_report"),
        ("speed", "speed_report"),
        ("service_levels", "service_level_report"),
        ("people", "people_report"),
        ("satisfaction", "satisfaction_report"),
        ("tickets", "report_ticket_list"),
    ],
)
def test_each_page_asks_its_selector_once(
    login, admin_user, world, monkeypatch, name, selector
):
    real = getattr(views, selector)
    calls = []

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, selector, counted)
    assert login(admin_user).get(url(name)).status_code == 200

    assert len(calls) == 1


def test_a_long_range_is_drawn_per_week(login, admin_user, world):
    query = "preset=custom&start=2026-01-01&end=2026-11-20"
    html = login(admin_user).get(url("volume", query)).content.decode()

    assert "1 Jan 2026 – 20 Nov 2026 · per week" in html
    assert '<th scope="col">Week</th>' in html
    assert ">1–4 Jan</th>" in html  # the first week, clipped to the range
    assert ">2–8 Nov</th>" in html
