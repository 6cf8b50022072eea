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
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
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


@pytest.mark.mfa
def test_an_admin_writes_an_article_with_a_preview_and_imports_a_faq(
    new_page, shot, tmp_path
):
    import base64
    import json

    import pyotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.tests.factories import TEST_PASSWORD

    admin = UserFactory(admin=True, full_name="Ada Admin", mfa_enabled=True)
    device = TOTPDevice.objects.create(user=admin, name="Phone", confirmed=True)
    page = new_page(width=1280)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    totp = pyotp.TOTP(base64.b32encode(bytes.fromhex(device.key)).decode())
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(admin.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#id_code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_have_count(0)

    page.goto("/admin/knowledge/article/add/")
    page.locator("#id_title").fill("How do I close my account?")
    page.locator("#id_body").fill(
        "Write to us from **Profile**.\n\n- We keep invoices for 10 years\n"
        "- Everything else goes within 30 days\n\n<img src=x onerror=alert(1)>"
    )
    page.get_by_role("button", name="Save and continue editing").click()
    frame_element = page.locator("iframe.article-preview-frame")
    expect(frame_element).to_be_visible()
    frame_element.scroll_into_view_if_needed()
    frame = frame_element.content_frame
    expect(frame.get_by_text("We keep invoices for 10 years")).to_be_visible()
    expect(frame.locator("strong")).to_have_text("Profile")
    page.wait_for_timeout(300)
    shot(page, "admin-article-preview")
    assert dialogs == []

    faq = tmp_path / "faq.json"
    faq.write_text(
        json.dumps(
            [
                {"question": "Do you offer a free trial?", "answer": "Yes, 14 days."},
                {
                    "question": "Where are you based?",
                    "answer": "Berlin.",
                    "category": "About us",
                },
            ]
        )
    )
    page.goto("/admin/knowledge/article/")
    page.get_by_role("link", name="Import FAQ").click()
    page.locator("#id_file").set_input_files(str(faq))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("2 created, 0 updated, 0 unchanged")).to_be_visible()
    expect(page.get_by_role("link", name="Do you offer a free trial?")).to_be_visible()
    shot(page, "admin-article-list")
    assert page.errors == []


def test_an_agent_writes_an_article_with_a_live_preview(new_page, shot):
    demo_articles_add(author=None)
    agent = UserFactory(agent=True)
    page = new_page(width=1280)
    refused = _watch_csp(page)
    sign_in(page, agent)
    page.goto("/agent/knowledge/articles/")
    expect(page.get_by_role("link", name="Handling an outage report")).to_be_visible()
    shot(page, "editor-list")
    page.get_by_role("link", name="New article").first.click()
    page.locator("#id_title").fill("How do I add a colleague?")
    page.locator("#id_body").press_sequentially(
        "Open **Team** and press *Invite*.", delay=5
    )
    preview = page.locator("#article-preview")
    expect(preview.locator("strong")).to_have_text("Team")
    page.locator("#id_status").select_option("published")
    shot(page, "editor-live-preview")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Saved “How do I add a colleague?” (published).")
    ).to_be_visible()
    page.get_by_role("link", name="View in the help center").click()
    expect(
        page.get_by_role("heading", name="How do I add a colleague?")
    ).to_be_visible()
    assert page.errors == []
    assert refused == []
