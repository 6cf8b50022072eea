"""The report pages in a real browser, on a desktop and on a phone: charts
drawn by the server with their tables beside them, the filter bar, the tabs,
and the breached tickets one click from the service levels."""

import random
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from organizations.tests.factories import TeamFactory
from reports.tests.helpers_b import event_at, rating_at
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import TicketFactory

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    ("volume", "/agent/reports/"),
    ("speed", "/agent/reports/speed/"),
    ("service-levels", "/agent/reports/service-levels/"),
    ("people", "/agent/reports/people/"),
    ("satisfaction", "/agent/reports/satisfaction/"),
    ("tickets", "/agent/reports/tickets/"),
]
COMMENTS = [
    "Quick and friendly, thank you!",
    "Took three days to get an answer.",
    "Sorted in one reply.",
    "The fix worked, but I had to explain it twice.",
]


@pytest.fixture
def month_of_work(support, agent):
    """Thirty days of tickets in Support for three agents in two teams:
    created, answered, solved, a few reopened, SLA outcomes and ratings."""
    chance = random.Random(15)  # noqa: S311 - test data
    now = timezone.now()
    tier1 = TeamFactory(name="Tier 1", department=support)
    tier2 = TeamFactory(name="Tier 2", department=support)
    agents = [agent]
    for name in ("Lena Ortiz", "Ravi Patel"):
        other = UserFactory(agent=True, full_name=name)
        support.agents.add(other)
        agents.append(other)
    subjects = ["Printer jam", "VPN drops", "Invoice copy", "Password reset"]
    for days_ago in range(29, -1, -1):
        day = now - timedelta(days=days_ago)
        for index in range(chance.randint(2, 7)):
            created = day.replace(hour=8 + index, minute=0, second=0, microsecond=0)
            if created > now:
                created = now - timedelta(minutes=5)
            first_reply = chance.choice([20, 45, 90, 180, 400])
            fields = {
                "department": support,
                "team": chance.choice([tier1, tier2]),
                "assignee": chance.choice(agents),
                "subject": f"{chance.choice(subjects)} ({days_ago}-{index})",
                "priority": chance.choice(["low", "normal", "normal", "high"]),
            }
            ticket = TicketFactory(**fields)
            answered_at = created + timedelta(minutes=first_reply)
            update = {
                "created_at": created,
                "status": Ticket.Status.OPEN,
                "first_response_at": answered_at,
                "first_reply_minutes": first_reply,
                "first_reply_business_minutes": first_reply * 0.8,
                "public_reply_count": 1,
            }
            solved_after = chance.choice([None, 240, 600, 1500, 3000])
            if solved_after and created + timedelta(minutes=solved_after) < now:
                update |= {
                    "status": Ticket.Status.SOLVED,
                    "solved_at": created + timedelta(minutes=solved_after),
                    "resolution_minutes": solved_after,
                    "resolution_business_minutes": solved_after * 0.6,
                    "public_reply_count": chance.choice([1, 1, 2, 3]),
                }
            Ticket.objects.filter(pk=ticket.pk).update(**update)
            if answered_at < now:
                event_at(
                    ticket,
                    TicketEvent.Kind.REPLY,
                    answered_at,
                    actor=fields["assignee"],
                )
                met = first_reply <= 90
                event_at(
                    ticket,
                    TicketEvent.Kind.SLA_MET if met else TicketEvent.Kind.SLA_BREACHED,
                    answered_at,
                    new_value="first response",
                )
            if "solved_at" in update:
                solved_at = update["solved_at"]
                event_at(
                    ticket,
                    TicketEvent.Kind.SLA_MET
                    if solved_after <= 1500
                    else TicketEvent.Kind.SLA_BREACHED,
                    solved_at,
                    new_value="resolution",
                )
                if chance.random() < 0.6 and solved_at + timedelta(hours=1) < now:
                    rating = "good" if chance.random() < 0.75 else "bad"
                    comment = chance.choice([*COMMENTS, "", ""])
                    rating_at(ticket, rating, solved_at + timedelta(hours=1), comment)
            elif chance.random() < 0.1:
                event_at(
                    ticket,
                    TicketEvent.Kind.STATUS,
                    answered_at,
                    old_value="solved",
                    new_value="open",
                )
    return agents


@pytest.mark.parametrize(("width", "device"), [(1280, "desktop"), (390, "phone")])
def test_the_reports_on_desktop_and_phone(
    new_page, shot, admin_user, month_of_work, width, device
):
    page = new_page(width=width, height=900)
    sign_in(page, admin_user)
    for name, address in PAGES:
        page.goto(address)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Reports")
        expect(page.get_by_label("Date range")).to_have_value("last_30")
        if name in ("volume", "speed", "service-levels", "satisfaction"):
            expect(page.locator("svg[role=img]:visible").first).to_be_visible()
        if name != "tickets":
            expect(page.locator("table.report-table").first).to_be_visible()
        expect(page.get_by_role("link", name="Download CSV").first).to_be_visible()
        shot(page, f"{device}-{name}")
    assert page.errors == []


def test_filters_tabs_and_the_breached_tickets(
    new_page, shot, admin_user, month_of_work
):
    page = new_page()
    sign_in(page, admin_user)
    page.goto("/agent/reports/")
    page.get_by_label("Date range").select_option("last_7")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#report-range")).to_contain_text("per day")

    page.get_by_role("navigation", name="Reports").get_by_role(
        "link", name="Service levels"
    ).click()
    expect(page).to_have_url(re.compile(r"preset=last_7"))
    expect(page.get_by_label("Date range")).to_have_value("last_7")
    shot(page, "service-levels-last-7-days")

    breached = page.locator("table.report-table a").first
    breached.click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("breached")
    expect(page.locator("table.report-table tbody tr").first).to_be_visible()
    shot(page, "breached-tickets")

    page.goto("/agent/reports/?preset=custom&start=2026-11-10&end=2026-11-01")
    expect(page.get_by_text("The last day is before the first day.")).to_be_visible()
    expect(page.get_by_label("From")).to_have_value("2026-11-10")
    shot(page, "invalid-range")
    assert page.errors == []
