"""Guards in the workspace (issue 12), in a real browser: a bulk change that
emails customers is confirmed first, agents cannot close, and a sidebar
change that routes a ticket away from its agent is asked about."""

import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.helpers import sign_in
from notifications.seed import seed_defaults
from organizations.tests.factories import DepartmentFactory, TeamFactory
from tickets.models import Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

Status = Ticket.Status


def wait_for_mail(count: int, deadline_seconds: float = 20.0) -> list:
    """The live server sends after commit, in its own thread: poll."""
    deadline = time.monotonic() + deadline_seconds
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return list(mail.outbox)


@pytest.fixture(autouse=True)
def _default_rules(db):
    """The shipped automation rules (solved and closed email the requester);
    a transactional test run earlier may have emptied the seeded rows."""
    seed_defaults()


@pytest.fixture
def admin(support):
    user = UserFactory(admin=True, full_name="Ada Admin")
    support.agents.add(user)
    return user


def select_and_set_status(page, tickets, status: str) -> None:
    for ticket in tickets:
        page.get_by_label(f"Select {ticket.reference}").check()
    page.locator("#bulk-action").select_option("status")
    page.locator("#bulk-status").select_option(status)
    page.get_by_role("button", name="Apply to selected").click()


def test_a_bulk_solve_asks_before_emailing_customers(new_page, shot, agent, support):
    customers = [UserFactory() for _ in range(6)]
    tickets = [
        TicketFactory(
            department=support,
            requester=customers[i % 6],
            subject=f"Question {i}",
            status=Status.NEW if i % 2 else Status.OPEN,
        )
        for i in range(8)
    ]
    before = {t.pk: t.status for t in tickets}
    mail.outbox.clear()
    page = new_page(width=1400)
    sign_in(page, agent)
    page.goto("/agent/tickets/?view=all")

    select_and_set_status(page, tickets, "solved")
    summary = page.locator("#bulk-confirm-summary")
    expect(summary).to_contain_text("This will email 6 customers about 8 tickets.")
    expect(page.get_by_role("columnheader", name="Status now")).to_be_visible()
    shot(page, "bulk-solve-confirmation")

    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("button", name="Apply to selected")).to_be_visible()
    assert {t.pk: t.status for t in Ticket.objects.all()} == before
    assert wait_for_mail(1, deadline_seconds=1.0) == []

    select_and_set_status(page, tickets, "solved")
    page.get_by_role("button", name="Confirm: email 6 customers").click()
    expect(page.get_by_text("Changed 8 of 8 selected")).to_contain_text(
        "Status now Solved."
    )
    shot(page, "bulk-solve-done")
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.SOLVED}
    sent = wait_for_mail(16)  # the solved notice and the survey, each
    requesters = sorted(t.requester.email for t in tickets)
    surveys = [m.to[0] for m in sent if "How did we do?" in m.subject]
    notices = [m.to[0] for m in sent if "How did we do?" not in m.subject]
    assert sorted(notices) == requesters
    assert sorted(surveys) == requesters


def test_agents_are_not_offered_closed_admins_are(
    new_page, shot, agent, admin, support
):
    ticket = TicketFactory(department=support, status=Status.OPEN)
    page = new_page(width=1400)
    sign_in(page, agent)
    page.goto("/agent/tickets/")
    expect(page.locator("#bulk-status option[value=solved]")).to_have_count(1)
    expect(page.locator("#bulk-status option[value=closed]")).to_have_count(0)
    page.goto(ticket.get_agent_url())
    expect(page.locator("#id_status_change option[value=solved]")).to_have_count(1)
    expect(page.locator("#id_status_change option[value=closed]")).to_have_count(0)
    expect(page.locator("#status-close-hint")).to_contain_text(
        "Solved tickets close by themselves"
    )
    shot(page, "agent-statuses")

    page = new_page(width=1400)
    sign_in(page, admin)
    page.goto("/agent/tickets/")
    expect(page.locator("#bulk-status option[value=closed]")).to_have_count(1)
    page.goto(ticket.get_agent_url())
    expect(page.locator("#id_status_change option[value=closed]")).to_have_count(1)
    shot(page, "admin-statuses")


def test_an_admins_bulk_close_is_confirmed(new_page, shot, admin, support):
    tickets = [
        TicketFactory(department=support, status=Status.OPEN, subject=f"Done {i}")
        for i in range(3)
    ]
    mail.outbox.clear()
    page = new_page(width=1400)
    sign_in(page, admin)
    page.goto("/agent/tickets/?view=all")

    select_and_set_status(page, tickets, "closed")
    expect(page.locator("#bulk-confirm-summary")).to_contain_text(
        "This will email 3 customers about 3 tickets."
    )
    shot(page, "bulk-close-confirmation")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("button", name="Apply to selected")).to_be_visible()
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.OPEN}

    select_and_set_status(page, tickets, "closed")
    page.get_by_role("button", name="Confirm: email 3 customers").click()
    expect(page.get_by_text("Changed 3 of 3 selected")).to_be_visible()
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.CLOSED}
    assert len(wait_for_mail(3)) == 3


def test_routing_a_ticket_away_asks_first_and_says_where_it_went(
    new_page, shot, agent, support
):
    billing = DepartmentFactory(name="Billing")
    TeamFactory(department=billing, name="Refunds")
    ticket = TicketFactory(department=support, status=Status.OPEN)
    page = new_page(width=1400)
    sign_in(page, agent)
    page.goto(ticket.get_agent_url())

    page.locator("#id_department").select_option(label="Billing")
    confirm = page.locator("#route-confirm")
    expect(confirm).to_contain_text("You will no longer see this ticket")
    expect(confirm).to_contain_text("Billing")
    # The question takes the keyboard focus, so a keyboard or screen reader
    # user who changed the department hears it and tabs on to its buttons.
    expect(confirm.get_by_role("heading")).to_be_focused()
    page.keyboard.press("Tab")
    expect(confirm.get_by_role("button", name="Move it to Billing")).to_be_focused()
    shot(page, "route-away-confirmation")

    page.get_by_role("link", name="Cancel, keep it here").click()
    expect(page.locator("#id_department")).to_have_value(str(support.pk))
    ticket.refresh_from_db()
    assert ticket.department == support
    assert not ticket.events.filter(kind="department").exists()

    page.locator("#id_team").select_option(label="Billing / Refunds")
    page.get_by_role("button", name="Move it to Billing / Refunds").click()
    expect(
        page.get_by_text(
            f"{ticket.reference} moved to Billing / Refunds; it is no longer in "
            "your queues."
        )
    ).to_be_visible()
    shot(page, "route-away-done")
    ticket.refresh_from_db()
    assert (ticket.department.name, ticket.team.name) == ("Billing", "Refunds")
    assert page.url.endswith("/agent/tickets/")
