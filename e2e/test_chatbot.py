"""The chatbot in a browser: a customer asks, is not helped, talks to a
person, and the agent reads the transcript on the ticket; and a visitor on a
phone uses the launcher of a help-center page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from e2e.helpers import sign_in
from knowledge.models import Article, ChatQuestion
from knowledge.services import article_create
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
}, true);
"""


def publish(title, body, visibility=Article.Visibility.PUBLIC):
    return article_create(
        title=title,
        body=body,
        actor=None,
        status=Article.Status.PUBLISHED,
        visibility=visibility,
    )


@pytest.fixture
def articles(db):
    publish(
        "Reset your password",
        "Forgot your password? Open the sign-in page and choose **Forgot "
        "password**. We email you a link that works for one hour. Follow it "
        "and choose a new password.\n\nStill stuck? Talk to us.",
    )
    publish(
        "Reset your password on the mobile app",
        "In the app, open Profile, then Security. Tap Reset password.",
    )
    publish(
        "Reset your password: agents only",
        "Internal: how agents reset a customer's password.",
        visibility=Article.Visibility.AGENTS,
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_customer_is_not_helped_and_talks_to_a_person(
    new_page, shot, agent, articles, viewport
):
    customer = UserFactory(full_name="Casey Customer", email="casey@example.com")
    size = PHONE if viewport == "phone" else {"width": 1280, "height": 900}
    page = new_page(**size)
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, customer)

    # 1. The chat page, before a question.
    page.goto("/help/chat/")
    expect(page.get_by_role("heading", name="Ask our help bot")).to_be_visible()
    shot(page, f"{viewport}-chat-empty")

    # 2. A question: the best article with an excerpt and a link, one other
    #    suggestion, never the agents-only article.
    page.get_by_role("textbox", name="Your question").fill("reset your password")
    page.get_by_role("button", name="Send").click()
    log = page.get_by_role("log")
    expect(
        log.get_by_role("link", name="Reset your password", exact=True)
    ).to_be_visible()
    expect(log).to_contain_text("We email you a link that works for one hour.")
    expect(log).to_contain_text("Did that answer your question?")
    expect(log).not_to_contain_text("agents only")
    expect(page.get_by_role("textbox", name="Your question")).to_be_focused()
    shot(page, f"{viewport}-chat-answer")

    # 3. It did not help.
    page.get_by_role("button", name="No", exact=True).click()
    expect(log).to_contain_text("No, that didn't help")
    expect(page.get_by_role("button", name="Yes, thanks")).to_have_count(0)
    assert ChatQuestion.objects.get().feedback == "not_helpful"
    shot(page, f"{viewport}-chat-not-helpful")

    # 4. Talk to a person: a ticket with the transcript.
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.get_by_role("status")).to_contain_text("Your chat is with our team")
    ticket = Ticket.objects.get()
    expect(page.get_by_role("link", name=ticket.reference)).to_be_visible()
    expect(page.get_by_role("button", name="Talk to a person")).to_have_count(0)
    shot(page, f"{viewport}-chat-handed-over")
    assert ticket.channel == Ticket.Channel.CHAT
    assert ticket.requester == customer
    assert not page.errors
    assert page.evaluate("window.__cspViolations") == []

    # 5. The agent sees the ticket, its first message the transcript.
    if viewport == "phone":
        return
    desk = new_page(width=1400)
    sign_in(desk, agent)
    desk.goto(ticket.get_agent_url())
    expect(desk.get_by_text("reset your password").first).to_be_visible()
    first = desk.locator(".message-body").first
    expect(first).to_contain_text("Chat with the help bot")
    expect(first).to_contain_text("Casey Customer")
    expect(first).to_contain_text("This article should answer it: Reset your password")
    expect(first).to_contain_text("No, that didn't help")
    expect(first.get_by_role("link", name="Reset your password").first).to_be_visible()
    shot(desk, "agent-sees-the-transcript")


def test_a_visitor_on_a_phone_uses_the_launcher(new_page, shot, live_server, articles):
    """The launcher as the help center's layout includes it, on a stand-in
    page (the help center's own pages are built elsewhere)."""
    request = RequestFactory().get("/help/")
    request.user = AnonymousUser()
    html = Template(
        '{% extends "base.html" %}{% block content %}<h1>Help center</h1>'
        "<p>Browse the articles, or ask the bot.</p>"
        '{% include "knowledge/_chat_launcher.html" %}{% endblock %}'
    ).render(RequestContext(request, {}))
    page = new_page(**PHONE)
    page.route(
        "**/help/launcher-host/",
        lambda route: route.fulfill(body=html, content_type="text/html"),
    )
    page.goto("/help/launcher-host/")
    launcher = page.get_by_role("button", name="Ask a question")
    expect(launcher).to_be_visible()
    shot(page, "phone-launcher-closed")

    launcher.click()
    dialog = page.locator("#chat-popup")
    expect(dialog).to_be_visible()
    dialog.get_by_role("textbox", name="Your question").fill("reset your password")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_role("log")).to_contain_text("Did that answer your question?")
    expect(dialog.get_by_role("log")).not_to_contain_text("agents only")
    shot(page, "phone-launcher-answer")

    dialog.get_by_text("Talk to a person", exact=True).click()
    expect(dialog.get_by_label("Your email address", exact=False)).to_be_visible()
    shot(page, "phone-launcher-handover-email")
    assert not page.errors


def test_a_visitor_hands_over_and_the_address_owner_reads_before_sending(
    new_page, shot, articles
):
    """The link mailed to the address shows the chat as it was when mailed
    (not what the visitor typed afterwards) before its owner sends it."""
    import re

    from django.core import mail

    visitor = new_page()
    visitor.goto("/help/chat/")
    visitor.get_by_role("textbox", name="Your question").fill("reset your password")
    visitor.get_by_role("button", name="Send").click()
    log = visitor.get_by_role("log")
    expect(log).to_contain_text("Did that answer your question?")
    visitor.get_by_text("Talk to a person", exact=True).click()
    visitor.get_by_label("Your email address", exact=False).fill("owner@example.com")
    visitor.get_by_role("button", name="Send me the link").click()
    expect(log).to_contain_text("was sent to owner@example.com")
    visitor.get_by_role("textbox", name="Your question").fill("a later question")
    visitor.get_by_role("button", name="Send").click()
    expect(log).to_contain_text("a later question")

    path = re.search(r"(/help/chat/handover/[^/\s]+/)", mail.outbox[-1].body)[1]
    owner = new_page()
    owner.goto(path)
    shown = owner.get_by_role("list", name="The chat that will be sent")
    expect(shown).to_contain_text("reset your password")
    expect(shown).not_to_contain_text("a later question")
    shot(owner, "confirm-page-shows-the-chat")

    owner.get_by_role("button", name="Send this chat to the team").click()
    expect(
        owner.get_by_role("heading", name="Your chat is with our team")
    ).to_be_visible()
    shot(owner, "confirm-page-sent")
    body = Ticket.objects.get().messages.get().body
    assert "reset your password" in body and "a later question" not in body
    assert not owner.errors and not visitor.errors
