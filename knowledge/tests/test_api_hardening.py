"""Fixes after the review of issue 14: the categories the API shows each
audience, anonymous chat sessions when KNOWLEDGE_CHAT_ANONYMOUS is off, and
NUL characters sent to the knowledge endpoints (PostgreSQL refuses them in
text: run with DATABASE_URL=postgres://... to see a 500 where one slips
through)."""

from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from knowledge.models import Article, ArticleCategory, ChatConversation, SuggestionOpen

from .help_center_data import Visibility, article, category

pytestmark = pytest.mark.django_db

API = "/api/v1"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()]


@pytest.fixture
def sections(db):
    """A section per audience, one holding only a draft, and an empty one."""
    sections = {
        "public": category("Billing", position=0),
        "customers": category("VIP customers", position=1),
        "agents": category("Internal runbooks", position=2),
        "draft": category("Coming soon", position=3),
        "empty": category("Empty shelf", position=4),
    }
    article("Pay an invoice", category=sections["public"])
    article(
        "Your priority line",
        category=sections["customers"],
        visibility=Visibility.CUSTOMERS,
    )
    article(
        "Escalate a P1 outage",
        category=sections["agents"],
        visibility=Visibility.AGENTS,
    )
    article("New pricing", category=sections["draft"], status=Article.Status.DRAFT)
    return sections


# --- Categories: each audience sees the sections it can read -----------------


def test_each_audience_lists_only_the_sections_it_can_read(
    sections, api_as, customer, agent
):
    visitor = names(Client().get(f"{API}/knowledge/categories"))
    signed_in = names(api_as(customer).get("/knowledge/categories"))
    by_agent = api_as(agent).get("/knowledge/categories").json()

    assert visitor == ["Billing"]
    assert signed_in == ["Billing", "VIP customers"]
    # Agents see every section, empty ones too, to edit them; the counts
    # stay those of published articles.
    assert [(row["name"], row["article_count"]) for row in by_agent] == [
        ("Billing", 1),
        ("VIP customers", 1),
        ("Internal runbooks", 1),
        ("Coming soon", 0),
        ("Empty shelf", 0),
    ]


def test_a_section_one_cannot_read_is_a_404_by_slug_and_by_id(
    sections, api_as, customer, agent
):
    visitor = Client()
    reader = api_as(customer)
    editor = api_as(agent)
    for key in ("customers", "agents", "draft", "empty"):
        section = sections[key]
        for lookup in (section.slug, str(section.pk)):
            path = f"/knowledge/categories/{lookup}"
            assert visitor.get(f"{API}{path}").status_code == 404, (key, lookup)
            expected = 200 if key == "customers" else 404
            assert reader.get(path).status_code == expected, (key, lookup)
            assert editor.get(path).status_code == 200, (key, lookup)
    billing = visitor.get(f"{API}/knowledge/categories/billing")
    assert billing.status_code == 200
    assert billing.json()["article_count"] == 1


def test_an_agent_still_edits_and_deletes_an_empty_section(sections, api_as, agent):
    editor = api_as(agent)
    empty = sections["empty"]

    renamed = editor.patch(f"/knowledge/categories/{empty.slug}", {"name": "Shelf"})
    deleted = editor.delete(f"/knowledge/categories/{empty.pk}")

    assert renamed.status_code == 200 and renamed.json()["name"] == "Shelf"
    assert deleted.status_code == 204
    assert not ArticleCategory.objects.filter(pk=empty.pk).exists()


def test_getting_a_category_keeps_a_constant_number_of_queries(
    db, django_assert_max_num_queries
):
    billing = category("Billing")
    article("Pay an invoice", category=billing)
    visitor = Client()
    with django_assert_max_num_queries(3):
        assert visitor.get(f"{API}/knowledge/categories/billing").status_code == 200
    for index in range(20):
        article(f"Entry {index}", category=category(f"Section {index}"))
        article(f"Invoice {index}", category=billing)
    with django_assert_max_num_queries(3):
        response = visitor.get(f"{API}/knowledge/categories/{billing.pk}")
    assert response.json()["article_count"] == 21


# --- Chat sessions when anonymous chat is off --------------------------------


def _post(client, path, payload=None):
    return client.post(f"{API}{path}", payload or {}, content_type="application/json")


def test_anonymous_chat_off_refuses_every_session_endpoint_with_a_403(
    settings, django_capture_on_commit_callbacks
):
    article("Pay an invoice")
    visitor = Client()
    token = _post(visitor, "/chatbot/sessions").json()["token"]  # made while on
    _post(visitor, f"/chatbot/sessions/{token}/messages", {"text": "pay invoice"})
    settings.KNOWLEDGE_CHAT_ANONYMOUS = False

    with django_capture_on_commit_callbacks(execute=True):
        refused = [
            _post(visitor, "/chatbot/sessions"),
            visitor.get(f"{API}/chatbot/sessions/{token}"),
            _post(visitor, f"/chatbot/sessions/{token}/messages", {"text": "pay"}),
            _post(visitor, f"/chatbot/sessions/{token}/feedback", {"helpful": True}),
            _post(
                visitor,
                f"/chatbot/sessions/{token}/handover",
                {"email": "visitor@example.com"},
            ),
        ]

    for response in refused:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "sign_in_to_chat"
    assert ChatConversation.objects.count() == 1
    assert ChatConversation.objects.get().ticket_id is None
    assert mail.outbox == []


def test_anonymous_chat_off_keeps_ask_open_and_signed_in_sessions(
    settings, api_as, customer
):
    settings.KNOWLEDGE_CHAT_ANONYMOUS = False
    article("Pay an invoice")

    asked = _post(Client(), "/chatbot/ask", {"question": "pay an invoice"})
    started = api_as(customer).post("/chatbot/sessions")

    assert asked.status_code == 200
    assert asked.json()["articles"][0]["title"] == "Pay an invoice"
    assert started.status_code == 201


# --- NUL characters: a 400 or a 404, never a 500 -----------------------------


@pytest.fixture
def nul_client():
    return Client(raise_request_exception=False)


def test_nul_in_article_list_parameters_is_a_400(db, api_as, agent):
    article("Pay an invoice")
    editor = api_as(agent)
    editor.client.raise_request_exception = False
    visitor = Client(raise_request_exception=False)
    for params in (
        {"q": "pay\x00"},
        {"q": "pay\x00", "status": "all"},
        {"category": "billing\x00"},
        {"language": "e\x00"},
    ):
        assert visitor.get(f"{API}/knowledge/articles", params).status_code == 400
        assert editor.get("/knowledge/articles", params).status_code == 400, params


def test_nul_in_an_article_or_category_path_is_a_404(db, api_as, agent):
    written = article("Pay an invoice", category=category("Billing"))
    editor = api_as(agent)
    editor.client.raise_request_exception = False
    for raw in (f"{written.slug}%00", f"{written.pk}%00", "%00"):
        for kind in ("articles", "categories"):
            path = f"/knowledge/{kind}/{raw}"
            assert editor.get(path).status_code == 404, path
            assert editor.patch(path, {"title": "X", "name": "X"}).status_code == 404
            assert editor.delete(path).status_code == 404, path
    assert Article.objects.filter(pk=written.pk).exists()


@pytest.mark.parametrize(
    "field", ["title", "body", "slug", "language", "status", "visibility"]
)
def test_nul_in_an_article_written_is_a_400(db, api_as, agent, field):
    editor = api_as(agent)
    editor.client.raise_request_exception = False
    written = article("Pay an invoice")
    fields = {"title": "Refunds", "body": "How to.", "slug": "refunds"}
    fields[field] = fields.get(field, "en") + "\x00"

    created = editor.post("/knowledge/articles", fields)
    patched = editor.patch(f"/knowledge/articles/{written.pk}", {field: "x\x00"})

    assert created.status_code == 400
    assert patched.status_code == 400
    assert not Article.objects.filter(title="Refunds").exists()


def test_nul_in_an_article_category_id_is_a_400(db, api_as, agent):
    editor = api_as(agent)
    editor.client.raise_request_exception = False
    created = editor.post(
        "/knowledge/articles", {"title": "T", "body": "b", "category_id": "1\x00"}
    )
    assert created.status_code == 400


@pytest.mark.parametrize("field", ["name", "description", "slug"])
def test_nul_in_a_category_written_is_a_400(db, api_as, agent, field):
    editor = api_as(agent)
    editor.client.raise_request_exception = False
    billing = category("Billing")

    created = editor.post("/knowledge/categories", {"name": "Shop", field: "a\x00"})
    patched = editor.patch(f"/knowledge/categories/{billing.pk}", {field: "a\x00"})

    assert created.status_code == 400
    assert patched.status_code == 400
    assert list(ArticleCategory.objects.values_list("name", flat=True)) == ["Billing"]


def test_nul_in_a_chat_token_or_question_is_never_a_500(nul_client):
    token = _post(nul_client, "/chatbot/sessions").json()["token"]
    session = f"/chatbot/sessions/{token}%00"
    assert nul_client.get(f"{API}{session}").status_code == 404
    for path, payload in (
        ("/messages", {"text": "pay"}),
        ("/feedback", {"helpful": True}),
        ("/handover", {"email": "visitor@example.com"}),
    ):
        assert _post(nul_client, f"{session}{path}", payload).status_code == 404
    asked = _post(nul_client, "/chatbot/ask", {"question": "pay\x00"})
    said = _post(nul_client, f"/chatbot/sessions/{token}/messages", {"text": "pay\x00"})
    assert asked.status_code == 400 and said.status_code == 400
    assert asked.json()["errors"] == {"question": ["NUL characters are not allowed."]}
    assert said.json()["errors"] == {"text": ["NUL characters are not allowed."]}


def test_nul_in_suggestion_and_agent_searches_is_refused(
    db, customer, agent, nul_client, verify
):
    target = article("Pay an invoice")
    nul_client.force_login(customer)
    suggested = nul_client.get(
        reverse("knowledge:new_ticket_suggestions"), {"subject": "pay\x00invoice"}
    )
    opened = nul_client.get(
        reverse("knowledge:suggestion_open", args=[target.pk])
        + "?q="
        + quote("pay\x00 an invoice")
    )
    nul_client.force_login(agent)
    verify(nul_client, agent)
    searched = nul_client.get(reverse("knowledge:agent_search"), {"q": "pay\x00"})

    for response, name in ((suggested, "subject"), (opened, "q"), (searched, "q")):
        assert response.status_code == 400
        assert (
            f"The query parameter {name} contains a NUL character"
            in response.content.decode()
        )
    assert not SuggestionOpen.objects.exists()
