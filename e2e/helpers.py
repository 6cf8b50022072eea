"""Steps the browser tests share."""

import base64

import pyotp
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD


def sign_in(page, user) -> None:
    """Sign ``user`` in through the login form (password only: the browser
    tests switch two-factor sign-in off unless marked ``mfa``) and wait until
    the form has gone."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)


def sign_in_with_code(page, user, device) -> None:
    """Sign ``user`` in as a real person does: password, then a code from
    the authenticator ``device`` (a confirmed TOTP device)."""
    totp = pyotp.TOTP(base64.b32encode(bytes.fromhex(device.key)).decode())
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.locator("#id_code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_have_count(0)
