"""Filtering the workspace list by an organization typed by name, with the
suggestions the browser offers while typing."""

import re

import pytest
from playwright.sync_api import expect

from e2e.helpers import sign_in
from organizations.tests.factories import OrganizationFactory
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_types_an_organization_and_the_list_follows(
    new_page, shot, agent, support
):
    acme = OrganizationFactory(name="Acme Corp")
    OrganizationFactory(name="Acme Labs")
    globex = OrganizationFactory(name="Globex")
    TicketFactory(department=support, organization=acme, subject="Acme printer")
    TicketFactory(department=support, organization=globex, subject="Globex VPN")
    page = new_page()
    sign_in(page, agent)
    page.goto("/agent/tickets/")
    expect(page.locator(".ticket-table tbody tr")).to_have_count(2)
    page.get_by_role("button", name=re.compile("filters", re.I)).first.click()

    box = page.get_by_role("combobox", name="Organization", exact=True)
    box.press_sequentially("acm")
    options = page.locator("#id_organization-options option")
    expect(options).to_have_count(2)
    assert options.evaluate_all("o => o.map(x => x.value)") == [
        "Acme Corp",
        "Acme Labs",
    ]
    expect(page).to_have_url(re.compile(r"/agent/tickets/$"))  # not the suggest URL
    shot(page, "suggestions")

    box.fill("Acme Corp")
    box.press("Enter")
    expect(page.locator(".ticket-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Acme printer")).to_be_visible()
    expect(page).to_have_url(re.compile(r"organization=Acme(\+|%20)Corp"))
    shot(page, "filtered")

    box.fill("Initech")
    box.press("Enter")
    expect(page.get_by_text("No organization is named “Initech”")).to_be_visible()
    expect(box).to_have_value("Initech")
    shot(page, "unknown-name")
    assert page.errors == []
