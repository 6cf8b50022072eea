"""The whole life of a request, in two browsers: a customer's and an agent's."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from organizations.tests.factories import DepartmentFactory
from tickets.models import Message, Ticket
from tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER_PASSWORD = "a-long-and-unusual-passphrase"


def sign_in(page, email, password):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_customer_and_agent_work_a_ticket_from_open_to_reopen(new_page, shot, tmp_path):
    support = DepartmentFactory(name="Support")
    CategoryFactory(name="Bug report", default_department=support)
    agent = UserFactory(agent=True, full_name="Sam Agent", email="sam@helpdesk.example")
    support.agents.add(agent)
    screenshot = tmp_path / "error.txt"
    screenshot.write_text("Traceback: KeyError 'id' on save\n")

    # 1. A customer registers.
    customer = new_page()
    customer.goto("/accounts/register/")
    customer.locator("#id_full_name").fill("Casey Customer")
    customer.locator("#id_email").fill("casey@example.com")
    customer.locator("#id_password1").fill(CUSTOMER_PASSWORD)
    customer.locator("#id_password2").fill(CUSTOMER_PASSWORD)
    shot(customer, "customer-registers")
    customer.get_by_role("button", name="Create account").click()
    expect(customer.get_by_role("heading", name="Check your email")).to_be_visible()
    # ...and signs in through the confirmation link from the email.
    link = re.search(r"/accounts/confirm/\S+/", mail.outbox[-1].body)[0]
    customer.goto(link)
    customer.locator("#id_password").fill(CUSTOMER_PASSWORD)
    customer.get_by_role("button", name="Confirm and sign in").click()
    expect(customer.get_by_text("casey@example.com is confirmed")).to_be_visible()
    shot(customer, "customer-portal-home")

    # 2. ...and opens a ticket with an attachment.
    customer.get_by_role("link", name="Open a new request").click()
    customer.locator("#id_subject").fill("Saving a report fails")
    customer.locator("#id_category").select_option(label="Bug report")
    customer.locator("#id_body").fill("Every time I press **Save** I get an error.")
    customer.locator("#id_attachments").set_input_files(str(screenshot))
    shot(customer, "customer-new-request-form")
    customer.get_by_role("button", name="Send request").click()
    ticket = Ticket.objects.get()
    expect(
        customer.get_by_text(f"Your request {ticket.reference} is with our team")
    ).to_be_visible()
    expect(customer.get_by_role("link", name="error.txt")).to_be_visible()
    shot(customer, "customer-request-opened")

    # 3. The agent finds it under Unassigned and takes it.
    desk = new_page(width=1400)
    sign_in(desk, agent.email, TEST_PASSWORD)
    expect(desk).to_have_url(f"{desk.url.split('/agent/')[0]}/agent/")
    desk.goto("/agent/tickets/?view=unassigned")
    row_link = desk.get_by_role("link", name="Saving a report fails")
    expect(row_link).to_be_visible()
    shot(desk, "agent-unassigned-view")
    row_link.click()
    desk.get_by_role("button", name="Take it").click()
    expect(desk.get_by_role("button", name="Take it")).to_have_count(0)
    expect(desk.locator("#id_assignee")).to_have_value(str(agent.pk))
    shot(desk, "agent-took-ticket")

    # 4. ...replies, then adds an internal note.
    desk.locator("#id_body").fill("Thanks Casey, could you tell us which report?")
    desk.get_by_role("button", name="Send").click()
    expect(desk.get_by_text(f"Reply sent on {ticket.reference}.")).to_be_visible()
    desk.get_by_text("Internal note", exact=True).click()
    desk.locator("#id_body").fill("Looks like the KeyError from last week's deploy.")
    desk.get_by_role("button", name="Send").click()
    expect(
        desk.get_by_text(f"Internal note added on {ticket.reference}.")
    ).to_be_visible()
    expect(desk.locator(".message-internal")).to_contain_text("KeyError from last week")
    shot(desk, "agent-replied-and-noted")

    # 5. The customer sees the reply but not the note, and answers.
    customer.reload()
    expect(customer.get_by_text("could you tell us which report?")).to_be_visible()
    expect(customer.get_by_text("KeyError from last week")).to_have_count(0)
    expect(customer.get_by_text("Internal note")).to_have_count(0)
    shot(customer, "customer-sees-reply-not-note")
    customer.locator("#id_body").fill("The monthly sales report.")
    customer.get_by_role("button", name="Send reply").click()
    expect(customer.get_by_text("Your reply was sent.")).to_be_visible()
    shot(customer, "customer-replied")

    # 6. The agent solves it.
    desk.reload()
    expect(desk.get_by_text("The monthly sales report.")).to_be_visible()
    desk.locator("#id_status_change").select_option("solved")
    desk.get_by_role("button", name="Change").click()
    expect(desk.get_by_text(f"{ticket.reference} is now solved.")).to_be_visible()
    shot(desk, "agent-solved")

    # 7. The customer reopens it.
    customer.reload()
    customer.get_by_role("button", name="Reopen").click()
    expect(customer.get_by_text(f"{ticket.reference} is open again.")).to_be_visible()
    shot(customer, "customer-reopened")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.assignee == agent
    assert list(
        Message.objects.filter(ticket=ticket).values_list("internal", flat=True)
    ) == [
        False,
        False,
        True,
        False,
    ]
    assert customer.errors == [] and desk.errors == []
