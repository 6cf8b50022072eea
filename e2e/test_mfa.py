"""An agent's first sign-in: sent to set up an authenticator, then back in
with a code. The test reads the secret off the page, as a person would type
it into an app, and computes codes with pyotp."""

import re
import time

import pyotp
import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.mfa]


def test_agent_enrols_and_signs_in_with_a_code(new_page, shot, settings):
    assert "agent" in settings.MFA_REQUIRED_ROLES
    agent = UserFactory(agent=True, full_name="Nia Agent")
    page = new_page()

    page.goto("/accounts/login/")
    page.locator("#id_username").fill(agent.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{page.url.split('/accounts/')[0]}/accounts/mfa/")
    expect(
        page.get_by_text("Your role must use two-factor authentication")
    ).to_be_visible()
    # First a code sent to the account's address: the password alone does
    # not bind a phone to the account.
    expect(page.locator("svg")).to_have_count(0)
    shot(page, "enrolment-email-step")
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_text("We sent a code to")).to_be_visible()
    emailed = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.locator("#id_code").fill(emailed)
    page.get_by_role("button", name="Continue").click()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr.locator("svg")).to_be_visible()
    shot(page, "enrolment-with-qr-code")

    # Nothing else opens until the authenticator is set up.
    page.goto("/agent/")
    expect(page).to_have_url(f"{page.url.split('/accounts/')[0]}/accounts/mfa/")

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.locator("#id_code").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    expect(page.locator("#backup-codes li")).to_have_count(10)
    shot(page, "backup-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_role("heading", name="Good to see you, Nia")).to_be_visible()

    page.get_by_role("button", name="Nia Agent").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have been signed out.")).to_be_visible()

    page.locator("#id_username").fill(agent.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    shot(page, "second-step")
    # The code enrolment used may not be replayed; the next one is accepted.
    page.locator("#id_code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Good to see you, Nia")).to_be_visible()
    shot(page, "signed-in-with-code")
    assert page.errors == []


def test_api_keys_need_a_second_factor(new_page, shot, settings):
    """Where nobody is made to enrol, an agent signed in with a password
    sees their keys but is sent to set up two-factor authentication to make
    one."""
    settings.MFA_REQUIRED_ROLES = []
    agent = UserFactory(agent=True, full_name="Kai Agent")
    page = new_page()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(agent.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/accounts/api-keys/")
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Create key")).to_have_count(0)
    link = page.get_by_role("link", name="Set up two-factor authentication")
    expect(link).to_be_visible()
    shot(page, "api-keys-need-a-second-factor")
    link.click()
    expect(page.get_by_role("button", name="Email me a code")).to_be_visible()
    assert page.errors == []
