"""Steps the browser tests share."""

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
