"""ATTACK (review of issue 14): correctness faults a helpdesk team would
notice: FAQ round trips that duplicate or overwrite articles, a FAQ file that
crashes the importer, and deflection figures that count wrongly.

Every test here FAILS on the reviewed branch (the NUL import one: on
PostgreSQL): each one is a fault, not a regression guard. Do not "fix" a test
to make it pass; fix the product.
"""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from knowledge.models import Article, ChatConversation
from knowledge.report_selectors import (
    ReportPeriod,
    chatbot_figures,
    suggestion_figures,
)
from knowledge.services.articles import article_update
from knowledge.services.faq_io import (
    FaqError,
    faq_dump,
    faq_export_entries,
    faq_import,
    faq_parse,
)

from .help_center_data import Visibility, article, category

pytestmark = pytest.mark.django_db


def _import(rows: list[dict]):
    return faq_import(entries=faq_parse(json.dumps(rows), fmt="json"), actor=None)


# --- FAQ import and export ----------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_attack_export_then_import_after_a_title_fix_changes_nothing(fmt):
    """An editor fixes a typo in an imported question; exporting and
    importing that export creates a second, duplicate article (the import
    key is the old title's digest, and titles are only matched for articles
    that were never imported)."""
    _import([{"question": "How do I reset my pasword?", "answer": "Use *Forgot*."}])
    article_update(
        article=Article.objects.get(), actor=None, title="How do I reset my password?"
    )

    exported = faq_dump(faq_export_entries(), fmt=fmt)
    result = faq_import(entries=faq_parse(exported, fmt=fmt), actor=None)

    assert Article.objects.count() == 1
    assert result.created == 0


def test_attack_export_then_import_with_two_articles_of_one_title():
    """Two public articles may share a title (one per category); the export
    holds both, and importing that export is refused whole ("asks the same
    question as entry 1")."""
    article("How do I cancel?", category=category("Billing", position=0))
    article(
        "How do I cancel?",
        body="Subscriptions end at the period's close.",
        category=category("Subscriptions", position=1),
    )

    exported = faq_dump(faq_export_entries(), fmt="csv")

    result = faq_import(entries=faq_parse(exported, fmt="csv"), actor=None)
    assert result.created == 0
    assert Article.objects.count() == 2


@pytest.mark.parametrize(
    "visibility,status",
    [(Visibility.AGENTS, "published"), (Visibility.PUBLIC, "draft")],
)
def test_attack_importing_a_public_faq_does_not_overwrite_other_articles(
    visibility, status
):
    """An agents-only runbook (or a draft) titled like a FAQ question has its
    body silently replaced by the public answer ("1 updated"), and the FAQ
    entry never becomes a public article: data lost, FAQ missing."""
    runbook = article(
        "How do I reset a password?",
        body="Internal: use the admin console with the support key.",
        visibility=visibility,
        status=status,
    )

    _import([{"question": "How do I reset a password?", "answer": "Use *Forgot*."}])

    runbook.refresh_from_db()
    assert runbook.body == "Internal: use the admin console with the support key."
    assert Article.objects.filter(
        status="published", visibility="public", body="Use *Forgot*."
    ).exists()


def test_attack_a_deeply_nested_json_faq_is_refused_as_a_faq_error():
    """[[[[...]]]] 100,000 deep raises RecursionError out of faq_parse: a 500
    in the admin's import page and a traceback from import_faq."""
    with pytest.raises(FaqError):
        faq_parse("[" * 100_000 + "]" * 100_000, fmt="json")


def test_attack_a_faq_with_a_nul_is_refused_as_a_faq_error():
    """A NUL in a question passes faq_parse; on PostgreSQL the import then
    fails with DataError (a 500 in the admin) instead of naming the row."""
    with pytest.raises(FaqError):
        faq_parse(json.dumps([{"question": "a\x00b", "answer": "c"}]), fmt="json")


# --- Deflection arithmetic ------------------------------------------------------


def test_attack_a_visitor_who_asked_for_a_person_is_not_a_chatbot_deflection(
    settings, django_capture_on_commit_callbacks
):
    """ "Deflected: a confident answer not marked not helpful and nobody asked
    for a person." An anonymous visitor who asked for a person (the
    confirmation link was mailed) but has not clicked it yet is counted as
    deflected, and not as handed over."""
    settings.KNOWLEDGE_CHAT_ANONYMOUS = True
    article("Track your order", body="Track your order in the portal. Open Orders.")
    visitor = Client()
    visitor.post(reverse("knowledge:chat_ask"), {"question": "track your order"})
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(reverse("knowledge:chat_handover"), {"email": "v@example.com"})
    assert ChatConversation.objects.get().visitor_email == "v@example.com"

    figures = chatbot_figures(ReportPeriod.last_days(7))

    assert figures.deflected_conversations == 0


def test_attack_opening_one_suggestion_three_times_is_one_deflection(customer):
    """Each GET of the tracking link is an open, so one customer opening the
    same suggested article three times (and filing nothing) is three
    deflected tickets."""
    target = article("Pay an invoice")
    client = Client()
    client.force_login(customer)
    for _ in range(3):
        client.get(reverse("knowledge:suggestion_open", args=[target.pk]))

    later = timezone.now() + timedelta(days=1)
    figures = suggestion_figures(ReportPeriod.last_days(7), now=later)

    assert figures.deflected == 1


# --- The admins' report ---------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/agent/knowledge/report/", "/agent/knowledge/report/unanswered.csv"]
)
def test_attack_a_custom_period_ending_on_the_last_date_is_not_a_500(
    admin_user, login, path
):
    """end=9999-12-31 passes the form; ReportPeriod.between adds a day to it
    (OverflowError): a 500 instead of a form error."""
    client = login(admin_user)
    client.raise_request_exception = False

    response = client.get(
        path, {"period": "custom", "start": "9999-12-01", "end": "9999-12-31"}
    )

    assert response.status_code < 500
