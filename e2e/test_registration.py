"""Signing up in a browser: nobody is signed in until the link from the
email is used; the confirmation page takes the chosen password or a new one."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-and-unusual-passphrase"


def test_sign_up_confirm_and_sign_in(new_page, shot, settings, live_server):
    settings.SITE_URL = live_server.url
    page = new_page(width=390)
    page.goto("/accounts/register/")
    page.locator("#id_full_name").fill("Nora New")
    page.locator("#id_email").fill("nora@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    shot(page, "check-your-email")

    page.goto("/accounts/login/")
    page.locator("#id_username").fill("nora@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Confirm your email address first")).to_be_visible()
    expect(
        page.get_by_role("button", name="Send a new confirmation link")
    ).to_be_visible()
    shot(page, "login-awaiting-confirmation")

    link = re.search(r"https?://\S+/accounts/confirm/\S+/", mail.outbox[0].body)[0]
    page.goto(link)
    expect(page.get_by_role("heading", name="Confirm nora@example.com")).to_be_visible()
    shot(page, "confirm-page")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_text("Thanks, nora@example.com is confirmed.")).to_be_visible()
    shot(page, "confirmed-and-signed-in")
    assert User.objects.get(email="nora@example.com").email_verified
    assert page.errors == []
