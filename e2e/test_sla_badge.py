"""SLA badges and the ticket sidebar's service level card, in a real browser:
business time and the wall-clock due time together, on the agent's clock."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory
from tickets.models import SLAPolicy, SLATarget, Ticket
from tickets.services import sla
from tickets.tests.factories import TicketFactory
from tickets.tests.office import berlin, office_calendar

from .test_workspace import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def support():
    return DepartmentFactory(name="Support")


@pytest.fixture
def policy():
    policy = SLAPolicy.objects.create(
        name="Standard",
        calendar=office_calendar(),
        is_default=True,
        warn_before_minutes=30,
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
    return ticket


def agent_in(support, zone: str):
    user = UserFactory(agent=True, full_name=f"Agent {zone}", timezone=zone)
    support.agents.add(user)
    return user


def test_badges_and_sidebar_show_business_and_wall_clock_time(
    new_page, shot, support, policy
):
    upcoming = started(
        berlin(2030, 1, 7, 9, 0), department=support, subject="Printer jam"
    )
    started(berlin(2020, 1, 6, 9, 0), department=support, subject="Lost invoice")
    # Opened now: its figure depends on today, so only its shape is checked.
    started(timezone.now(), department=support, subject="Opened now")
    paused = started(berlin(2030, 1, 7, 9, 0), department=support, subject="Waiting")
    Ticket.objects.filter(pk=paused.pk).update(
        status=Ticket.Status.PENDING,
        first_response_at=berlin(2030, 1, 7, 9, 30),
        sla_paused_since=berlin(2030, 1, 7, 14, 0),
    )

    page = new_page()
    sign_in(page, agent_in(support, "America/New_York"))
    page.goto("/agent/tickets/")
    rows = page.locator(".ticket-table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text="Opened now").locator(".sla-badge")).to_have_text(
        re.compile(
            r"First reply (in|overdue by) (less than )?\d+ business (hour|minute)s? · "
            r"(was )?due \w{3} \d{1,2} \w{3} \d\d:\d\d E[SD]T"
        )
    )
    expect(rows.filter(has_text="Printer jam").locator(".sla-badge")).to_have_text(
        "First reply in more than a week · due Mon 7 Jan 2030 04:00 EST"
    )
    expect(rows.filter(has_text="Lost invoice").locator(".sla-badge")).to_have_text(
        "First reply overdue by more than a week · was due Mon 6 Jan 2020 04:00 EST"
    )
    expect(rows.filter(has_text="Waiting").locator(".sla-badge")).to_have_text(
        "SLA paused · 3 business hours left"
    )
    shot(page, "list-new-york")
    # The list's cell breaks a long badge between the time left and the due
    # time, never inside the due time.
    due = rows.filter(has_text="Printer jam").locator(".sla-badge .sla-due")
    expect(due).to_have_text("· due Mon 7 Jan 2030 04:00 EST")
    line = float(due.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert due.bounding_box()["height"] < 1.5 * line

    page.goto(upcoming.get_agent_url())
    card = page.locator("#ticket-sidebar .card").filter(has_text="Service level")
    expect(card).to_contain_text("more than a week left · due Mon 7 Jan 2030 04:00 EST")
    expect(card).to_contain_text("due Mon 7 Jan 2030 11:00 EST")  # resolution
    expect(card).to_contain_text("Times in your time zone, America/New_York.")
    shot(page, "sidebar-new-york")

    page.goto(paused.get_agent_url())
    expect(card).to_contain_text(
        "Paused since Mon 7 Jan 2030 08:00 EST · 3 business hours left"
    )
    shot(page, "sidebar-paused")

    berlin_page = new_page(width=390, height=800)
    sign_in(berlin_page, agent_in(support, "Europe/Berlin"))
    berlin_page.goto("/agent/tickets/")
    badge = (
        berlin_page.locator(".ticket-table tbody tr")
        .filter(has_text="Printer jam")
        .locator(".sla-badge")
    )
    expect(badge).to_contain_text("due Mon 7 Jan 2030 10:00 CET")
    shot(berlin_page, "list-berlin-narrow")
    assert not page.errors and not berlin_page.errors
