"""Issue 12's portal guards in a real browser: a file the helpdesk would
refuse is caught in the browser before anything is sent, and only the
requester (not a colleague who sees a shared request) may change its status."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.helpers import sign_in
from organizations.tests.factories import DepartmentFactory, OrganizationFactory
from tickets.models import Attachment, Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "The invoice tool crashes when I export to PDF."


def posts_to(page, path: str) -> list:
    """Every POST the page sends to ``path`` from now on."""
    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url)
            if request.method == "POST" and request.url.endswith(path)
            else None
        ),
    )
    return sent


def file(name: str, data: bytes, mime: str = "application/octet-stream") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_a_refused_file_is_caught_before_the_request_is_sent(new_page, shot):
    customer = UserFactory(full_name="Casey Customer")
    page = new_page()
    sign_in(page, customer)
    page.goto("/portal/tickets/new/")
    expect(page.locator("#id_attachments_helptext")).to_contain_text(
        "Allowed types: .txt, .log, .csv, .pdf"
    )
    expect(page.locator("#id_attachments")).to_have_attribute(
        "accept",
        ".txt,.log,.csv,.pdf,.png,.jpg,.jpeg,.gif,.webp,.doc,.docx,.xls,"
        ".xlsx,.ppt,.pptx,.odt,.ods,.zip,.eml,.json,.xml,.html,.htm,.svg,.ics",
    )
    page.locator("#id_subject").fill("Export crashes")
    page.locator("#id_body").fill(BODY)
    sent = posts_to(page, "/portal/tickets/new/")

    # A program: named with the reason as soon as it is chosen...
    page.locator("#id_attachments").set_input_files(
        [file("notes.txt", b"steps", "text/plain"), file("crash-tool.exe", b"MZ")]
    )
    error = page.locator(".attachment-check")
    expect(error).to_be_visible()
    expect(error).to_contain_text(
        "crash-tool.exe cannot be attached: files of type .exe are not accepted."
    )
    expect(error).not_to_contain_text("notes.txt")
    expect(page.locator("#id_attachments")).to_have_class(re.compile(r"\bis-invalid\b"))
    shot(page, "exe-refused-inline")

    # ...and the form is not sent: no request, no ticket, the text still there.
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#id_attachments")).to_be_focused()
    assert sent == []
    assert not Ticket.objects.exists()
    expect(page.locator("#id_body")).to_have_value(BODY)
    shot(page, "exe-refused-after-submit")

    # Choosing acceptable files clears the error; then the request is sent.
    page.locator("#id_attachments").set_input_files(
        [file("notes.txt", b"steps", "text/plain")]
    )
    expect(error).to_have_count(0)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("is with our team")).to_be_visible()
    assert len(sent) == 1
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.requester) == ("Export crashes", customer)
    assert list(Attachment.objects.values_list("original_name", flat=True)) == [
        "notes.txt"
    ]
    shot(page, "request-sent-with-the-allowed-file")
    assert page.errors == []


def test_an_oversize_file_is_caught_in_the_reply_box(new_page, shot, settings):
    settings.ATTACHMENT_MAX_SIZE = 1024
    customer = UserFactory()
    ticket = TicketFactory(requester=customer, open=True)
    page = new_page()
    sign_in(page, customer)
    page.goto(ticket.get_absolute_url())
    sent = posts_to(page, "/reply/")
    page.locator("#id_body").fill("Here is the log.")

    page.locator("#id_attachments").set_input_files(
        [file("big.log", b"x" * 2048, "text/plain")]
    )
    expect(page.locator(".attachment-check")).to_contain_text(
        "big.log cannot be attached: it is 2.0\xa0KB, over the 1.0\xa0KB limit."
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#id_attachments")).to_be_focused()
    shot(page, "oversize-refused-in-reply")
    assert sent == []
    assert ticket.messages.count() == 0
    assert page.errors == []


def test_only_the_requester_sees_and_uses_the_status_buttons(new_page, shot):
    organization = OrganizationFactory(share_tickets=True, name="Acme")
    requester = UserFactory(organization=organization, full_name="Rita Requester")
    colleague = UserFactory(organization=organization, full_name="Cole Colleague")
    support = DepartmentFactory(name="Support")
    ticket = TicketFactory(
        requester=requester, department=support, open=True, subject="VPN drops"
    )

    # The colleague reads the shared request: no status buttons, a note why.
    page = new_page()
    sign_in(page, colleague)
    page.goto(ticket.get_absolute_url())
    expect(page.get_by_role("heading", name="VPN drops")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as solved")).to_have_count(0)
    expect(page.get_by_role("button", name="Reopen")).to_have_count(0)
    expect(page.get_by_text("Only Rita Requester or our team can mark")).to_be_visible()
    expect(page.get_by_role("button", name="Send reply")).to_be_visible()
    shot(page, "colleague-sees-no-status-buttons")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN

    # The requester does, and marking it solved works.
    page = new_page()
    sign_in(page, requester)
    page.goto(ticket.get_absolute_url())
    expect(page.get_by_text("Only Rita Requester")).to_have_count(0)
    solve = page.get_by_role("button", name="Mark as solved")
    expect(solve).to_be_visible()
    shot(page, "requester-sees-the-status-buttons")
    solve.click()
    expect(page.get_by_text("is marked solved")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SOLVED
    shot(page, "requester-marked-it-solved")


def test_a_request_in_the_portal_list_opens_its_page(new_page, shot):
    """The list's pages and filters swap in place; a request's own link opens
    its page (it once fetched the page into the list, which went blank)."""
    customer = UserFactory(full_name="Casey Customer")
    ticket = TicketFactory(requester=customer, subject="Export crashes")
    page = new_page()
    sign_in(page, customer)
    page.goto("/portal/tickets/")

    page.get_by_role("link", name="Export crashes").click()

    expect(page).to_have_url(re.compile(rf"/portal/tickets/{ticket.number}/$"))
    expect(page.get_by_role("heading", name="Export crashes")).to_be_visible()
    expect(page.locator("#id_body")).to_be_visible()
    shot(page, "request-opened-from-the-list")
    assert page.errors == []
