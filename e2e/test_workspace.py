"""The workspace's in-place updates (htmx), in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.helpers import sign_in
from tickets.models import CannedResponse, Ticket
from tickets.tests.factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_filters_in_place_and_keeps_the_address(new_page, shot, agent, support):
    TicketFactory(department=support, subject="Printer on fire")
    TicketFactory(department=support, subject="Password expired")
    page = new_page()
    sign_in(page, agent)
    page.goto("/agent/tickets/")
    expect(page.locator(".ticket-table tbody tr")).to_have_count(2)

    page.locator("#id_q").fill("printer")
    expect(page.locator(".ticket-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Printer on fire")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=printer"))  # pushed, shareable
    shot(page, "search-in-place")


def test_sidebar_changes_save_as_they_are_made(new_page, shot, agent, support):
    ticket = TicketFactory(department=support)
    page = new_page()
    sign_in(page, agent)
    page.goto(ticket.get_agent_url())

    page.locator("#id_priority").select_option("urgent")
    expect(page.locator(".timeline")).to_contain_text(
        "changed the priority from Normal to Urgent"
    )
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert ticket.status == Ticket.Status.OPEN
    shot(page, "sidebar-autosaved")


def test_canned_response_is_inserted_into_the_reply(new_page, shot, agent, support):
    requester = UserFactory(full_name="Robin Hood")
    ticket = TicketFactory(department=support, requester=requester)
    CannedResponse.objects.create(
        owner=agent, title="Restart", body="Hi {requester_name}, please restart."
    )
    page = new_page()
    sign_in(page, agent)
    page.goto(ticket.get_agent_url())
    page.locator("#id_body").fill("Thanks for the report.")

    page.get_by_role("button", name="Insert").click()
    expect(page.locator("#id_body")).to_have_value(
        "Thanks for the report.\n\nHi Robin, please restart."
    )
    shot(page, "canned-inserted")


def test_collision_notice_shows_a_colleague_typing(
    new_page, shot, agent, support, settings
):
    settings.PRESENCE_POLL_SECONDS = 1
    colleague = UserFactory(agent=True, full_name="Kim Colleague")
    support.agents.add(colleague)
    ticket = TicketFactory(department=support)

    theirs = new_page()
    sign_in(theirs, colleague)
    theirs.goto(ticket.get_agent_url())
    mine = new_page()
    sign_in(mine, agent)
    mine.goto(ticket.get_agent_url())
    expect(mine.locator("#presence")).to_contain_text(
        "Kim Colleague is viewing this ticket"
    )

    theirs.locator("#id_body").fill("Working on it")
    expect(mine.locator("#presence")).to_contain_text(
        "Kim Colleague is typing a reply", timeout=20_000
    )
    shot(mine, "collision-notice")


def test_bulk_action_reports_what_it_changed(new_page, shot, agent, support):
    first = TicketFactory(department=support, subject="First")
    second = TicketFactory(department=support, subject="Second")
    page = new_page(width=1400)
    sign_in(page, agent)
    page.goto("/agent/tickets/")
    page.get_by_label(f"Select {first.reference}").check()
    page.get_by_label(f"Select {second.reference}").check()
    page.locator("#bulk-action").select_option("priority")
    page.locator("#bulk-priority").select_option("high")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("Changed 2 of 2 selected")).to_be_visible()
    assert set(Ticket.objects.values_list("priority", flat=True)) == {"high"}
    shot(page, "bulk-priority")


def test_a_list_row_keeps_the_category_in_one_piece(new_page, shot, agent, support):
    """On a phone the subject cell is narrow: the category after the priority
    badge moves to its own line rather than breaking inside its name."""
    TicketFactory(
        department=support,
        subject="Printer on fire",
        category=CategoryFactory(name="Bug report", default_department=support),
    )
    page = new_page(width=390)
    sign_in(page, agent)
    page.goto("/agent/tickets/")
    category = page.locator(".ticket-table tbody tr .ticket-category")
    expect(category).to_have_text("· Bug report")
    line = float(category.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert category.bounding_box()["height"] < 1.5 * line
    shot(page, "list-on-a-phone")
    assert page.errors == []
