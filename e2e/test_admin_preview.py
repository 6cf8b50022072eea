"""A customer's hostile message in the database, and an admin opening the
email-template preview: nothing runs in the admin (issue 10, hole 3).

The admin signs in as a real one does (password, then an authenticator
code), because the admin site needs a session that passed the second factor.
"""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.helpers import sign_in_with_code
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
    sign_in_with_code(page, admin, device)

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
