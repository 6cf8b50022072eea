"""Every main page under the Content-Security-Policy, in a real browser.

The policy refuses inline script, event-handler attributes, inline styles and
evaluated strings; a page that still relied on one would work differently
under it. Each page is loaded and must produce no CSP violation at all: none
in the console, none as a ``securitypolicyviolation`` event (an init script,
which Playwright injects outside the page's policy, records them). The htmx
interactions (search in place, sidebar autosave, canned insert, presence
poll) must still work, and Swagger UI and the admin must still render.
"""

import base64
import re
import time

import pyotp
import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from e2e.conftest import SCREENSHOT_DIR
from notifications.models import EmailTemplate
from organizations.tests.factories import DepartmentFactory
from tickets.models import CannedResponse, TicketPresence
from tickets.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`
  );
}, true);
"""


class Watched:
    """A page with its CSP violations and policy errors collected."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._on_console)

    def _on_console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text:
            self.console.append(f"{text} ({message.location})")

    def violations(self) -> list[str]:
        recorded = self.page.evaluate("window.__cspViolations || []")
        return [*self.console, *recorded]

    def visit(self, shot, url: str, step: str, heading: str | None = None):
        response = self.page.goto(url)
        assert response.status == 200, url
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert "camera=()" in response.headers["permissions-policy"]
        if heading:
            expect(self.page.get_by_role("heading", name=heading).first).to_be_visible()
        self.page.wait_for_load_state("networkidle")
        shot(self.page, step)
        assert self.violations() == [], url


def sign_in(page, user, totp: pyotp.TOTP | None = None):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp is not None:
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        page.locator("#id_code").fill(totp.now())
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


def enrolled(user) -> pyotp.TOTP:
    """Give ``user`` a confirmed authenticator; return the app's code maker."""
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    user.mfa_enabled = True
    user.save(update_fields=["mfa_enabled"])
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


@pytest.fixture
def world():
    support = DepartmentFactory(name="Support")
    customer = UserFactory(full_name="Robin Hood", email="robin@customer.example")
    agent = UserFactory(agent=True, full_name="Sam Agent")
    support.agents.add(agent)
    ticket = TicketFactory(
        department=support, requester=customer, subject="Printer on fire", open=True
    )
    MessageFactory(
        ticket=ticket,
        author=customer,
        body="It **smokes**.\n\n- one\n- two\n\n[docs](https://example.com)",
    )
    TicketFactory(department=support, requester=customer, subject="Password expired")
    CannedResponse.objects.create(
        owner=agent, title="Restart", body="Hi {requester_name}, please restart."
    )
    return {"customer": customer, "agent": agent, "ticket": ticket}


def test_public_and_customer_pages_have_no_csp_violations(new_page, shot, world):
    watched = Watched(new_page())
    watched.visit(shot, "/accounts/login/", "login", "Sign in")
    watched.visit(shot, "/accounts/register/", "register")
    sign_in(watched.page, world["customer"])
    ticket = world["ticket"]
    watched.visit(shot, "/portal/", "portal-home")
    watched.visit(shot, "/portal/tickets/", "portal-list")
    watched.page.locator("#id_q").fill("printer")
    expect(watched.page.get_by_role("link", name="Printer on fire")).to_be_visible()
    expect(watched.page.get_by_role("link", name="Password expired")).to_have_count(0)
    assert watched.violations() == []
    watched.visit(shot, ticket.get_absolute_url(), "portal-ticket", "Printer on fire")
    expect(watched.page.locator(".message-body strong")).to_have_text("smokes")
    watched.visit(shot, "/portal/tickets/new/", "portal-new")
    watched.visit(shot, "/accounts/profile/", "profile")
    assert watched.page.errors == []


def test_agent_pages_and_htmx_work_without_csp_violations(
    new_page, shot, world, settings
):
    settings.PRESENCE_POLL_SECONDS = 1
    agent, ticket = world["agent"], world["ticket"]
    watched = Watched(new_page(width=1400))
    page = watched.page
    sign_in(page, agent)
    watched.visit(shot, "/agent/", "agent-home")
    watched.visit(shot, "/agent/tickets/", "agent-list")

    # Search in place (htmx GET with a pushed URL).
    page.locator("#id_q").fill("printer")
    expect(page.locator(".ticket-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]q=printer"))
    page.wait_for_load_state("networkidle")
    assert watched.violations() == [], "search in place"

    watched.visit(shot, ticket.get_agent_url(), "agent-ticket", "Printer on fire")
    # Sidebar autosave (htmx POST on change).
    page.locator("#id_priority").select_option("urgent")
    expect(page.locator(".timeline")).to_contain_text("to Urgent")
    # Canned insert (htmx POST of the reply form, no token in any URL).
    page.locator("#id_body").fill("Thanks for the report.")
    with page.expect_request(re.compile(r"/canned/")) as insert:
        page.get_by_role("button", name="Insert").click()
    assert insert.value.method == "POST"
    assert "csrfmiddlewaretoken" not in insert.value.url
    expect(page.locator("#id_body")).to_have_value(
        "Thanks for the report.\n\nHi Robin, please restart."
    )
    # The presence poll reports typing from static JS (was an evaluated hx-vals).
    deadline = time.monotonic() + 15
    while not TicketPresence.objects.filter(user=agent, typing=True).exists():
        assert time.monotonic() < deadline, "the poll never said typing=1"
        page.wait_for_timeout(300)
    shot(page, "agent-ticket-after-htmx")
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"

    watched.visit(shot, "/agent/tickets/new/", "agent-new")
    watched.visit(shot, "/agent/canned/", "canned")
    watched.visit(shot, "/accounts/profile/", "agent-profile")
    # Enrolment: the emailed-code step, then the QR code, both under the CSP.
    watched.visit(shot, "/accounts/mfa/", "mfa-email-step")
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_text("We sent a code to")).to_be_visible()
    emailed = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.locator("#id_code").fill(emailed)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    shot(page, "mfa-setup")
    assert watched.violations() == []
    assert page.errors == []


def test_admin_mfa_and_swagger_ui_have_no_csp_violations(new_page, shot, world):
    admin = UserFactory(admin=True, full_name="Ada Admin")
    totp = enrolled(admin)
    watched = Watched(new_page(width=1400))
    page = watched.page
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(admin.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    shot(page, "mfa-verify")
    assert watched.violations() == []
    page.locator("#id_code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)

    watched.visit(shot, "/admin/", "admin-index")
    ticket = world["ticket"]
    watched.visit(
        shot,
        reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        "admin-ticket-change",
    )
    # The admin's own scripts still run: the related-object lookup widgets
    # and the "Save" row are there, and the date shortcuts are added by JS.
    expect(page.locator("input[name=_save]")).to_be_visible()

    # A template like the shipped ones (the seeded rows do not survive the
    # flush between browser tests).
    template = EmailTemplate.objects.create(
        key="csp-preview",
        subject="[{{ ticket.reference }}] {{ ticket.subject }}",
        body_text="Hello {{ recipient.name }}, we got your request.",
        body_html="<p>Hello {{ recipient.name }},</p>"
        "<p style='color:#6c757d;font-size:12px'>Reply to this email.</p>",
    )
    watched.visit(
        shot,
        reverse("admin:notifications_emailtemplate_change", args=[template.pk]),
        "admin-email-template-preview",
    )
    # The sandboxed srcdoc preview inherits the page's policy; this page alone
    # lets inline styles apply, as they will in the recipient's mail client.
    preview = page.frame_locator("iframe.email-preview-frame")
    expect(preview.locator("body")).to_contain_text("Hello Sam Sample")
    styled = preview.get_by_text("Reply to this email.")
    assert styled.evaluate("e => getComputedStyle(e).color") == "rgb(108, 117, 125)"
    # Full-page screenshots leave sandboxed frames blank: shoot the frame too.
    frame = page.locator("iframe.email-preview-frame")
    frame.screenshot(path=str(shot(page, "admin-email-template").parent / "frame.png"))

    watched.visit(shot, "/api/v1/docs", "swagger-ui")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.get_by_role("button", name="Try it out").first).to_be_visible()
    shot(page, "swagger-ui-operation")
    assert watched.violations() == []
    assert page.errors == []


def test_redoc_renders_the_api_offline_without_csp_violations(
    new_page, live_server, request
):
    """ReDoc beside Swagger UI, from our own static files: the reference's
    sections render, search finds an operation, nothing is fetched from
    another origin, and no policy violation happens (the page relaxes only
    style-src and worker-src, see helpdesk/views.py)."""
    watched = Watched(new_page(width=1400))
    page = watched.page
    outside = []  # requests to another origin that went out (blocked ones fail)
    page.on(
        "requestfinished",
        lambda req: (
            outside.append(req.url)
            if not req.url.startswith((live_server.url, "data:", "blob:"))
            else None
        ),
    )
    folder = SCREENSHOT_DIR / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    response = page.goto("/api/v1/redoc")

    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    # ReDoc parses the whole schema (about 240 KB) before it draws anything.
    expect(page.get_by_role("heading", name=re.compile("Helpdesk API"))).to_be_visible(
        timeout=60_000
    )
    page.screenshot(path=str(folder / "01-redoc.png"))  # the viewport: ReDoc is long
    # "List tickets" sits in the collapsed "tickets" group until a search
    # lists it among the results.
    listed = page.get_by_role("menuitem", name="List tickets").filter(visible=True)
    expect(listed).to_have_count(0)
    page.get_by_placeholder("Search").press_sequentially("tickets", delay=50)
    expect(listed.first).to_be_visible(timeout=30_000)
    page.screenshot(path=str(folder / "02-redoc-search.png"))
    # ReDoc's footer always asks Redocly's CDN for its logo; the policy
    # blocks it, so the page stays offline. Nothing else may be refused.
    assert [
        v for v in watched.violations() if "cdn.redoc.ly/redoc/logo-mini.svg" not in v
    ] == []
    assert page.errors == []
    assert outside == []
