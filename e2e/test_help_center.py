"""The public help center in a browser, on a desktop and on a phone: the
home page, a category, an article (voting in place with htmx) and search.
Screenshots of each step land with the other browser tests'."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from helpdesk.demo.articles import demo_articles_add
from knowledge.models import Article

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"desktop": 1280, "phone": 390}


def _fits(page, width):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{page.url} is {overflow}px too wide at {width}"


def _watch_csp(page):
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    return refused


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_visitor_browses_reads_votes_and_searches(new_page, shot, width):
    demo_articles_add(author=None)
    page = new_page(width=WIDTHS[width], height=900)
    refused = _watch_csp(page)

    page.goto("/help/")
    expect(page.get_by_role("heading", name="How can we help?")).to_be_visible()
    expect(page.get_by_role("heading", name="Getting started")).to_be_visible()
    expect(page.get_by_text("Agent handbook")).to_have_count(0)
    expect(page.get_by_text("Billing and invoices")).to_have_count(0)
    _fits(page, width)
    shot(page, f"{width}-home")

    page.get_by_role("link", name="Account and security").first.click()
    expect(page.get_by_role("heading", name="Account and security")).to_be_visible()
    _fits(page, width)
    shot(page, f"{width}-category")

    page.get_by_role("link", name="How do I reset my password?").first.click()
    expect(
        page.get_by_role("heading", name="How do I reset my password?")
    ).to_be_visible()
    expect(page.get_by_text("531 views")).to_be_visible()
    vote_box = page.locator("#was-this-helpful")
    vote_box.get_by_role("button", name="Yes").click()
    expect(page.get_by_text("Thanks for your feedback.")).to_be_visible()
    expect(vote_box.get_by_role("button", name="Yes")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(vote_box.get_by_role("button", name="Yes")).to_contain_text("62")
    article = Article.objects.get(slug="how-do-i-reset-my-password")
    assert (article.helpful_count, article.not_helpful_count) == (62, 7)
    vote_box.get_by_role("button", name="No").click()  # a changed mind
    expect(vote_box.get_by_role("button", name="No")).to_contain_text("8")
    expect(vote_box.get_by_role("button", name="Yes")).to_contain_text("61")
    _fits(page, width)
    shot(page, f"{width}-article-voted")

    page.locator("#help-q").first.fill("password")
    page.locator("#help-q").first.press("Enter")
    expect(page.get_by_role("heading", name="Search the help center")).to_be_visible()
    expect(page.locator(".help-results li").first).to_be_visible()
    _fits(page, width)
    shot(page, f"{width}-search")

    page.goto("/help/search/?q=zzzzqqq")
    expect(page.get_by_role("heading", name="No articles found")).to_be_visible()
    shot(page, f"{width}-search-empty")
    assert page.errors == []
    assert refused == []


def test_a_customer_sees_customer_articles_and_never_agent_ones(new_page, shot):
    demo_articles_add(author=None)
    customer = UserFactory()
    page = new_page(width=1280)
    sign_in(page, customer)
    page.goto("/help/")
    expect(page.get_by_role("heading", name="Billing and invoices")).to_be_visible()
    expect(page.get_by_text("Agent handbook")).to_have_count(0)
    expect(page.get_by_role("link", name="Help center").first).to_be_visible()
    shot(page, "customer-home")
    page.goto("/help/a/handling-an-outage-report/")
    expect(page.get_by_text("Handling an outage report")).to_have_count(0)
    assert page.errors == []


@pytest.mark.parametrize("width", [1200, 1280])
@pytest.mark.parametrize("role", ["admin", "customer"])
def test_the_top_bar_fits_with_the_knowledge_links(new_page, shot, width, role):
    # A long name: the account button is the bar's widest item.
    name = "Maximiliane Alexandra Richardson-Okonkwo"
    admin = UserFactory(admin=True, full_name=name, email="a-long-address@acme.example")
    if role == "customer":
        admin = UserFactory(full_name=name)
    page = new_page(width=width, height=700)
    sign_in(page, admin)
    page.goto("/help/")
    _fits(page, width)
    nav = page.locator("nav.navbar").bounding_box()
    assert nav["height"] < 80, "the top bar wrapped onto two lines"
    if role == "customer":
        expect(page.get_by_role("link", name="Ask a question")).to_be_visible()
        shot(page, f"{role}-{width}")
        return
    page.get_by_role("button", name="account menu").click()
    expect(page.get_by_role("link", name="Knowledge report")).to_be_visible()
    expect(page.get_by_role("link", name="Help center")).to_be_visible()
    shot(page, f"{role}-{width}")
