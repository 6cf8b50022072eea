"""The chatbot's API: /chatbot/ask and chat sessions, anonymous or not."""

import pytest
from django.core import mail
from django.test import Client

from accounts.tests.factories import UserFactory
from knowledge.models import Article, ChatConversation, ChatQuestion
from knowledge.services import article_create
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

API = "/api/v1"


def publish(title, visibility=Article.Visibility.PUBLIC):
    return article_create(
        title=title,
        body=f"{title}: it takes two minutes. Open the page and follow the steps.",
        actor=None,
        status=Article.Status.PUBLISHED,
        visibility=visibility,
    )


def post(client, path, payload=None, **headers):
    return client.post(
        f"{API}{path}", payload or {}, content_type="application/json", **headers
    )


@pytest.fixture
def anon():
    return Client()


def test_ask_answers_with_the_best_article_first(anon):
    article = publish("Cancel your subscription")

    response = post(anon, "/chatbot/ask", {"question": "cancel your subscription"})

    assert response.status_code == 200
    body = response.json()
    assert body["confident"] is True
    assert body["answer"].startswith("Cancel your subscription: it takes two minutes.")
    assert body["articles"][0] == {
        "id": str(article.pk),
        "title": "Cancel your subscription",
        "url": article.get_absolute_url(),
        "score": body["articles"][0]["score"],
    }
    assert 0 < body["articles"][0]["score"] <= 1
    assert ChatQuestion.objects.get().conversation.channel == "api"


def test_ask_lists_at_most_five_articles(anon):
    for n in range(7):
        publish(f"Printer setup {n}")
    body = post(anon, "/chatbot/ask", {"question": "printer setup"}).json()
    assert len(body["articles"]) == 5


def test_ask_with_nothing_found_is_not_confident(anon):
    body = post(anon, "/chatbot/ask", {"question": "quantum flux"}).json()
    assert body == {"answer": None, "confident": False, "articles": []}


@pytest.mark.parametrize("question", ["", "   ", "x" * 1001])
def test_an_empty_or_over_long_question_is_a_400(anon, question):
    response = post(anon, "/chatbot/ask", {"question": question})
    assert response.status_code == 400
    assert response.json()["code"] in {"question_required", "question_too_long"}


def test_a_missing_question_is_a_400(anon):
    response = post(anon, "/chatbot/ask", {})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("caller", ["anonymous", "customer"])
def test_restricted_articles_never_reach_api_callers(anon, api_as, caller):
    publish("Holiday opening hours")
    hidden = [publish("Holiday opening hours staff", Article.Visibility.AGENTS)]
    if caller == "anonymous":
        client = anon
        hidden.append(
            publish("Holiday opening hours members", Article.Visibility.CUSTOMERS)
        )
        ask = post(client, "/chatbot/ask", {"question": "holiday opening hours"})
        token = post(client, "/chatbot/sessions").json()["token"]
        reply = post(
            client,
            f"/chatbot/sessions/{token}/messages",
            {"text": "holiday opening hours"},
        )
        transcript = client.get(f"{API}/chatbot/sessions/{token}")
    else:
        client = api_as(UserFactory())
        ask = client.post("/chatbot/ask", {"question": "holiday opening hours"})
        token = client.post("/chatbot/sessions").json()["token"]
        reply = client.post(
            f"/chatbot/sessions/{token}/messages", {"text": "holiday opening hours"}
        )
        transcript = client.get(f"/chatbot/sessions/{token}")
    text = ask.content.decode() + reply.content.decode() + transcript.content.decode()
    assert "Holiday opening hours" in text
    for article in hidden:
        assert article.title not in text
        assert str(article.pk) not in {a["id"] for a in ask.json()["articles"]}
        assert article.slug not in text


def test_a_customer_sees_customers_only_articles(api_as):
    article = publish("Member discounts", Article.Visibility.CUSTOMERS)
    body = api_as(UserFactory()).post("/chatbot/ask", {"question": "member"}).json()
    assert body["articles"][0]["id"] == str(article.pk)


def test_anonymous_asks_are_limited_per_ip_with_a_429(anon, settings):
    settings.KNOWLEDGE_ASK_PER_MINUTE = 3
    for _ in range(3):
        assert post(anon, "/chatbot/ask", {"question": "hi"}).status_code == 200
    refused = post(anon, "/chatbot/ask", {"question": "hi"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "Retry-After" in refused
    # Another address still gets answers.
    other = post(anon, "/chatbot/ask", {"question": "hi"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_signed_in_callers_are_limited_per_user_at_a_higher_limit(api_as, settings):
    settings.KNOWLEDGE_ASK_PER_MINUTE = 2
    api = api_as(UserFactory())
    codes = [
        api.post("/chatbot/ask", {"question": "hi"}).status_code for _ in range(11)
    ]
    assert codes == [200] * 10 + [429]


def test_a_wrong_key_is_a_401_not_an_anonymous_answer(anon):
    response = post(
        anon, "/chatbot/ask", {"question": "hi"}, HTTP_AUTHORIZATION="Bearer hdk_nope"
    )
    assert response.status_code == 401


def test_a_widget_session_from_start_to_feedback(anon):
    publish("Change your plan")
    started = post(anon, "/chatbot/sessions", {"language": "en"})
    assert started.status_code == 201
    token = started.json()["token"]

    reply = post(
        anon, f"/chatbot/sessions/{token}/messages", {"text": "change your plan"}
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["confident"] and len(body["articles"]) <= 3
    assert "Did that answer your question?" in body["text"]

    feedback = post(anon, f"/chatbot/sessions/{token}/feedback", {"helpful": False})
    assert feedback.json() == {
        "question_id": body["question_id"],
        "feedback": "not_helpful",
    }

    transcript = anon.get(f"{API}/chatbot/sessions/{token}").json()
    assert [line["role"] for line in transcript["messages"]] == [
        "visitor",
        "bot",
        "visitor",
        "bot",
    ]
    assert transcript["handed_over"] is False


def test_tokens_of_others_conversations_are_404(anon, api_as, customer):
    mine = api_as(customer)
    token = mine.post("/chatbot/sessions").json()["token"]
    stranger = api_as(UserFactory())
    anonymous_token = post(anon, "/chatbot/sessions").json()["token"]

    for path in (
        f"/chatbot/sessions/{token}",
        f"/chatbot/sessions/{token}/messages",
        f"/chatbot/sessions/{token}/feedback",
        f"/chatbot/sessions/{token}/handover",
    ):
        payload = {"text": "hi", "helpful": True, "email": "x@example.com"}
        if path.endswith(token):
            assert stranger.get(path).status_code == 404
            assert anon.get(f"{API}{path}").status_code == 404
        else:
            assert stranger.post(path, payload).status_code == 404
            assert post(anon, path, payload).status_code == 404
    assert mine.get(f"/chatbot/sessions/{anonymous_token}").status_code == 404
    assert anon.get(f"{API}/chatbot/sessions/made-up").status_code == 404
    assert not Ticket.objects.exists()


def test_a_customer_handover_opens_one_ticket(api_as, customer):
    publish("Change your plan")
    client = api_as(customer)
    token = client.post("/chatbot/sessions").json()["token"]
    client.post(f"/chatbot/sessions/{token}/messages", {"text": "change your plan"})

    first = client.post(f"/chatbot/sessions/{token}/handover").json()
    second = client.post(f"/chatbot/sessions/{token}/handover").json()

    ticket = Ticket.objects.get()
    assert (
        first
        == second
        == {
            "status": "ticket_opened",
            "ticket": ticket.reference,
            "email": None,
        }
    )
    assert ticket.channel == Ticket.Channel.CHAT
    assert "change your plan" in ticket.messages.get().body
    assert client.get(f"/chatbot/sessions/{token}").json()["ticket"] == (
        ticket.reference
    )
    refused = client.post(f"/chatbot/sessions/{token}/messages", {"text": "more"})
    assert refused.status_code == 409


def test_an_anonymous_handover_sends_a_link_first(
    anon, django_capture_on_commit_callbacks
):
    token = post(anon, "/chatbot/sessions").json()["token"]
    post(anon, f"/chatbot/sessions/{token}/messages", {"text": "lost parcel"})

    assert post(anon, f"/chatbot/sessions/{token}/handover").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            anon, f"/chatbot/sessions/{token}/handover", {"email": "v@example.com"}
        )

    assert response.json() == {
        "status": "confirmation_sent",
        "ticket": None,
        "email": "v@example.com",
    }
    assert not Ticket.objects.exists()
    assert mail.outbox[0].to == ["v@example.com"]
    assert "/help/chat/handover/" in mail.outbox[0].body


def test_anonymous_handover_mails_are_limited_per_ip(
    anon, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMIT_REGISTRATIONS_PER_IP = 2
    # One chat goes to one address, so each address gets its own session.
    tokens = [post(anon, "/chatbot/sessions").json()["token"] for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        codes = [
            post(
                anon, f"/chatbot/sessions/{token}/handover", {"email": f"v{n}@ex.com"}
            ).status_code
            for n, token in enumerate(tokens)
        ]
    assert codes == [200, 200, 429]
    assert len(mail.outbox) == 2
    assert not ChatConversation.objects.filter(ticket__isnull=False).exists()


def test_customer_handovers_count_as_new_tickets(api_as, customer, settings):
    settings.RATE_LIMIT_TICKETS_PER_ADDRESS = 1
    client = api_as(customer)
    codes = []
    for _ in range(2):
        token = client.post("/chatbot/sessions").json()["token"]
        client.post(f"/chatbot/sessions/{token}/messages", {"text": "help"})
        codes.append(client.post(f"/chatbot/sessions/{token}/handover").status_code)
    assert codes == [200, 429]
    assert Ticket.objects.count() == 1
