"""The top bar's search box, in a real browser: a number opens the ticket, a
word lists what it finds by section."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.helpers import sign_in
from organizations.tests.factories import OrganizationFactory
from tickets.models import Ticket
from tickets.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def top_bar(page, name: str):
    """The top bar's search box, found by its accessible name."""
    box = page.get_by_role("search", name="Search everywhere").get_by_role(
        "searchbox", name=re.compile(name)
    )
    expect(box).to_be_visible()
    return box


def test_a_number_in_the_top_bar_opens_a_solved_ticket(new_page, shot, agent, support):
    ticket = TicketFactory(
        department=support, subject="Refund for order 77", solved=True
    )
    page = new_page()
    sign_in(page, agent)
    page.goto("/agent/tickets/")  # the default view hides solved tickets
    expect(page.get_by_role("link", name="Refund for order 77")).to_have_count(0)

    page.keyboard.press("/")  # the shortcut focuses the box
    box = top_bar(page, "Search tickets")
    expect(box).to_be_focused()
    box.fill(f"#{ticket.number}")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/agent/tickets/{ticket.number}/$"))
    expect(page.get_by_role("heading", name="Refund for order 77")).to_be_visible()
    shot(page, "number-opens-ticket")
    assert page.errors == []


def test_a_word_lists_tickets_people_and_organizations(new_page, shot, agent, support):
    acme = OrganizationFactory(name="Walrus Logistics")
    requester = UserFactory(full_name="Wally Walrus", organization=acme)
    open_one = TicketFactory(
        department=support, requester=requester, subject="Walrus crate stuck"
    )
    closed_one = TicketFactory(
        department=support, subject="Invoice question", closed=True
    )
    MessageFactory(
        ticket=closed_one, body="The walrus invoice is wrong", search_text="the "
        "walrus invoice is wrong",
    )  # fmt: skip
    TicketFactory(department=support, subject="Nothing to see")
    page = new_page()
    sign_in(page, agent)
    box = top_bar(page, "Search tickets")
    box.fill("WALRUS")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=WALRUS"))
    expect(page.get_by_role("heading", name="Results for “WALRUS”")).to_be_visible()
    tickets = page.locator("#section-tickets")
    expect(tickets.get_by_role("heading", name=re.compile("Tickets 2"))).to_be_visible()
    expect(tickets.get_by_role("link", name=open_one.subject)).to_be_visible()
    expect(tickets.get_by_role("link", name=closed_one.subject)).to_be_visible()
    expect(tickets).not_to_contain_text("Nothing to see")
    expect(page.locator("#section-people")).to_contain_text("Wally Walrus")
    expect(page.locator("#section-organizations")).to_contain_text("Walrus Logistics")
    expect(box).to_have_value("WALRUS")  # the box keeps what was asked
    shot(page, "results-sections")

    page.get_by_role("link", name=re.compile("Tickets of Walrus Logistics")).click()
    expect(page.locator(".ticket-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name=open_one.subject)).to_be_visible()
    assert page.errors == []


def test_a_customer_cannot_find_another_organizations_ticket(new_page, shot, support):
    customer = UserFactory(organization=OrganizationFactory(sharing=True))
    mine = TicketFactory(department=support, requester=customer, subject="My modem")
    theirs = TicketFactory(
        department=support,
        requester=UserFactory(organization=OrganizationFactory(sharing=True)),
        subject="Their modem",
    )
    page = new_page()
    sign_in(page, customer)
    box = top_bar(page, "Search your requests")
    box.fill(f"#{theirs.number}")
    box.press("Enter")
    expect(page.get_by_role("heading", name="No results")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Their modem")
    shot(page, "other-organizations-number")

    box = top_bar(page, "Search your requests")
    box.fill("modem")
    box.press("Enter")
    expect(page.get_by_role("link", name="My modem")).to_be_visible()
    expect(page.get_by_role("link", name="Their modem")).to_have_count(0)
    expect(page.locator("#section-people")).to_have_count(0)
    shot(page, "customer-results")
    assert Ticket.objects.filter(pk=mine.pk).exists()
    assert page.errors == []


@pytest.mark.parametrize("width", [1024, 1100])
def test_the_top_bar_folds_its_links_and_search_box_on_mid_widths(
    new_page, shot, support, width
):
    """Below 1200px an admin's five links, the search box and two buttons do
    not fit on one line: they fold into the menu instead of wrapping."""
    admin = UserFactory(admin=True, full_name="Ada Admin")
    page = new_page(width=width)
    sign_in(page, admin)
    page.goto("/agent/")
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("searchbox")).to_be_hidden()
    expect(nav.get_by_role("link", name="Canned responses")).to_be_hidden()
    nav.get_by_role("button", name="Toggle navigation").click()
    expect(top_bar(page, "Search tickets")).to_be_visible()
    expect(nav.get_by_role("link", name="Canned responses")).to_be_visible()
    expect(page.locator("#main-nav.show")).to_be_visible()  # done unfolding
    shot(page, f"menu-open-{width}")
    assert page.errors == []


@pytest.mark.parametrize("width", [1200, 1280, 1400])
def test_the_top_bar_keeps_each_link_on_one_line(new_page, shot, support, width):
    admin = UserFactory(admin=True, full_name="Ada Admin")
    page = new_page(width=width)
    sign_in(page, admin)
    page.goto("/agent/")
    nav = page.get_by_role("navigation", name="Main navigation")
    top_bar(page, "Search tickets")
    items = [
        nav.get_by_role("link", name=name)
        for name in ("Dashboard", "Canned responses", "Suspended mail", "Admin")
    ] + [nav.get_by_role("link", name="New ticket")]
    heights = {round(item.bounding_box()["height"]) for item in items[:4]}
    assert len(heights) == 1, heights  # no link breaks onto a second line
    button = items[-1].bounding_box()
    assert button["height"] < 40, button  # "New ticket" on one line
    assert nav.bounding_box()["height"] < 64
    shot(page, f"top-bar-{width}")
    assert page.errors == []
