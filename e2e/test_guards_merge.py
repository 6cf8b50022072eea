"""Merging asks first, in a real browser: the confirmation shows both
tickets and warns that they come from different people; cancel changes
nothing; confirming as an internal note merges, and the merged ticket's
requester is told of the merge, not sent a "Closed" email."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.helpers import sign_in
from notifications.seed import seed_defaults
from organizations.tests.factories import DepartmentFactory, OrganizationFactory
from tickets.models import Ticket
from tickets.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def state(*tickets: Ticket) -> list[tuple]:
    rows = []
    for ticket in tickets:
        ticket.refresh_from_db()
        rows.append(
            (
                ticket.status,
                ticket.merged_into_id,
                ticket.messages.count(),
                ticket.events.count(),
            )
        )
    return rows


def test_merge_asks_first_and_tells_the_requester(new_page, shot):
    seed_defaults()  # a transactional test may start from an emptied database
    support = DepartmentFactory(name="Support")
    agent = UserFactory(agent=True, full_name="Sam Agent")
    support.agents.add(agent)
    alice = UserFactory(
        full_name="Alice Source",
        email="alice@acme.example",
        organization=OrganizationFactory(name="Acme"),
    )
    bob = UserFactory(
        full_name="Bob Target",
        email="bob@globex.example",
        organization=OrganizationFactory(name="Globex"),
    )
    source = TicketFactory(
        department=support, requester=alice, subject="Printer jams on tray 2"
    )
    MessageFactory(ticket=source, body="Tray 2 jams every morning.")
    target = TicketFactory(
        department=support, requester=bob, subject="Salary slip question", open=True
    )
    MessageFactory(ticket=target, body="Where is my slip?")
    before = state(source, target)

    page = new_page()
    sign_in(page, agent)
    page.goto(source.get_agent_url())
    page.get_by_label("Merge into ticket").fill(f"#{target.number}")
    page.get_by_role("button", name="Merge", exact=True).click()

    # The confirmation: both tickets, and the warning.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Merge {source.reference} into {target.reference}?"
    )
    source_card = page.locator('[data-merge-side="source"]')
    target_card = page.locator('[data-merge-side="target"]')
    for card, ticket, person, org in (
        (source_card, source, "Alice Source", "Acme"),
        (target_card, target, "Bob Target", "Globex"),
    ):
        expect(card).to_contain_text(ticket.reference)
        expect(card).to_contain_text(ticket.subject)
        expect(card).to_contain_text(person)
        expect(card).to_contain_text(org)
    expect(page.locator("#merge-warning")).to_contain_text(
        "not from the same requester or organization"
    )
    expect(page.get_by_label("Internal note (agents only)")).to_be_checked()
    shot(page, "confirm-differing-requesters")
    assert state(source, target) == before

    # Cancel: back to the ticket, nothing changed.
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(re.escape(source.get_agent_url()) + "$"))
    expect(page.get_by_label("Merge into ticket")).to_be_visible()
    assert state(source, target) == before
    assert mail.outbox == []

    # Again, and confirm as an internal note.
    page.get_by_label("Merge into ticket").fill(str(target.number))
    page.get_by_role("button", name="Merge", exact=True).click()
    page.get_by_label("Internal note (agents only)").check()
    page.get_by_role(
        "button", name=f"Merge {source.reference} into {target.reference}"
    ).click()
    expect(page.locator(".alert-success, .alert-info").first).to_contain_text(
        f"Merged {source.reference} into {target.reference}."
    )
    shot(page, "merged")

    source.refresh_from_db()
    assert (source.status, source.merged_into_id) == (Ticket.Status.CLOSED, target.pk)
    assert target.messages.get(body__startswith="Merged").internal
    to_alice = [m for m in mail.outbox if "alice@acme.example" in m.to]
    assert [m.subject for m in to_alice] == [
        f"[{source.reference}] Merged into {target.reference}: Printer jams on tray 2"
    ]
    assert not any("Closed" in m.subject for m in mail.outbox)
    assert "Salary slip" not in to_alice[0].body
    assert not [m for m in mail.outbox if "bob@globex.example" in m.to]
    assert page.errors == []
