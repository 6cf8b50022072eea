"""SLA badges and the sidebar's service level card: business time and the
wall-clock due time side by side, in the viewing agent's time zone."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from tickets import business_time as bt
from tickets.models import SLAPolicy, SLATarget, Ticket
from tickets.services import sla
from tickets.templatetags.ticket_tags import (
    business_amount,
    sla_badge,
    sla_phrase,
    sla_target,
    sla_time,
    wall_clock,
)

from .factories import TicketFactory
from .office import BERLIN, berlin

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
OFFICE_HOURS = {day: (bt.Interval(time(9), time(18)),) for day in range(5)}


def office(*holidays: date) -> bt.Calendar:
    """Monday to Friday, 09:00-18:00 in Berlin, closed on ``holidays``."""
    return bt.Calendar("Europe/Berlin", OFFICE_HOURS, frozenset(holidays))


def phrase(calendar, due, now, zone=BERLIN) -> str:
    """The badge's words, without the <time> element's and the due part's
    markup."""
    html = str(sla_phrase(sla_time(calendar, due, now=now, zone=zone)))
    for markup in (f'<time datetime="{due.isoformat()}">', "</time>"):
        html = html.replace(markup, "")
    return html.replace('<span class="sla-due">', "").replace("</span>", "")


# --- the formatter ----------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (0.2, "less than 1 business minute"),
        (1, "1 business minute"),
        (45, "45 business minutes"),
        (59.6, "1 business hour"),  # rounded to the minute first
        (119, "1 business hour"),  # then down to whole hours
        (240, "4 business hours"),
        (-180, "3 business hours"),
        (2700, "45 business hours"),
    ],
)
def test_the_unit_rule(minutes, words):
    assert business_amount(minutes) == words


def test_a_weekend_is_not_business_time_but_the_due_time_says_when():
    # Friday 17:00 to Monday 11:00: 66 hours on the wall, 3 of them open.
    now = berlin(2026, 11, 27, 17, 0)
    due = berlin(2026, 11, 30, 11, 0)
    assert phrase(office(), due, now) == (
        "in 3 business hours · due Mon 30 Nov 11:00 CET"
    )


def test_a_holiday_is_not_business_time():
    # Thursday 24 Dec 17:30 to Monday 28 Dec 10:00 over Friday's Christmas Day:
    # 30 minutes on Thursday, 60 on Monday.
    now = berlin(2026, 12, 24, 17, 30)
    due = berlin(2026, 12, 28, 10, 0)
    assert phrase(office(date(2026, 12, 25)), due, now) == (
        "in 1 business hour · due Mon 28 Dec 10:00 CET"
    )
    assert phrase(office(), due, now) == (
        "in 10 business hours · due Mon 28 Dec 10:00 CET"
    )


def test_the_abbreviation_follows_daylight_saving():
    # Clocks go back on Sunday 25 Oct 2026: Friday is CEST, Monday CET.
    now = berlin(2026, 10, 23, 17, 0)
    due = berlin(2026, 10, 26, 10, 0)
    assert phrase(office(), due, now) == (
        "in 2 business hours · due Mon 26 Oct 10:00 CET"
    )
    assert wall_clock(now, BERLIN, now) == "Fri 23 Oct 17:00 CEST"
    # Round the clock, the night the clocks go back has 25 hours.
    always = bt.Calendar.always_open("Europe/Berlin")
    saturday_noon = berlin(2026, 10, 24, 12, 0)
    sunday_noon = berlin(2026, 10, 25, 12, 0)
    assert phrase(always, sunday_noon, saturday_noon) == (
        "in 25 business hours · due Sun 25 Oct 12:00 CET"
    )


def test_each_agent_reads_the_due_time_on_their_own_clock():
    now = berlin(2026, 11, 27, 17, 0)
    due = berlin(2026, 11, 30, 11, 0)
    assert phrase(office(), due, now, NEW_YORK) == (
        "in 3 business hours · due Mon 30 Nov 05:00 EST"
    )
    assert phrase(office(), due, now, TOKYO) == (
        "in 3 business hours · due Mon 30 Nov 19:00 JST"
    )
    assert phrase(office(), due, now, ZoneInfo("America/Sao_Paulo")) == (
        "in 3 business hours · due Mon 30 Nov 07:00 UTC-03"
    )
    assert phrase(office(), due, now, ZoneInfo("UTC")) == (
        "in 3 business hours · due Mon 30 Nov 10:00 UTC"
    )


def test_the_year_shows_only_when_it_is_not_this_year_on_the_agents_clock():
    now = berlin(2026, 12, 31, 12, 0)
    due = berlin(2027, 1, 1, 3, 0)  # still New Year's Eve in New York
    assert wall_clock(due, BERLIN, now) == "Fri 1 Jan 2027 03:00 CET"
    assert wall_clock(due, NEW_YORK, now) == "Thu 31 Dec 21:00 EST"


def test_overdue_counts_business_time_since_the_due_time():
    assert phrase(office(), berlin(2026, 11, 30, 11), berlin(2026, 11, 30, 14)) == (
        "overdue by 3 business hours · was due Mon 30 Nov 11:00 CET"
    )
    # Due Friday 17:00, Monday 10:00 now: late by two open hours, not 65.
    assert phrase(office(), berlin(2026, 11, 27, 17), berlin(2026, 11, 30, 10)) == (
        "overdue by 2 business hours · was due Fri 27 Nov 17:00 CET"
    )


def test_beyond_a_week_of_calendar_time_the_badge_says_so():
    now = berlin(2026, 11, 30, 9, 0)
    due = berlin(2026, 12, 21, 9, 0)
    assert phrase(office(), due, now) == (
        "in more than a week · due Mon 21 Dec 09:00 CET"
    )


# --- badges and the sidebar on tickets --------------------------------------


@pytest.fixture
def policy(db, office):
    policy = SLAPolicy.objects.create(
        name="Standard", calendar=office, is_default=True, warn_before_minutes=30
    )
    SLATarget.objects.create(
        policy=policy,
        priority="normal",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=480,
    )
    return policy


def started(created_at, **fields) -> Ticket:
    ticket = TicketFactory(created_at=created_at, priority="normal", **fields)
    ticket.save(update_fields=sla.sla_start(ticket=ticket))
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def in_zone():
    """Render as an agent in ``zone`` would see it (the middleware's job)."""

    def _in_zone(name: str) -> None:
        timezone.activate(ZoneInfo(name))

    yield _in_zone
    timezone.deactivate()


@pytest.mark.django_db
def test_an_overdue_badge_says_by_how_much_and_when_it_was_due(policy, in_zone):
    in_zone("Europe/Berlin")
    badge = str(sla_badge(started(berlin(2020, 1, 6, 9, 0))))
    assert "text-bg-danger" in badge
    assert "First reply overdue by more than a week" in badge
    assert "was due <time" in badge and "Mon 6 Jan 2020 10:00 CET" in badge


@pytest.mark.django_db
def test_a_badge_near_its_deadline_says_at_risk_in_words(policy, in_zone):
    """The warning colour is not the only signal: the badge says so."""
    in_zone("Europe/Berlin")
    ticket = started(berlin(2030, 1, 7, 9, 0))
    calm = str(sla_badge(ticket))
    assert "At risk" not in calm and "text-bg-warning" not in calm
    ticket.first_response_due_at = timezone.now() + timedelta(minutes=10)
    badge = str(sla_badge(ticket))
    assert "text-bg-warning" in badge
    assert "At risk: First reply in " in badge


@pytest.mark.django_db
def test_a_paused_clock_says_paused_and_what_is_left(policy, in_zone):
    in_zone("America/New_York")
    ticket = started(berlin(2030, 1, 7, 9, 0))  # resolution due 17:00
    ticket.first_response_at = berlin(2030, 1, 7, 9, 30)
    ticket.status = Ticket.Status.PENDING
    ticket.sla_paused_since = berlin(2030, 1, 7, 14, 0)
    badge = str(sla_badge(ticket))
    assert "SLA paused · 3 business hours left" in badge
    assert "since Mon 7 Jan 2030 08:00 EST" in badge
    sidebar = str(sla_target(ticket, "resolution"))
    assert "Paused since" in sidebar and "Mon 7 Jan 2030 08:00 EST" in sidebar
    assert "3 business hours left" in sidebar
    assert "Sent" in str(sla_target(ticket, "first_response"))


# --- pages, per agent time zone ---------------------------------------------


def agent_in(department, zone: str):
    agent = UserFactory(agent=True, timezone=zone)
    department.agents.add(agent)
    return agent


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "winter", "summer", "resolve"),
    [
        (
            "Europe/Berlin",
            "Mon 7 Jan 2030 10:00 CET",
            "Mon 1 Jul 2030 10:00 CEST",
            "Mon 7 Jan 2030 17:00 CET",
        ),
        (
            "America/New_York",
            "Mon 7 Jan 2030 04:00 EST",
            "Mon 1 Jul 2030 04:00 EDT",
            "Mon 7 Jan 2030 11:00 EST",
        ),
    ],
)
def test_agents_see_due_times_in_their_own_zone(
    policy, department, login, zone, winter, summer, resolve
):
    client = login(agent_in(department, zone))
    in_winter = started(berlin(2030, 1, 7, 9, 0), department=department, assignee=None)
    started(berlin(2030, 7, 1, 9, 0), department=department)

    listing = client.get(reverse("tickets:agent_list")).content.decode()
    assert 'First reply in more than a week <span class="sla-due">· due <time' in (
        listing
    )
    assert winter in listing and summer in listing

    detail = client.get(in_winter.get_agent_url()).content.decode()
    assert winter in detail  # the header's badge and the sidebar
    assert resolve in detail  # the sidebar's resolution row
    assert "more than a week left · due" in detail
    assert f"Times in your time zone, {zone}." in detail


@pytest.mark.django_db
def test_the_dashboard_table_uses_the_agents_zone_too(policy, department, login):
    agent = agent_in(department, "America/New_York")
    client = login(agent)
    started(berlin(2030, 1, 7, 9, 0), department=department, assignee=agent)
    page = client.get(reverse("tickets:agent_home")).content.decode()
    assert "First reply in more than a week" in page
    assert "Mon 7 Jan 2030 04:00 EST" in page
    assert "10:00 CET" not in page


@pytest.mark.django_db
def test_badges_cost_no_query_per_row(
    policy, department, login, django_assert_max_num_queries
):
    """The calendar (hours, holidays) is loaded once per policy, not per row."""
    from .test_query_counts import count_queries

    policy.calendar.holidays.create(date=date(2030, 1, 1), name="New Year")
    client = login(agent_in(department, "Europe/Berlin"))
    url = reverse("tickets:agent_list") + "?per_page=100"

    def grow(n):
        for day in range(n):
            started(berlin(2030, 1, 7 + day % 5, 9, 0), department=department)

    grow(5)
    few = count_queries(django_assert_max_num_queries, client, url)
    grow(45)
    response = client.get(url)
    assert response.content.decode().count("sla-badge") == 50
    assert count_queries(django_assert_max_num_queries, client, url) == few


@pytest.mark.django_db
def test_customers_see_no_sla_times_in_the_portal(policy, login, customer):
    ticket = started(berlin(2030, 1, 7, 9, 0), requester=customer)
    client = login(customer)
    for url in [reverse("tickets:portal_list"), ticket.get_absolute_url()]:
        page = client.get(url).content.decode()
        assert ticket.subject in page
        assert "sla-badge" not in page and "business hour" not in page
