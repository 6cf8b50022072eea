"""ATTACK (review of issue 14): abuse faults found by an outside tester:
settings and limits that can be walked around, rows an anonymous caller can
pile up, and NUL characters that PostgreSQL refuses (a 500 there; run this
module with DATABASE_URL=postgres://... to see those).

Every test here FAILS on the reviewed branch (the NUL ones: on PostgreSQL,
and where noted also on SQLite): each one is a fault, not a regression
guard. Do not "fix" a test to make it pass; fix the product.
"""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from knowledge.models import (
    Article,
    ChatConversation,
    ChatMessage,
    ChatQuestion,
    SuggestionOpen,
)

from .help_center_data import article

pytestmark = pytest.mark.django_db

ASK = reverse("knowledge:chat_ask")
FEEDBACK = reverse("knowledge:chat_feedback")
HANDOVER = reverse("knowledge:chat_handover")
API = "/api/v1"


def _json(client, path, payload=None):
    return client.post(f"{API}{path}", payload or {}, content_type="application/json")


# --- KNOWLEDGE_CHAT_ANONYMOUS is walked around through the API ---------------


def test_attack_anonymous_chat_off_also_closes_the_api_sessions_and_handover(
    settings, django_capture_on_commit_callbacks
):
    """With KNOWLEDGE_CHAT_ANONYMOUS off ("whether anonymous visitors may chat
    with the bot") the page refuses visitors, but the widget API still lets
    anyone without credentials open a session and have a handover link
    mailed to any address."""
    settings.KNOWLEDGE_CHAT_ANONYMOUS = False
    visitor = Client()

    started = _json(visitor, "/chatbot/sessions")
    token = started.json().get("token", "none")
    with django_capture_on_commit_callbacks(execute=True):
        handover = _json(
            visitor,
            f"/chatbot/sessions/{token}/handover",
            {"email": "someone.else@example.com"},
        )

    assert started.status_code in (401, 403)
    assert handover.status_code in (401, 403, 404)
    assert mail.outbox == []
    assert not ChatConversation.objects.exists()


# --- Rows an anonymous visitor piles up without any limit --------------------


def test_attack_handover_posts_without_email_do_not_pile_up_conversations(
    settings,
):
    """Each cookieless POST to "Talk to a person" without an address makes a
    conversation (and a session) before it is refused, and no limit applies
    to it: one address makes as many rows as it sends requests."""
    settings.KNOWLEDGE_CHAT_ANONYMOUS = True
    for _ in range(50):
        Client().post(HANDOVER, {"email": ""})

    assert ChatConversation.objects.count() <= settings.KNOWLEDGE_ASK_PER_MINUTE


def test_attack_rate_limited_handovers_make_no_conversation(settings):
    """A handover refused by the per-address limit (429) still made a new
    conversation first."""
    settings.KNOWLEDGE_CHAT_ANONYMOUS = True
    settings.RATE_LIMIT_REGISTRATIONS_PER_ADDRESS = 1
    Client().post(HANDOVER, {"email": "v@example.com"})
    before = ChatConversation.objects.count()

    refused = [
        Client().post(HANDOVER, {"email": "v@example.com"}).status_code
        for _ in range(10)
    ]

    assert ChatConversation.objects.count() == before, refused


def test_attack_repeating_the_same_feedback_adds_no_transcript_lines(client):
    """ "A second answer replaces the first", but every post of the same
    answer appends two more lines (no limit either): 50 clicks of "Yes"
    put 100 lines in the transcript, and in the ticket if handed over."""
    article("Track your order", body="Track your order in the portal. Open Orders.")
    client.post(ASK, {"question": "track your order"})
    question = ChatQuestion.objects.get()
    client.post(FEEDBACK, {"question": str(question.pk), "helpful": "yes"})
    lines = ChatMessage.objects.count()

    for _ in range(50):
        client.post(FEEDBACK, {"question": str(question.pk), "helpful": "yes"})

    assert ChatMessage.objects.count() == lines


def test_attack_api_repeated_feedback_adds_no_transcript_lines(db):
    article("Track your order", body="Track your order in the portal. Open Orders.")
    visitor = Client()
    token = _json(visitor, "/chatbot/sessions").json()["token"]
    _json(visitor, f"/chatbot/sessions/{token}/messages", {"text": "track my order"})
    _json(visitor, f"/chatbot/sessions/{token}/feedback", {"helpful": True})
    lines = ChatMessage.objects.count()

    for _ in range(30):
        _json(visitor, f"/chatbot/sessions/{token}/feedback", {"helpful": True})

    assert ChatMessage.objects.count() == lines


def test_attack_one_address_cannot_stuff_the_helpful_votes(db):
    """A visitor's vote is keyed by session only: dropping the cookie is a
    new voter. One IP adds 30 "Yes" votes in a row, unlimited."""
    target = article("Pay an invoice")

    for _ in range(30):
        Client().post(f"/help/a/{target.slug}/vote/", {"helpful": "yes"})

    target.refresh_from_db()
    assert target.helpful_count < 30


def test_attack_a_vote_before_signing_in_is_not_counted_twice(client, customer):
    """A reader votes "Yes" as a visitor, signs in on the same browser and
    votes "Yes" again: the article now shows two votes from one person."""
    target = article("Pay an invoice")
    client.post(f"/help/a/{target.slug}/vote/", {"helpful": "yes"})
    client.force_login(customer)

    client.post(f"/help/a/{target.slug}/vote/", {"helpful": "yes"})

    target.refresh_from_db()
    assert target.helpful_count == 1


# --- NUL characters: PostgreSQL refuses them (a 500 there) -------------------


def test_attack_nul_in_an_anonymous_chat_question_is_refused_not_stored(settings):
    """The chat page reads request.POST itself (no form field, so no
    ProhibitNullCharactersValidator): on PostgreSQL an anonymous visitor gets
    a 500 (DataError); on SQLite the NUL is stored. Fails on both."""
    settings.KNOWLEDGE_CHAT_ANONYMOUS = True
    article("Pay an invoice")
    visitor = Client(raise_request_exception=False)

    response = visitor.post(ASK, {"question": "pay\x00invoice"})

    assert response.status_code < 500
    # Checked in Python: PostgreSQL refuses a NUL in the LIKE pattern itself.
    stored = ChatQuestion.objects.values_list("text", flat=True)
    assert not any("\x00" in text for text in stored)


def test_attack_nul_in_a_chat_session_token_is_a_404(db):
    """/api/v1/chatbot/sessions/{token}: the token goes into a query as is;
    on PostgreSQL ab%00cd is a 500 for anyone without credentials."""
    visitor = Client(raise_request_exception=False)

    assert visitor.get(f"{API}/chatbot/sessions/ab%00cd").status_code == 404
    assert (
        _json(visitor, "/chatbot/sessions/ab%00cd/messages", {"text": "hi"})
    ).status_code == 404


def test_attack_nul_in_the_suggestion_query_is_not_a_500(customer):
    """?q= of the suggestion tracking link is stored as is: on PostgreSQL a
    customer following /portal/suggestions/<id>/open/?q=%00 gets a 500."""
    target = article("Pay an invoice")
    client = Client(raise_request_exception=False)
    client.force_login(customer)

    response = client.get(
        reverse("knowledge:suggestion_open", args=[target.pk]), {"q": "pay\x00"}
    )

    assert response.status_code == 400
    assert "The query parameter q contains a NUL character" in response.text
    assert not SuggestionOpen.objects.exists()
    assert Article.objects.filter(pk=target.pk).exists()


def test_attack_feedback_without_an_answer_is_not_recorded_as_not_helpful(client):
    """The panel's feedback takes anything but ``helpful=yes`` (a missing or
    misspelt value too) as "No, that didn't help", which then counts in the
    report's not-helpful and unanswered figures. The vote box refuses such
    a post ("Choose Yes or No.")."""
    article("Track your order", body="Track your order in the portal. Open Orders.")
    client.post(ASK, {"question": "track your order"})
    question = ChatQuestion.objects.get()

    client.post(FEEDBACK, {"question": str(question.pk)})
    client.post(FEEDBACK, {"question": str(question.pk), "helpful": "Yes"})

    question.refresh_from_db()
    assert question.feedback != ChatQuestion.Feedback.NOT_HELPFUL
