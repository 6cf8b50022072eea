"""The retrieval package on its own (no database): terms per language, BM25
ranking of paraphrased questions, the confidence scale, language preference."""

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge.retrieval import Document, Retriever, vector_from_text, vector_to_text
from knowledge.retrieval.ranking import CONFIDENT, calibrate
from knowledge.retrieval.semantic import embedding_key, resolve_model
from knowledge.retrieval.text import analyzer_for

SAMPLE = Path(__file__).resolve().parents[2] / "bench" / "data" / "faq_sample.json"


@pytest.fixture(scope="module")
def faq():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    documents = [
        Document(id=a["id"], title=a["title"], body=a["body"]) for a in data["articles"]
    ]
    by_title = {a["title"]: a["id"] for a in data["articles"]}
    return Retriever(documents), by_title


def test_english_drops_stop_words_and_stems():
    terms = analyzer_for("en").terms("How do I reset my passwords? I don't know!")
    assert terms == ["reset", "password", "know"]


def test_english_keeps_the_words_that_tell_sign_in_from_sign_out():
    assert analyzer_for("en").terms("sign out") == ["sign", "out"]


def test_german_drops_its_stop_words_and_stems():
    analyzer = analyzer_for("de-AT")
    assert analyzer.terms("Wie kann ich meine Rechnungen herunterladen?") == (
        analyzer.terms("Rechnung herunterladen")
    )
    assert "ich" not in analyzer.terms("ich")


def test_french_splits_elisions_and_stems():
    analyzer = analyzer_for("fr")
    assert analyzer.terms("Comment changer l'adresse de mes factures ?") == (
        analyzer.terms("changement adresse facture")
    )


def test_an_unknown_language_keeps_words_whole():
    assert analyzer_for("xx").terms("Passwords the resetting") == [
        "passwords",
        "the",
        "resetting",
    ]


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("I forgot my password, what now?", "How do I reset my password?"),
        ("where can I get a PDF of my bill", "How do I download an invoice?"),
        ("can I pay with PayPal", "Which payment methods do you accept?"),
        ("maximum attachment size", "How do I attach a file to a ticket?"),
        ("too many login attempts", "Why was my account locked?"),
        ("is my information kept in the EU", "Where is my data stored?"),
        ("receive notifications in German", "How do I change the language of emails?"),
    ],
)
def test_paraphrased_questions_find_their_article(faq, question, title):
    retriever, by_title = faq
    matches = retriever.search(question, limit=3)
    assert matches[0].id == by_title[title]


def test_scores_are_between_zero_and_one_best_first(faq):
    retriever, _ = faq
    matches = retriever.search("reset password sign in locked account", limit=10)
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather in Paris",
        "how do I bake sourdough bread",
        "who won the world cup",
        "asdf qwerty",
    ],
)
def test_off_topic_questions_are_not_confident(faq, question):
    retriever, _ = faq
    matches = retriever.search(question, limit=3)
    assert not matches or matches[0].score < CONFIDENT


def test_a_question_in_the_articles_words_is_confident(faq):
    retriever, by_title = faq
    matches = retriever.search("how to reset a forgotten password", limit=3)
    assert matches[0].id == by_title["How do I reset my password?"]
    assert matches[0].score >= CONFIDENT


def test_one_matching_word_in_a_long_question_is_not_confident(faq):
    retriever, _ = faq
    matches = retriever.search(
        "my neighbour's dog barks all night and the landlord ignores my invoice",
        limit=3,
    )
    assert matches and matches[0].score < CONFIDENT


def test_excluded_ids_are_left_out(faq):
    retriever, by_title = faq
    best = by_title["How do I reset my password?"]
    matches = retriever.search("reset password", exclude=[best])
    assert best not in [m.id for m in matches]


def test_a_question_that_is_a_whole_title_finds_that_article_first():
    """A short article whose longer title merely holds the words would win on
    BM25's length normalisation alone."""
    retriever = Retriever(
        [
            Document(
                "web",
                "Reset your password",
                "Forgot your password? Open the sign-in page and choose Forgot "
                "password. We email you a link that works for one hour. Follow "
                "it and choose a new password. Still stuck? Talk to us.",
            ),
            Document(
                "app",
                "Reset your password on the mobile app",
                "In the app, open Profile, then Security. Tap Reset password.",
            ),
        ]
    )
    assert [m.id for m in retriever.search("reset your password")] == ["web", "app"]
    assert retriever.search("reset password in the app")[0].id == "app"


def test_the_readers_language_comes_first_when_it_has_an_answer():
    retriever = Retriever(
        [
            Document("en", "How do I reset my password?", "Use the link.", "en"),
            Document("de", "Wie setze ich mein Passwort zurück?", "Link.", "de"),
        ]
    )
    assert retriever.search("Passwort zurücksetzen", language="de")[0].id == "de"
    assert retriever.search("reset password", language="en")[0].id == "en"
    # Nothing in German answers it: the English article still does.
    assert retriever.search("reset password", language="de")[0].id == "en"


def test_an_empty_index_or_query_finds_nothing():
    assert Retriever([]).search("anything") == []
    assert Retriever([Document("1", "Title", "Body")]).search("   ") == []


def test_calibration_puts_the_knee_on_the_threshold():
    values = calibrate(np.array([0.0, 0.3, 1.0]), 0.3)
    assert values.tolist() == pytest.approx([0.0, CONFIDENT, 1.0])


def test_vectors_survive_the_trip_through_text():
    vector = np.array([0.25, -1.5, 3.0], dtype=np.float32)
    assert vector_from_text(vector_to_text(vector)).tolist() == vector.tolist()
    assert vector_from_text("") is None
    assert vector_from_text("not base64!") is None


def test_the_embedding_key_changes_with_the_model_and_the_text():
    key = embedding_key("model-a", "text")
    assert len(key) == 64
    assert key != embedding_key("model-b", "text")
    assert key != embedding_key("model-a", "text!")


def test_semantic_off_means_no_model():
    assert resolve_model("off") is None
    assert resolve_model("") is None
