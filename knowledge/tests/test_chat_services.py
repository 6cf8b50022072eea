"""The chatbot's services: answers only from what the asker may read, says
when it is not sure, and hands over to a person exactly once."""

import re
from html import unescape

import pytest
from django.core import mail
from django.utils.html import strip_tags

from accounts.tests.factories import UserFactory
from helpdesk.rendering import render_markdown
from knowledge.models import Article, ChatConversation, ChatMessage, ChatQuestion
from knowledge.services import article_create
from knowledge.services import chat as chat_services
from knowledge.services import handover as handover_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

Visibility = Article.Visibility
Channel = ChatConversation.Channel


def publish(title, body=None, visibility=Visibility.PUBLIC):
    return article_create(
        title=title,
        body=body
        or (
            f"{title} is easy. Open Settings and choose the option. "
            "Then press Save and you are done. A fourth sentence is never shown."
        ),
        actor=None,
        status=Article.Status.PUBLISHED,
        visibility=visibility,
    )


def test_a_confident_answer_gives_the_excerpt_the_link_and_asks_for_feedback():
    article = publish("Reset your password")
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)

    reply = chat_services.chat_ask(
        conversation=conversation, question="reset your password"
    )

    assert reply.answer.confident
    assert reply.question.article == article
    assert reply.answer.excerpt == (
        "Reset your password is easy. Open Settings and choose the option. "
        "Then press Save and you are done."
    )
    html = render_markdown(reply.message.text)
    assert f'href="{article.get_absolute_url()}"' in html
    assert "Did that answer your question?" in html
    roles = list(conversation.messages.values_list("role", flat=True))
    assert roles == ["visitor", "bot"]


def test_the_best_article_comes_with_at_most_two_others():
    for topic in ("A", "B", "C", "D"):
        publish(f"Invoices and billing {topic}")
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)

    reply = chat_services.chat_ask(conversation=conversation, question="billing")

    assert len(reply.offered) == 3
    assert len(reply.question.suggested_ids.split()) == 2


def test_low_confidence_says_so_instead_of_guessing(monkeypatch):
    article = publish("Export your data")
    monkeypatch.setattr(chat_services, "is_confident", lambda hits: False)
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)

    reply = chat_services.chat_ask(conversation=conversation, question="export")

    assert not reply.answer.confident
    assert reply.answer.excerpt is None
    assert reply.message.text.startswith("I'm not sure")
    assert article.get_absolute_url() in reply.message.text
    assert "talk to a person" in reply.message.text
    assert reply.question.confident is False


def test_nothing_found_says_so_and_offers_a_person():
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)

    reply = chat_services.chat_ask(conversation=conversation, question="quantum")

    assert reply.offered == []
    assert reply.question.article is None
    assert "couldn't find anything" in reply.message.text
    assert "talk to a person" in reply.message.text


@pytest.mark.parametrize(
    ("asker", "hidden"),
    [
        ("anonymous", (Visibility.CUSTOMERS, Visibility.AGENTS)),
        ("customer", (Visibility.AGENTS,)),
    ],
)
def test_the_bot_never_offers_an_article_the_asker_may_not_read(asker, hidden):
    public = publish("Shipping times public")
    secret = {v: publish(f"Shipping times {v}", visibility=v) for v in hidden}
    user = UserFactory() if asker == "customer" else None
    conversation = chat_services.chat_start(user=user, channel=Channel.PORTAL)

    reply = chat_services.chat_ask(conversation=conversation, question="shipping times")

    offered = {hit.article.pk for hit in reply.offered}
    assert public.pk in offered
    for article in secret.values():
        assert article.pk not in offered
        assert article.slug not in reply.message.text
        assert article.title not in reply.message.text


def test_a_customer_may_get_customers_only_articles():
    article = publish("Your contract", visibility=Visibility.CUSTOMERS)
    conversation = chat_services.chat_start(user=UserFactory(), channel=Channel.PORTAL)

    reply = chat_services.chat_ask(conversation=conversation, question="contract")

    assert reply.question.article == article


@pytest.mark.parametrize("question", ["", "   ", "x" * 1001])
def test_empty_or_over_long_questions_are_refused(question):
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)
    with pytest.raises(chat_services.ChatError):
        chat_services.chat_ask(conversation=conversation, question=question)
    assert not ChatQuestion.objects.exists()


def test_feedback_is_stored_with_the_lines_it_adds():
    publish("Change your email")
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)
    reply = chat_services.chat_ask(conversation=conversation, question="change your")

    chat_services.chat_feedback(question=reply.question, helpful=False)

    reply.question.refresh_from_db()
    assert reply.question.feedback == ChatQuestion.Feedback.NOT_HELPFUL
    assert conversation.messages.last().text.startswith("Sorry about that")


def test_visitor_text_is_escaped_in_markdown():
    text = "[click](http://evil.example) <b>bold</b> <http://evil.example> # h"
    html = render_markdown(chat_services.markdown_escape(text))
    assert "<a" not in html and "<b>" not in html and "<h1" not in html
    assert "[click](http://evil.example)" in html


# --- Handover ---------------------------------------------------------------


def _customer_chat(customer, question="reset your password"):
    publish("Reset your password")
    conversation = chat_services.chat_start(user=customer, channel=Channel.PORTAL)
    reply = chat_services.chat_ask(conversation=conversation, question=question)
    chat_services.chat_feedback(question=reply.question, helpful=False)
    return conversation


def test_a_customer_handover_opens_one_chat_ticket_with_the_whole_transcript(
    customer, django_capture_on_commit_callbacks
):
    conversation = _customer_chat(customer)

    first = handover_services.chat_handover(conversation=conversation)
    second = handover_services.chat_handover(conversation=conversation)

    assert first.ticket == second.ticket
    ticket = Ticket.objects.get()
    assert ticket.channel == Ticket.Channel.CHAT
    assert ticket.requester == customer
    assert ticket.subject == "reset your password"
    html = ticket.messages.get().html
    shown = unescape(strip_tags(str(html)))
    for line in ChatMessage.objects.filter(conversation=conversation, role="visitor"):
        assert line.text in shown
    assert "No, that didn't help" in shown
    assert "Did that answer your question?" in shown
    assert "This article should answer it: Reset your password" in shown
    assert "/help/a/reset-your-password/" in html
    conversation.refresh_from_db()
    assert conversation.ticket == ticket and conversation.handed_over


def test_a_visitor_who_writes_markup_cannot_inject_it_into_the_ticket(customer):
    conversation = chat_services.chat_start(user=customer, channel=Channel.PORTAL)
    chat_services.chat_ask(
        conversation=conversation,
        question="<script>alert(1)</script> [phish](http://evil.example) **bold**",
    )

    ticket = handover_services.chat_handover(conversation=conversation).ticket

    html = ticket.messages.get().html
    assert "<script" not in html
    assert 'href="http://evil.example' not in html
    assert "<strong>bold</strong>" not in html
    assert "[phish](http://evil.example)" in html


def test_agents_do_not_hand_over(agent):
    conversation = chat_services.chat_start(user=agent, channel=Channel.PORTAL)
    with pytest.raises(chat_services.ChatError):
        handover_services.chat_handover(conversation=conversation)
    assert not Ticket.objects.exists()


def _link_from(message) -> str:
    return re.search(r"/help/chat/handover/([^/\s]+)/", message.body)[1]


def test_an_anonymous_handover_mails_a_link_and_opens_the_ticket_only_after_it(
    django_capture_on_commit_callbacks,
):
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)
    chat_services.chat_ask(conversation=conversation, question="where is my parcel")

    with django_capture_on_commit_callbacks(execute=True):
        outcome = handover_services.chat_handover(
            conversation=conversation, email="Visitor@Example.com"
        )

    assert outcome.mailed and outcome.email == "visitor@example.com"
    assert not Ticket.objects.exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["visitor@example.com"]
    signed = _link_from(mail.outbox[0])

    ticket = handover_services.chat_handover_confirm(signed=signed)
    again = handover_services.chat_handover_confirm(signed=signed)

    assert ticket == again and Ticket.objects.count() == 1
    assert ticket.requester.email == "visitor@example.com"
    assert ticket.requester.email_verified  # the link proved the address
    assert "where is my parcel" in strip_tags(str(ticket.messages.get().html))
    assert ticket.channel == Ticket.Channel.CHAT


def test_the_link_does_not_confirm_an_account_someone_signed_up_with_a_password(
    django_capture_on_commit_callbacks,
):
    squatter = UserFactory(email="owner@example.com", email_verified=False)
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)
    with django_capture_on_commit_callbacks(execute=True):
        handover_services.chat_handover(
            conversation=conversation, email="owner@example.com"
        )

    ticket = handover_services.chat_handover_confirm(signed=_link_from(mail.outbox[0]))

    squatter.refresh_from_db()
    assert ticket.requester == squatter
    assert not squatter.email_verified


@pytest.mark.parametrize("email", ["", "not-an-address"])
def test_an_anonymous_handover_needs_an_address(email):
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)
    with pytest.raises(chat_services.ChatError):
        handover_services.chat_handover(conversation=conversation, email=email)


def test_a_forged_or_altered_link_opens_nothing():
    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)
    handover_services.chat_handover(conversation=conversation, email="a@example.com")
    key = conversation.handover_key
    signed = handover_services.handover_link_sign(key)
    with pytest.raises(handover_services.HandoverLinkInvalid):
        handover_services.chat_handover_confirm(signed=signed[:-2] + "xx")
    with pytest.raises(handover_services.HandoverLinkInvalid):
        handover_services.chat_handover_confirm(
            signed=handover_services.signing.dumps({"k": key}, salt="other")
        )
    for old_style in ({"t": conversation.token, "e": "a@example.com"}, {"k": ""}):
        with pytest.raises(handover_services.HandoverLinkInvalid):
            handover_services.chat_handover_confirm(
                signed=handover_services.signing.dumps(
                    old_style, salt=handover_services.HANDOVER_SALT
                )
            )
    assert not Ticket.objects.exists()


def test_conversations_are_reached_only_by_their_owner(customer):
    mine = chat_services.chat_start(user=customer, channel=Channel.PORTAL)
    anonymous = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)

    assert chat_services.chat_get_for(customer, mine.token) == mine
    assert chat_services.chat_get_for(None, mine.token) is None
    assert chat_services.chat_get_for(UserFactory(), mine.token) is None
    assert chat_services.chat_get_for(None, anonymous.token) == anonymous
    assert chat_services.chat_get_for(customer, anonymous.token) is None


def test_an_expired_link_opens_nothing(monkeypatch):
    import time

    conversation = chat_services.chat_start(user=None, channel=Channel.HELP_CENTER)
    handover_services.chat_handover(conversation=conversation, email="a@example.com")
    signed = handover_services.handover_link_sign(conversation.handover_key)
    later = time.time() + handover_services.HANDOVER_LINK_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(handover_services.signing.time, "time", lambda: later)

    with pytest.raises(handover_services.HandoverLinkInvalid):
        handover_services.chat_handover_confirm(signed=signed)
    assert not Ticket.objects.exists()
