"""The chat panel: a page, htmx partials and plain form posts, the launcher on
help-center pages, the handover link's page, limits and whose chat is whose."""

import re

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.factories import UserFactory
from knowledge.models import Article, ChatConversation, ChatQuestion
from knowledge.services import article_create
from knowledge.views.chat import SESSION_KEY
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

CHAT = reverse("knowledge:chat")
ASK = reverse("knowledge:chat_ask")
FEEDBACK = reverse("knowledge:chat_feedback")
HANDOVER = reverse("knowledge:chat_handover")
HTMX = {"HTTP_HX_REQUEST": "true"}


def publish(title, visibility=Article.Visibility.PUBLIC):
    return article_create(
        title=title,
        body=f"{title}: here is how. Open the page and follow the steps.",
        actor=None,
        status=Article.Status.PUBLISHED,
        visibility=visibility,
    )


def test_an_anonymous_visitor_asks_and_sees_the_answer_as_bubbles(client):
    article = publish("Track your order")

    response = client.post(ASK, {"question": "track your order"}, **HTMX)

    assert response.status_code == 200
    assert "knowledge/chat/_panel.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'class="chat-line chat-line-visitor"' in html
    assert f'href="{article.get_absolute_url()}"' in html
    assert "Yes, thanks" in html and ">No<" in html
    assert "Talk to a person" in html
    assert 'role="log"' in html
    conversation = ChatConversation.objects.get()
    assert conversation.user is None
    assert conversation.channel == ChatConversation.Channel.HELP_CENTER
    assert client.session[SESSION_KEY] == conversation.token


def test_without_javascript_a_question_redirects_back_to_the_page(client):
    publish("Track your order")

    response = client.post(ASK, {"question": "track your order"})

    assert response.status_code == 302
    assert response["Location"].startswith(CHAT)
    page = client.get(CHAT)
    assert "Track your order" in page.content.decode()
    assert "knowledge/chat/page.html" in [t.name for t in page.templates]


def test_the_page_keeps_a_constant_query_count(client, django_assert_max_num_queries):
    publish("Track your order")
    client.post(ASK, {"question": "track your order"})
    with django_assert_max_num_queries(6):
        client.get(CHAT)
    for _ in range(5):
        client.post(ASK, {"question": "track your order"})
    with django_assert_max_num_queries(6):
        client.get(CHAT)


@pytest.mark.parametrize("asker", ["anonymous", "customer"])
def test_restricted_articles_never_reach_the_panel(client, asker):
    publish("Refund policy public")
    hidden = [publish("Refund policy internal", Article.Visibility.AGENTS)]
    if asker == "customer":
        client.force_login(UserFactory())
    else:
        hidden.append(publish("Refund policy customers", Article.Visibility.CUSTOMERS))

    html = client.post(ASK, {"question": "refund policy"}, **HTMX).content.decode()
    html += client.get(CHAT).content.decode()

    assert "Refund policy public" in html
    for article in hidden:
        assert article.title not in html
        assert article.slug not in html


def test_feedback_buttons_record_the_answer(client):
    publish("Track your order")
    client.post(ASK, {"question": "track your order"})
    question = ChatQuestion.objects.get()

    html = client.post(
        FEEDBACK, {"question": question.pk, "helpful": "no"}, **HTMX
    ).content.decode()

    question.refresh_from_db()
    assert question.feedback == ChatQuestion.Feedback.NOT_HELPFUL
    assert "No, that didn&#x27;t help" in html
    assert "Yes, thanks</button>" not in html


def test_feedback_on_someone_elses_question_changes_nothing(client):
    other = ChatConversation.objects.create()
    question = ChatQuestion.objects.create(conversation=other, text="hi")
    client.post(ASK, {"question": "anything"})

    client.post(FEEDBACK, {"question": question.pk, "helpful": "yes"})
    client.post(FEEDBACK, {"question": "not-an-id", "helpful": "yes"})

    question.refresh_from_db()
    assert question.feedback == ""


def test_a_customer_talks_to_a_person_and_gets_one_ticket(client, customer):
    publish("Track your order")
    client.force_login(customer)
    client.post(ASK, {"question": "track your order"})

    html = client.post(HANDOVER, {}, **HTMX).content.decode()
    client.post(HANDOVER, {}, **HTMX)

    ticket = Ticket.objects.get()
    assert ticket.requester == customer and ticket.channel == Ticket.Channel.CHAT
    assert ticket.reference in html
    assert "track your order" in ticket.messages.get().body


def test_an_anonymous_visitor_gets_a_link_and_the_ticket_only_after_it(
    client, django_capture_on_commit_callbacks
):
    client.post(ASK, {"question": "where is my parcel"})

    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(
            HANDOVER, {"email": "visitor@example.com"}, **HTMX
        ).content.decode()

    assert (
        "A link to pass this chat to a person was sent to visitor@example.com" in html
    )
    assert not Ticket.objects.exists()
    path = re.search(r"http://\S+(/help/chat/handover/\S+/)", mail.outbox[0].body)[1]

    page = client.get(path)  # a mail scanner opening the link opens nothing
    assert page.status_code == 200 and not Ticket.objects.exists()
    assert "visitor@example.com" in page.content.decode()

    done = client.post(path)
    ticket = Ticket.objects.get()
    assert ticket.reference in done.content.decode()
    assert ticket.requester.email == "visitor@example.com"
    client.post(path)
    assert Ticket.objects.count() == 1


def test_a_bad_handover_link_is_a_404_page(client):
    response = client.get(reverse("knowledge:chat_handover_confirm", args=["nope"]))
    assert response.status_code == 404
    assert not Ticket.objects.exists()


def test_an_anonymous_handover_without_an_address_asks_for_one(client):
    html = client.post(HANDOVER, {}, **HTMX).content.decode()
    assert "Give your email address" in html
    assert not mail.outbox


def test_anonymous_asks_are_limited_per_ip(client, settings):
    settings.KNOWLEDGE_ASK_PER_MINUTE = 2
    for _ in range(2):
        assert client.post(ASK, {"question": "hello"}, **HTMX).status_code == 200
    refused = client.post(ASK, {"question": "hello"}, **HTMX)
    assert refused.status_code == 429
    assert ChatQuestion.objects.count() == 2


def test_anonymous_handover_mails_are_limited_per_address(
    client, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMIT_REGISTRATIONS_PER_ADDRESS = 1
    client.post(ASK, {"question": "hello"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(HANDOVER, {"email": "v@example.com"}, **HTMX)
        refused = client.post(HANDOVER, {"email": "v@example.com"}, **HTMX)
    assert refused.status_code == 429
    assert len(mail.outbox) == 1


def test_anonymous_chat_can_be_switched_off(client, settings, customer):
    settings.KNOWLEDGE_CHAT_ANONYMOUS = False
    assert client.get(CHAT).status_code == 302
    assert client.post(ASK, {"question": "hello"}).status_code == 302
    assert not ChatConversation.objects.exists()
    client.force_login(customer)
    assert client.get(CHAT).status_code == 200


def test_a_signed_in_customer_does_not_continue_an_anonymous_chat(client, customer):
    client.post(ASK, {"question": "hello"})
    anonymous = ChatConversation.objects.get()
    client.force_login(customer)
    session = client.session
    session[SESSION_KEY] = anonymous.token
    session.save()

    client.post(ASK, {"question": "again"})

    assert anonymous.questions.count() == 1
    assert ChatConversation.objects.filter(user=customer).count() == 1


def _launcher(user, settings_anonymous, settings):
    settings.KNOWLEDGE_CHAT_ANONYMOUS = settings_anonymous
    request = RequestFactory().get("/help/")
    request.user = user
    return Template('{% include "knowledge/_chat_launcher.html" %}').render(
        Context({"request": request})
    )


def test_the_launcher_shows_for_customers_and_allowed_visitors(settings, customer):
    from django.contrib.auth.models import AnonymousUser

    assert "data-chat-launcher" in _launcher(AnonymousUser(), True, settings)
    assert "data-chat-launcher" not in _launcher(AnonymousUser(), False, settings)
    assert "data-chat-launcher" in _launcher(customer, False, settings)
    assert "js/chat.js" in _launcher(customer, False, settings)


def test_the_panel_has_no_inline_script_or_style(client):
    publish("Track your order")
    client.post(ASK, {"question": "track your order"})
    html = client.get(CHAT).content.decode()
    assert "<script>" not in html
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


def test_the_bot_lines_are_rendered_once_when_written_not_on_every_page(
    client, monkeypatch
):
    article = publish("Track your order")
    client.post(ASK, {"question": "track your order"}, **HTMX)

    def render_again(text):
        raise AssertionError("a page rendered a stored bot line again")

    monkeypatch.setattr("knowledge.services.chat.render_markdown", render_again)
    monkeypatch.setattr("helpdesk.rendering.render_markdown", render_again)
    response = client.get(CHAT)

    assert response.status_code == 200
    assert f'href="{article.get_absolute_url()}"' in response.content.decode()
