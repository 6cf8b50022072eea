"""knowledge.search against the database: the index follows every article
change in this and other processes, and never shows an article to a reader
who may not read it."""

import pytest
from django.db.models import F

from accounts.tests.factories import UserFactory
from knowledge import search
from knowledge.models import Article, IndexVersion
from knowledge.services import article_create, article_delete, article_update

pytestmark = pytest.mark.django_db

PUBLISHED = Article.Status.PUBLISHED


@pytest.fixture(autouse=True)
def _bm25_only(settings):
    settings.KNOWLEDGE_SEMANTIC_MODEL = "off"
    search.index_cache_clear()
    yield
    search.index_cache_clear()


def publish(title, body="", **fields):
    fields.setdefault("status", PUBLISHED)
    return article_create(
        title=title, body=body or f"About {title}.", actor=None, **fields
    )


def titles(hits):
    return [hit.article.title for hit in hits]


@pytest.fixture
def faq():
    return [
        publish(
            "How do I reset my password?",
            "Choose **Forgot password** on the sign-in page; we email a link.",
        ),
        publish(
            "How do I download an invoice?",
            "Invoices are under Billing. Click one to download its PDF.",
        ),
        publish(
            "Which payment methods do you accept?",
            "Credit cards, SEPA direct debit and bank transfer. Not PayPal.",
        ),
    ]


def test_a_paraphrase_finds_its_article(faq):
    hits = search.article_search(user=None, query="I forgot my password")
    assert titles(hits)[0] == "How do I reset my password?"
    assert search.is_confident(hits)


def test_an_off_topic_question_is_not_confident(faq):
    hits = search.article_search(user=None, query="what's the weather in Paris")
    assert not search.is_confident(hits)


def test_a_blank_query_finds_nothing(faq):
    assert search.article_search(user=None, query="   ") == []


def test_limit_and_exclude(faq):
    password = faq[0]
    hits = search.article_search(
        user=None, query="password invoice payment", limit=2, exclude=(password.pk,)
    )
    assert len(hits) <= 2
    assert password not in [hit.article for hit in hits]


def test_a_new_article_is_found_at_once(faq):
    search.article_search(user=None, query="refund")  # builds the index
    publish("Can I get a refund?", "Annual plans are refunded within 14 days.")
    hits = search.article_search(user=None, query="refund")
    assert titles(hits) == ["Can I get a refund?"]


def test_an_edit_is_found_at_once(faq):
    assert search.article_search(user=None, query="kangaroo") == []
    article_update(article=faq[1], actor=None, body="Our kangaroo brings invoices.")
    assert titles(search.article_search(user=None, query="kangaroo")) == [
        "How do I download an invoice?"
    ]


def test_publishing_a_draft_makes_it_findable(faq):
    draft = publish("How do I export my data?", status=Article.Status.DRAFT)
    assert search.article_search(user=None, query="export data") == []
    agent = UserFactory(agent=True)
    assert search.article_search(user=agent, query="export data") == []
    article_update(article=draft, actor=None, status=PUBLISHED)
    assert titles(search.article_search(user=None, query="export data")) == [
        "How do I export my data?"
    ]


def test_archiving_and_deleting_remove_it(faq):
    article_update(article=faq[0], actor=None, status=Article.Status.ARCHIVED)
    assert "How do I reset my password?" not in titles(
        search.article_search(user=None, query="reset password")
    )
    article_update(article=faq[0], actor=None, status=PUBLISHED)
    assert search.article_search(user=None, query="reset password")
    article_delete(article=faq[0], actor=None)
    assert search.article_search(user=None, query="reset password") == []


def test_a_change_made_by_another_process_is_seen(faq):
    """Another process wrote the row and moved the version: this process
    clears nothing, its next search rebuilds because the version moved."""
    assert search.article_search(user=None, query="kangaroo") == []
    Article.objects.filter(pk=faq[2].pk).update(title="Do you accept kangaroos?")
    IndexVersion.objects.filter(name="articles").update(version=F("version") + 1)
    assert titles(search.article_search(user=None, query="kangaroo")) == [
        "Do you accept kangaroos?"
    ]


def test_a_warm_search_costs_two_queries(faq, django_assert_max_num_queries):
    search.article_search(user=None, query="invoice")
    with django_assert_max_num_queries(2):
        hits = search.article_search(user=None, query="download my invoice")
    assert titles(hits)[0] == "How do I download an invoice?"


@pytest.fixture
def audiences():
    publish("Refund policy for everyone", visibility=Article.Visibility.PUBLIC)
    publish("Refund policy for customers", visibility=Article.Visibility.CUSTOMERS)
    publish("Refund policy for agents", visibility=Article.Visibility.AGENTS)
    publish("Refund policy draft", status=Article.Status.DRAFT)
    return {
        "anonymous": None,
        "customer": UserFactory(),
        "agent": UserFactory(agent=True),
        "admin": UserFactory(admin=True),
        "inactive agent": UserFactory(agent=True, inactive=True),
    }


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        ("anonymous", {"everyone"}),
        ("customer", {"everyone", "customers"}),
        ("agent", {"everyone", "customers", "agents"}),
        ("admin", {"everyone", "customers", "agents"}),
        ("inactive agent", {"everyone"}),
    ],
)
def test_each_reader_finds_only_what_they_may_read(audiences, reader, expected):
    hits = search.article_search(user=audiences[reader], query="refund policy")
    assert {title.rsplit(" ", 1)[1] for title in titles(hits)} == expected


def test_a_visibility_change_is_seen_at_once(audiences):
    customer = audiences["customer"]
    agents_only = Article.objects.get(title="Refund policy for agents")
    article_update(
        article=agents_only, actor=None, visibility=Article.Visibility.CUSTOMERS
    )
    assert "Refund policy for agents" in titles(
        search.article_search(user=customer, query="refund policy")
    )
    article_update(
        article=agents_only, actor=None, visibility=Article.Visibility.AGENTS
    )
    assert "Refund policy for agents" not in titles(
        search.article_search(user=customer, query="refund policy")
    )
    assert "Refund policy for agents" not in titles(
        search.article_search(user=None, query="refund policy")
    )


def test_even_a_stale_index_never_leaks(audiences):
    """A row made agents-only behind the services' back (no version bump):
    the index still holds it, but the articles found are read through the
    visibility rules again."""
    search.article_search(user=None, query="refund policy")
    Article.objects.filter(title="Refund policy for everyone").update(
        visibility=Article.Visibility.AGENTS
    )
    assert search.article_search(user=None, query="refund policy") == []


def test_related_articles_leave_out_the_article_and_what_the_reader_may_not_see(
    audiences,
):
    article = Article.objects.get(title="Refund policy for everyone")
    hits = search.related_articles(user=audiences["customer"], article=article)
    assert titles(hits) == ["Refund policy for customers"]


def test_the_readers_language_comes_first():
    publish("Wie setze ich mein Passwort zurück?", language="de")
    publish("How do I reset my password?", language="en")
    hits = search.article_search(
        user=None, query="Passwort zurücksetzen", language="de"
    )
    assert hits[0].article.title == "Wie setze ich mein Passwort zurück?"
    hits = search.article_search(user=None, query="reset my password", language="de")
    assert hits[0].article.title == "How do I reset my password?"


def test_a_model_path_that_does_not_load_falls_back_to_bm25(faq, settings, tmp_path):
    settings.KNOWLEDGE_SEMANTIC_MODEL = str(tmp_path)  # a folder, but no model
    hits = search.article_search(user=None, query="reset my password")
    assert titles(hits)[0] == "How do I reset my password?"


def test_a_model_path_that_does_not_exist_falls_back_to_bm25(faq, settings):
    settings.KNOWLEDGE_SEMANTIC_MODEL = "/nowhere/model"
    hits = search.article_search(user=None, query="reset my password")
    assert titles(hits)[0] == "How do I reset my password?"
