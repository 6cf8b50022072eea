"""The anonymous handover link: one-use key (never the chat's token), the chat
shown before it is sent and frozen when the link was mailed, one chat to one
address; feedback that does not pile up; limits and NUL characters."""

import base64
import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from knowledge.models import Article, ChatConversation, ChatMessage, ChatQuestion
from knowledge.services import article_create
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

ASK = reverse("knowledge:chat_ask")
FEEDBACK = reverse("knowledge:chat_feedback")
HANDOVER = reverse("knowledge:chat_handover")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _anonymous_chat(settings):
    settings.KNOWLEDGE_CHAT_ANONYMOUS = True


def publish(title):
    return article_create(
        title=title,
        body=f"{title}: here is how. Open the page and follow the steps.",
        actor=None,
        status=Article.Status.PUBLISHED,
        visibility=Article.Visibility.PUBLIC,
    )


def _link(message) -> str:
    return re.search(r"(/help/chat/handover/[^/\s]+/)", message.body)[1]


def _hand_over(client, email, capture) -> str:
    before = len(mail.outbox)
    with capture(execute=True):
        client.post(HANDOVER, {"email": email}, **HTMX)
    assert len(mail.outbox) == before + 1
    return _link(mail.outbox[-1])


def test_the_link_page_shows_the_chat_as_mailed_in_constant_queries(
    client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    for n in range(4):
        client.post(ASK, {"question": f"where is parcel number {n}"})
    path = _hand_over(client, "me@example.com", django_capture_on_commit_callbacks)
    client.post(ASK, {"question": "a later question"})

    with django_assert_max_num_queries(4):
        page = Client().get(path)

    html = page.content.decode()
    assert "where is parcel number 3" in html and "me@example.com" in html
    assert "a later question" not in html
    assert not Ticket.objects.exists()


def test_a_used_link_says_so_and_shows_no_reference(
    client, django_capture_on_commit_callbacks
):
    client.post(ASK, {"question": "where is my parcel"})
    path = _hand_over(client, "me@example.com", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path)
    ticket = Ticket.objects.get()

    again = Client().get(path).content.decode()

    assert "sent already" in again and ticket.reference not in again
    assert Ticket.objects.count() == 1


def test_a_link_out_to_one_address_refuses_another_and_still_works(
    client, django_capture_on_commit_callbacks
):
    client.post(ASK, {"question": "where is my parcel"})
    path = _hand_over(client, "first@example.com", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(
            HANDOVER, {"email": "second@example.com"}, **HTMX
        ).content.decode()

    assert "went to first@example.com already" in html
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path)
    assert Ticket.objects.get().requester.email == "first@example.com"


def test_the_same_address_again_gets_a_new_link_and_the_old_one_stops(
    client, django_capture_on_commit_callbacks
):
    client.post(ASK, {"question": "where is my parcel"})
    old = _hand_over(client, "me@example.com", django_capture_on_commit_callbacks)
    new = _hand_over(client, "me@example.com", django_capture_on_commit_callbacks)

    assert old != new
    assert Client().get(old).status_code == 404
    assert Client().post(old).status_code == 404
    assert not Ticket.objects.exists()
    assert Client().get(new).status_code == 200


def test_a_chat_handed_over_is_not_handed_over_again_nor_shows_its_ticket(
    client, django_capture_on_commit_callbacks
):
    client.post(ASK, {"question": "where is my parcel"})
    path = _hand_over(client, "owner@example.com", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(path)
    ticket = Ticket.objects.get()

    mailed = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(
            HANDOVER, {"email": "other@example.com"}, **HTMX
        ).content.decode()

    assert ticket.reference not in html
    assert "passed to a person already" in html
    assert len(mail.outbox) == mailed


def test_the_link_holds_neither_the_token_nor_the_address(
    client, django_capture_on_commit_callbacks
):
    client.post(ASK, {"question": "where is my parcel"})
    path = _hand_over(client, "me@example.com", django_capture_on_commit_callbacks)
    payload = path.split("/")[-2].split(":")[0]
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    conversation = ChatConversation.objects.get()
    assert set(data) == {"k"} and data["k"] == conversation.handover_key
    assert conversation.token not in path and "me@example.com" not in path


def test_an_invalid_address_starts_no_chat_and_counts_no_limit(client, settings):
    settings.RATE_LIMIT_REGISTRATIONS_PER_IP = 1
    for email in ["", "not-an-address"]:
        html = client.post(HANDOVER, {"email": email}, **HTMX).content.decode()
        assert "email address" in html
    refused = client.post(HANDOVER, {"email": "a\x00b@example.com"}, **HTMX)
    assert refused.status_code == 400
    assert "The form field email contains a NUL character" in refused.text
    assert not ChatConversation.objects.exists()
    assert client.post(HANDOVER, {"email": "me@example.com"}, **HTMX).status_code == 200


def test_a_changed_answer_rewrites_the_feedback_lines_in_place():
    publish("Track your order")
    client = Client()
    client.post(ASK, {"question": "track your order"})
    question = ChatQuestion.objects.get()
    client.post(FEEDBACK, {"question": str(question.pk), "helpful": "yes"})
    lines = ChatMessage.objects.count()

    client.post(FEEDBACK, {"question": str(question.pk), "helpful": "no"})

    question.refresh_from_db()
    assert question.feedback == ChatQuestion.Feedback.NOT_HELPFUL
    assert ChatMessage.objects.count() == lines
    texts = list(ChatMessage.objects.values_list("text", flat=True))
    assert "No, that didn't help" in texts and "Yes, thanks" not in texts


def test_feedback_without_yes_or_no_is_refused(client):
    publish("Track your order")
    client.post(ASK, {"question": "track your order"})
    question = ChatQuestion.objects.get()
    lines = ChatMessage.objects.count()

    html = client.post(
        FEEDBACK, {"question": str(question.pk), "helpful": "maybe"}, **HTMX
    ).content.decode()

    assert "Choose Yes or No." in html
    question.refresh_from_db()
    assert question.feedback == "" and ChatMessage.objects.count() == lines


def test_signed_in_questions_are_limited_per_user_more_generously(
    client, customer, settings
):
    settings.KNOWLEDGE_ASK_PER_MINUTE = 1
    client.force_login(customer)
    codes = [
        client.post(ASK, {"question": "hello"}, **HTMX).status_code for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]
    assert ChatQuestion.objects.count() == 5


def test_a_nul_in_a_question_is_refused_and_starts_no_chat(client):
    html = client.post(ASK, {"question": "pay\x00invoice"}, **HTMX).content.decode()
    assert "NUL" in html
    assert not ChatConversation.objects.exists()


def test_a_nul_in_a_session_language_or_handover_link_is_harmless():
    visitor = Client(raise_request_exception=False)
    created = visitor.post(
        "/api/v1/chatbot/sessions",
        {"language": "e\x00n"},
        content_type="application/json",
    )
    assert created.status_code == 400
    assert created.json()["errors"] == {"language": ["NUL characters are not allowed."]}
    assert not ChatConversation.objects.exists()
    assert visitor.get("/help/chat/handover/ab%00cd/").status_code == 404
    assert visitor.post("/help/chat/handover/ab%00cd/").status_code == 404
