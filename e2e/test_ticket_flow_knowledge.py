"""The knowledge base in the ticket flow, in a real browser: suggestions under
the new-ticket subject, an agent inserting an article link into a reply, and
the admins' report. No CSP violation on any of these pages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.helpers import sign_in
from knowledge.models import Article, SuggestionOpen
from knowledge.tests.ticket_flow_support import Feedback, article, chat
from knowledge.tests.ticket_flow_support import suggestion_open as opened
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

Visibility = Article.Visibility

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} ${event.sourceFile}`);
}, true);
"""


def watch(page) -> list[str]:
    """Collect the page's CSP violations (console and events) as they come."""
    found: list[str] = []
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return found


def violations(page, console: list[str]) -> list[str]:
    return [*console, *page.evaluate("window.__cspViolations || []")]


def test_a_customer_sees_suggestions_as_they_type_the_subject(new_page, shot):
    customer = UserFactory(full_name="Casey Customer")
    public = article("Reset your password")
    article("Password rules for customers", visibility=Visibility.CUSTOMERS)
    article("Password vault for agents", visibility=Visibility.AGENTS)
    page = new_page()
    console = watch(page)
    sign_in(page, customer)
    page.goto("/portal/tickets/new/")

    page.locator("#id_subject").press_sequentially("password", delay=40)
    suggestions = page.locator("#ticket-suggestions")
    expect(suggestions).to_contain_text("Reset your password")
    expect(suggestions).to_contain_text("Password rules for customers")
    expect(suggestions).not_to_contain_text("agents")
    page.locator("#id_body").fill("I cannot sign in since this morning.")
    shot(page, "suggestions-under-the-subject")

    link = suggestions.get_by_role("link", name="Reset your password")
    with page.expect_popup() as popup:
        link.click()
    assert popup.value.url.endswith(public.get_absolute_url())
    recorded = SuggestionOpen.objects.get()
    assert (recorded.user_id, recorded.article_id) == (customer.pk, public.pk)
    assert recorded.query == "password"
    # The half-written request is still there in the first tab.
    expect(page.locator("#id_body")).to_have_value(
        "I cannot sign in since this morning."
    )

    page.locator("#id_subject").fill("")
    page.locator("#id_subject").press_sequentially("zebra", delay=40)
    expect(suggestions.get_by_role("link")).to_have_count(0)
    assert violations(page, console) == []

    phone = new_page(width=390, height=844)
    sign_in(phone, customer)
    phone.goto("/portal/tickets/new/")
    phone.locator("#id_subject").press_sequentially("password", delay=40)
    expect(phone.locator("#ticket-suggestions")).to_contain_text("Reset your password")
    shot(phone, "suggestions-on-a-phone")


def test_an_agent_inserts_an_article_link_into_the_reply(
    new_page, shot, agent, support, settings
):
    settings.SITE_URL = "https://help.example.com"
    article("Reset your password")
    article("Password vault for agents", visibility=Visibility.AGENTS)
    ticket = TicketFactory(department=support, subject="Cannot sign in")
    page = new_page()
    console = watch(page)
    sign_in(page, agent)
    page.goto(ticket.get_agent_url())

    page.locator("#id_body").fill("Hi, this should help: ")
    page.locator("#knowledge-q").press_sequentially("password", delay=40)
    results = page.locator("#knowledge-results")
    expect(results).to_contain_text("Reset your password")
    expect(results).to_contain_text("Agents only")
    shot(page, "article-search-results")

    results.get_by_role("button", name="Insert link to Reset your password").click()
    expect(page.locator("#id_body")).to_have_value(
        "Hi, this should help: "
        "[Reset your password](https://help.example.com/help/a/reset-your-password/)"
    )
    expect(page.locator("#id_body")).to_be_focused()
    shot(page, "link-inserted")
    assert violations(page, console) == []


def test_without_javascript_the_agent_search_shows_links_to_copy(
    browser, live_server, shot, agent
):
    article("Reset your password")
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    try:
        sign_in(page, agent)
        page.goto("/agent/knowledge/search/?q=password")
        expect(page.get_by_role("link", name="Reset your password")).to_be_visible()
        expect(page.get_by_role("button", name="Insert link")).to_be_hidden()
        expect(page.locator("body")).to_contain_text("/help/a/reset-your-password/")
        shot(page, "search-without-javascript")
    finally:
        context.close()


def test_the_admin_report(new_page, shot, settings):
    settings.KNOWLEDGE_DEFLECTION_WINDOW_MINUTES = 60
    admin = UserFactory(admin=True, full_name="Ada Admin")
    password = article("Reset your password")
    invoice = article("Find your invoice")
    now = timezone.now()
    day = now - timedelta(days=1)
    chat(("How do I reset my password?", password, True, Feedback.HELPFUL), at=day)
    chat(("reset password", password, True), at=day)
    chat(("Where is my invoice?", invoice, True, Feedback.NOT_HELPFUL), at=day)
    chat(("Can I pay by cheque?", None), at=day, handed_over=True)
    chat(("pay by cheque", invoice, False), at=day)
    chat(("Cheque payments accepted?", None), at=day)
    chat(("Do you ship to Canada?", None), at=day, handed_over=True)
    for n, customer in enumerate(UserFactory.create_batch(4)):
        opened(customer, password, at=day)
        if n == 0:
            TicketFactory(requester=customer, created_at=day + timedelta(minutes=5))

    page = new_page()
    console = watch(page)
    sign_in(page, admin)
    page.goto("/agent/knowledge/report/")
    expect(page.get_by_role("heading", name="Knowledge base report")).to_be_visible()
    expect(page.locator("#suggestions-heading + .row")).to_contain_text("75%")
    groups = page.locator(".report-groups tbody tr")
    expect(groups.first).to_contain_text("pay by cheque")
    shot(page, "report")

    page.get_by_role("link", name="Last 7 days").click()
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute(
        "aria-current", "page"
    )
    assert violations(page, console) == []

    phone = new_page(width=390, height=844)
    sign_in(phone, admin)
    phone.goto("/agent/knowledge/report/")
    shot(phone, "report-on-a-phone")


def test_the_report_empty_state(new_page, shot):
    admin = UserFactory(admin=True)
    page = new_page()
    sign_in(page, admin)
    page.goto("/agent/knowledge/report/")
    expect(page.locator("body")).to_contain_text(
        "No questions were put to the chatbot in this period."
    )
    shot(page, "report-empty")
