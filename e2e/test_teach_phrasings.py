"""An admin teaches an article the questions the chatbot could not answer,
from the knowledge-base report; the help center then finds the article for
a new wording of them, and never shows the phrasings (issue 14)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from knowledge.models import Article
from knowledge.services import article_create
from knowledge.tests.ticket_flow_support import chat

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_teaches_a_group_and_search_follows(new_page, shot, settings):
    settings.KNOWLEDGE_SEMANTIC_MODEL = "off"
    admin = UserFactory(admin=True, full_name="Ada Admin")
    mfa = article_create(
        title="Two-factor authentication troubleshooting",
        body="Check that your phone's clock is right, or use a recovery key.",
        status=Article.Status.PUBLISHED,
        actor=None,
    )
    password = article_create(
        title="How do I reset my password?",
        body="Choose Forgot password on the sign-in page; we email a link.",
        status=Article.Status.PUBLISHED,
        actor=None,
    )
    day = timezone.now() - timedelta(days=1)
    chat(("my login code stopped arriving", None), at=day)
    chat(("login code not arriving", password, False), at=day)
    chat(("login code not arriving", password, False), at=day)

    page = new_page()
    sign_in(page, admin)
    page.goto("/agent/knowledge/report/")
    expect(
        page.get_by_role("heading", name="Unanswered questions, grouped")
    ).to_be_visible()
    shot(page, "report")
    page.get_by_role("link", name="Teach…").first.click()
    expect(
        page.get_by_role("heading", name="Teach an article these questions")
    ).to_be_visible()
    expect(page.get_by_label("login code not arriving")).to_be_checked()
    page.get_by_label("Article that answers these questions").select_option(
        label=mfa.title
    )
    shot(page, "teach-form")
    page.get_by_role("button", name="Teach").click()
    expect(page.get_by_text("Added 2 phrasings to")).to_be_visible()
    shot(page, "taught")
    assert Article.objects.get(pk=mfa.pk).phrasing_list == [
        "login code not arriving",
        "my login code stopped arriving",
    ]

    visitor = new_page(390, 844)
    visitor.goto("/help/search/?q=the+login+code+is+not+arriving")
    results = visitor.locator("main")
    expect(results.get_by_role("link", name=mfa.title).first).to_be_visible()
    visitor.goto(mfa.get_absolute_url())
    expect(visitor.get_by_role("heading", name=mfa.title)).to_be_visible()
    expect(visitor.get_by_text("login code not arriving")).to_have_count(0)
    shot(visitor, "article-phone")
    phone = new_page(390, 844)
    sign_in(phone, admin)
    phone.goto(
        "/agent/knowledge/report/teach/?q=login+code+not+arriving&q=no+code+by+SMS"
    )
    shot(phone, "teach-form-phone")
    assert not page.errors and not visitor.errors and not phone.errors
