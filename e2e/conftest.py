"""Browser tests: Playwright driving Debian's Chromium against a live server.

Skipped, with the reason in the test summary, where Chromium is not
installed; `.ci/run` installs it so CI always runs them. Screenshots land in
E2E_SCREENSHOT_DIR (default: screenshots/ in the project folder).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
SCREENSHOT_DIR = Path(
    os.environ.get("E2E_SCREENSHOT_DIR") or settings.BASE_DIR / "screenshots"
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


REQUIRED = bool(os.environ.get("HELPDESK_REQUIRE_SERVICES"))


def pytest_collection_modifyitems(config, items):
    if CHROMIUM or REQUIRED:
        return
    skip = pytest.mark.skip(
        reason="Chromium is not installed (apt-get install chromium); "
        "the browser tests need it"
    )
    for item in items:
        if "e2e" in item.nodeid.split("/")[0]:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _second_factor(request, settings):
    """Agents sign in with a password only here, unless the test is about
    two-factor authentication (marked ``mfa``): the other browser tests are
    about tickets, and the live server shares these settings."""
    if request.node.get_closest_marker("mfa") is None:
        settings.MFA_REQUIRED_ROLES = []


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; the Django ORM
    # calls the tests make between browser steps are still synchronous.
    if not CHROMIUM:
        pytest.fail("Chromium is not installed, but HELPDESK_REQUIRE_SERVICES is set")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
            )
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser window (own cookies) at the live server."""
    contexts = []

    def _new_page(width: int = 1280, height: int = 900):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    """Save a full-page screenshot named after the test and the step."""
    folder = SCREENSHOT_DIR / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def _shot(page, step: str) -> Path:
        path = folder / f"{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def support():
    """The Support department (a test file may define its own)."""
    return DepartmentFactory(name="Support")


@pytest.fixture
def agent(support):
    """Sam Agent, an agent in Support."""
    user = UserFactory(agent=True, full_name="Sam Agent")
    support.agents.add(user)
    return user


@pytest.fixture
def admin_page(new_page):
    """A page signed in as Ada Admin, second factor passed (the admin site
    needs it); ``page.admin`` is the user."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from e2e.helpers import sign_in_with_code

    admin = UserFactory(admin=True, full_name="Ada Admin", mfa_enabled=True)
    device = TOTPDevice.objects.create(user=admin, name="Phone", confirmed=True)
    page = new_page()
    sign_in_with_code(page, admin, device)
    page.admin = admin
    return page
