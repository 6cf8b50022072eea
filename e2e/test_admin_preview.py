"""A customer's hostile message in the database, and an admin opening the
email-template preview: nothing runs in the admin (issue 10, hole 3).

The admin signs in as a real one does (password, then an authenticator
code), because the admin site needs a session that passed the second factor.
"""

import base64

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from notifications.models import EmailTemplate
from notifications.seed import seed_defaults
from tickets.tests.factories import MessageFactory, TicketFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.mfa]

HOSTILE = [
    "[x](<https://a/ onload=alert(document.domain)//>)",
    "[y](https://a/onload=alert(document.domain)//)",
    '[z](/a "t onload=alert(document.domain)//")',
    "<img src=x onerror=alert(document.domain)>",
    "Visible words from the customer",
]


def _sign_in_with_code(page, user, device):
    totp = pyotp.TOTP(base64.b32encode(bytes.fromhex(device.key)).decode())
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.locator("#id_code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_have_count(0)


def test_the_template_preview_runs_nothing_from_a_message(new_page, shot):
    admin = UserFactory(admin=True, full_name="Ada Admin", mfa_enabled=True)
    device = TOTPDevice.objects.create(user=admin, name="Phone", confirmed=True)
    ticket = TicketFactory(subject="Printer on fire")
    MessageFactory(ticket=ticket, body="\n\n".join(HOSTILE))
    seed_defaults()  # a transactional test may start from an emptied database
    template = EmailTemplate.objects.get(key="ticket_created_staff", language="en")

    page = new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _sign_in_with_code(page, admin, device)

    page.goto(f"/admin/notifications/emailtemplate/{template.pk}/change/")
    frame_element = page.locator("iframe").first
    expect(frame_element).to_be_visible()
    frame_element.scroll_into_view_if_needed()
    page.wait_for_timeout(500)  # give any injected handler time to fire
    assert dialogs == []
    assert frame_element.get_attribute("sandbox") == ""
    assert frame_element.get_attribute("onload") is None
    frame = frame_element.content_frame
    expect(frame.get_by_text("Visible words from the customer")).to_be_visible()
    expect(frame.get_by_text("Printer on fire")).to_have_count(0)  # not in body
    expect(frame.locator("blockquote a")).to_have_count(2)
    shot(page, "template-preview")
    assert dialogs == []
    assert page.errors == []
