"""The suspended-mail queue in a real browser: review, reject (after asking),
accept, and the "Sender not verified" badge on the ticket (issue 10)."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.helpers import sign_in
from integrations.models import InboundEmail
from integrations.services import inbound_receive
from integrations.tests.corpus import stamped, text
from organizations.tests.factories import DepartmentFactory
from tickets import services

pytestmark = pytest.mark.django_db(transaction=True)

MX = "mx.helpdesk.example"


def forged(ticket, body: str, number: int) -> bytes:
    return stamped(
        text(
            "alice@acme.example",
            f"Re: [#{ticket.number}] Printer",
            body,
            message_id=f"<forged-{number}@evil.example>",
        ),
        f"{MX}; dmarc=fail (p=reject dis=none) header.from=acme.example;"
        " spf=pass smtp.mailfrom=evil.example",
    )


def test_an_agent_reviews_suspended_mail(new_page, shot, settings):
    settings.INBOUND_TRUSTED_AUTHSERV_IDS = [MX]
    support = DepartmentFactory(name="Support")
    agent = UserFactory(agent=True, full_name="Sam Agent")
    support.agents.add(agent)
    alice = UserFactory(email="alice@acme.example", full_name="Alice Acme")
    ticket = services.ticket_create(
        requester=alice, subject="Printer", body="It jams.", department=support
    )
    page = new_page()
    sign_in(page, agent)

    page.get_by_role("link", name="Suspended mail").click()
    expect(page.get_by_role("heading", name="No suspended mail")).to_be_visible()
    shot(page, "empty-queue")

    for number, body in enumerate(
        ["Please wire the refund to IBAN XX00 1234.", "Actually I did write this."]
    ):
        inbound_receive(
            raw=forged(ticket, body, number), source=InboundEmail.Source.PIPE
        )
    page.reload()
    expect(page.locator("tbody tr")).to_have_count(2)
    shot(page, "queue")

    page.get_by_role("link", name="Review").first.click()
    expect(page.locator(".badge", has_text="Sender not verified")).to_be_visible()
    shot(page, "detail")
    page.get_by_role("link", name="Reject…").click()
    expect(page.get_by_role("heading", name="Reject this mail?")).to_be_visible()
    shot(page, "reject-confirmation")
    page.get_by_role("button", name="Reject the mail").click()
    expect(
        page.get_by_text("Rejected the mail from alice@acme.example")
    ).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)

    page.get_by_role("link", name="Review").first.click()
    page.get_by_role("button", name="Accept").click()
    expect(
        page.get_by_text(f"Accepted: Reply added to {ticket.reference}")
    ).to_be_visible()
    badge = page.locator(".message .badge", has_text="Sender not verified")
    expect(badge).to_have_count(1)
    expect(page.get_by_text("For agents:")).to_be_visible()
    shot(page, "ticket-with-badge")
    assert page.errors == []

    page.goto("/agent/suspended-mail/?show=rejected")
    expect(page.locator("tbody tr")).to_have_count(1)
    shot(page, "rejected")
