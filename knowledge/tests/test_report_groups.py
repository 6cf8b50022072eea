"""Grouping the questions the chatbot could not answer by similarity."""

from datetime import UTC, datetime, timedelta

from knowledge import question_groups
from knowledge.question_groups import (
    UnansweredQuestion,
    group_questions,
    jaccard,
    question_tokens,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def asked(*texts: str, article: str = "") -> list[UnansweredQuestion]:
    """Questions newest first, a minute apart."""
    return [
        UnansweredQuestion(
            text=text, asked_at=NOW - timedelta(minutes=n), article_title=article
        )
        for n, text in enumerate(texts)
    ]


def test_tokens_drop_case_punctuation_and_stop_words():
    assert question_tokens("How do I RESET my password?!") == {"reset", "password"}
    assert question_tokens("   ") == frozenset()


def test_plural_and_singular_meet_without_a_stemmer(monkeypatch):
    monkeypatch.setattr(question_groups, "_stemmer", lambda: None)
    question_groups.question_tokens.cache_clear()
    try:
        assert question_tokens("invoices") == question_tokens("invoice")
        assert question_tokens("address") == {"address"}
    finally:
        question_groups.question_tokens.cache_clear()


def test_jaccard():
    assert jaccard(frozenset("ab"), frozenset("ab")) == 1.0
    assert jaccard(frozenset("ab"), frozenset("bc")) == 1 / 3
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_similar_questions_share_a_group_biggest_first():
    groups = group_questions(
        asked(
            "Where is my invoice?",
            "How do I reset my password?",
            "reset password",
            "Password reset please",
            "invoice missing",
            "Can I pay by cheque?",
        )
    )

    assert [group.size for group in groups] == [3, 2, 1]
    password, invoice, cheque = groups
    assert password.representative == "How do I reset my password?"
    assert password.examples == ["reset password", "Password reset please"]
    assert invoice.representative == "Where is my invoice?"
    assert cheque.representative == "Can I pay by cheque?"


def test_the_most_asked_wording_represents_its_group():
    groups = group_questions(
        asked("reset password now", "Reset password", "reset  PASSWORD", "reset pw")
    )
    password = groups[0]
    assert password.size == 3
    assert password.representative == "Reset password"
    assert password.examples == ["reset password now"]


def test_a_group_is_compared_with_its_first_question_so_it_never_drifts():
    groups = group_questions(asked("alpha beta", "beta gamma", "gamma delta"))
    # "beta gamma" shares 1 of 3 words with "alpha beta": below 0.5.
    assert [group.size for group in groups] == [1, 1, 1]


def test_questions_without_words_group_by_their_text():
    groups = group_questions(asked("???", "???", "!!"))
    assert [(group.representative, group.size) for group in groups] == [
        ("???", 2),
        ("!!", 1),
    ]


def test_the_closest_article_is_the_one_most_offered_in_the_group():
    questions = [
        *asked("refund status", article="Refunds"),
        *asked("refund status?", article="Refunds"),
        *asked("refund status!", article="Returns"),
        *asked("refund status.", article=""),
    ]
    (group,) = group_questions(questions)
    assert group.closest_article == "Refunds"
    assert group.size == 4


def test_grouping_is_deterministic():
    texts = [f"question {n % 7} about thing {n % 3}" for n in range(60)]
    first = group_questions(asked(*texts))
    second = group_questions(asked(*texts))
    assert first == second
    assert sum(group.size for group in first) == 60
