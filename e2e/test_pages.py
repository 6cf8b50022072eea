"""Every main page, on a desktop and on a phone: it loads, it has no script
errors, nothing spills sideways, and a screenshot records how it looks."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "helpdesk-demo"
AGENT_PAGES = [
    "/agent/",
    "/agent/tickets/",
    "TICKET",
    "/agent/tickets/new/",
    "/agent/canned/",
    "/accounts/profile/",
]
CUSTOMER_PAGES = ["/portal/", "/portal/tickets/", "TICKET", "/portal/tickets/new/"]
WIDTHS = {"desktop": 1366, "phone": 390}


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


@pytest.fixture
def demo():
    call_command("init_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize(
    ("email", "pages"),
    [
        ("agent@helpdesk.example", AGENT_PAGES),
        ("customer@acme.example", CUSTOMER_PAGES),
    ],
    ids=["agent", "customer"],
)
def test_main_pages_render_well(demo, new_page, shot, email, pages, width):
    page = new_page(width=WIDTHS[width], height=800)
    sign_in(page, email)
    ticket = (
        Ticket.objects.filter(requester__email=email).first()
        if "customer" in email
        else Ticket.objects.filter(department__slug="support", status="open").first()
    )
    for path in pages:
        url = (
            (ticket.get_agent_url() if "agent" in email else ticket.get_absolute_url())
            if path == "TICKET"
            else path
        )
        response = page.goto(url)
        assert response.status == 200, url
        expect(page.locator("h1").first).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth"
            " - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{url} is {overflow}px too wide at {width}"
        shot(page, f"{width}-{url.strip('/').replace('/', '-') or 'home'}")
    assert page.errors == []


def test_login_page(new_page, shot):
    page = new_page(width=390)
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "login-phone")
