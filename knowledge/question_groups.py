"""Group the questions the chatbot could not answer by similarity, so the team
sees which articles to write.

The method is simple and deterministic (the same questions always give the
same groups):

1. Each question becomes a set of words: lower-cased, split on anything that
   is not a letter or digit, English stop words dropped, then stemmed with
   the Snowball English stemmer when PyStemmer is installed, else only a
   plural ``s`` folded ("invoices" -> "invoice").
2. Questions are taken newest first. Each joins the existing group whose
   *first* question's word set is most similar to its own, if that Jaccard
   similarity (shared words / all words) is at least ``THRESHOLD`` (0.5);
   otherwise it starts a new group. Comparing with the first question only,
   never with the growing group, keeps a group from drifting from topic to
   topic. Questions without any word left ("???") group by their exact text.
3. Groups are listed biggest first, then most recently asked first. A group
   is represented by its most frequent wording (case and spacing folded; ties
   go to the most recent), shows a few other wordings, and names the article
   the bot offered most often for it (a sign the article exists but misses).
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache

THRESHOLD = 0.5
EXAMPLES = 3
# Distinct wordings a group keeps for teaching an article (the "Teach" form).
WORDINGS = 20

WORD = re.compile(r"[^\W_]+")
_STOP_WORDS_TEXT = """
    a about after again all am an and any are as at be been before being
    but by can could did do does doing for from get got had has have having
    he her here hers him his how i if in into is it its just me my myself
    no nor not now of off on once only or other our ours out over own please
    same she should so some such than that the their them then there these
    they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@cache
def _stemmer():
    """PyStemmer's English stemmer, or None when it is not installed."""
    try:
        import Stemmer
    except ImportError:
        return None
    return Stemmer.Stemmer("english")


def _fold_plural(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=4096)
def question_tokens(text: str) -> frozenset[str]:
    """The question's words for comparison: lower-cased, stop words dropped,
    stemmed (see the module's docstring); empty when nothing is left."""
    words = [word for word in WORD.findall(text.lower()) if word not in STOP_WORDS]
    stemmer = _stemmer()
    if stemmer is not None:
        return frozenset(stemmer.stemWords(words))
    return frozenset(_fold_plural(word) for word in words)


def jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    """Shared words over all words, 0 to 1 (0 for two empty sets)."""
    if not left and not right:
        return 0.0
    return len(left & right) / len(left | right)


@dataclass(frozen=True)
class UnansweredQuestion:
    """One question the bot did not answer: its text, when it was asked, and
    the title of the article the bot offered ("" for none)."""

    text: str
    asked_at: datetime
    article_title: str = ""


@dataclass
class QuestionGroup:
    """Similar unanswered questions: ``size`` of them, the ``representative``
    wording, up to ``EXAMPLES`` other ``examples`` (newest first), the
    ``closest_article`` the bot offered most ("" for none), ``last_asked``,
    and ``wordings``: the representative then up to ``WORDINGS`` - 1 other
    distinct wordings, newest first (what "Teach" offers as phrasings)."""

    size: int
    representative: str
    examples: list[str]
    closest_article: str
    last_asked: datetime
    wordings: list[str] = field(default_factory=list)


@dataclass
class _Building:
    seed: frozenset[str]
    order: int
    questions: list[UnansweredQuestion] = field(default_factory=list)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _finish(building: _Building, examples: int) -> QuestionGroup:
    questions = building.questions  # newest first
    wordings = Counter(_folded(question.text) for question in questions)
    first_seen: dict[str, str] = {}
    for question in questions:
        first_seen.setdefault(_folded(question.text), question.text.strip())
    # Counter.most_common keeps first-seen order among ties: the newest wins.
    top = wordings.most_common(1)[0][0]
    articles = Counter(q.article_title for q in questions if q.article_title)
    others = [text for key, text in first_seen.items() if key != top]
    return QuestionGroup(
        size=len(questions),
        representative=first_seen[top],
        examples=others[:examples],
        closest_article=articles.most_common(1)[0][0] if articles else "",
        last_asked=max(question.asked_at for question in questions),
        wordings=[first_seen[top], *others][:WORDINGS],
    )


def group_questions(
    questions: Sequence[UnansweredQuestion],
    *,
    threshold: float = THRESHOLD,
    examples: int = EXAMPLES,
) -> list[QuestionGroup]:
    """Group ``questions`` (newest first) by similarity; biggest group first.

    Cost: each question is compared only with the groups whose first
    question shares a word with it (an inverted index), so a few thousand
    questions group in well under a second.
    """
    groups: list[_Building] = []
    by_word: dict[str, list[int]] = {}
    by_text: dict[str, int] = {}
    for question in questions:
        tokens = question_tokens(question.text)
        if not tokens:
            key = _folded(question.text)
            if key not in by_text:
                by_text[key] = len(groups)
                groups.append(_Building(seed=tokens, order=len(groups)))
            groups[by_text[key]].questions.append(question)
            continue
        candidates = sorted(
            {index for word in tokens for index in by_word.get(word, ())}
        )
        best, best_score = None, threshold
        for index in candidates:
            score = jaccard(tokens, groups[index].seed)
            if score > best_score or (score == best_score and best is None):
                best, best_score = index, score
        if best is None:
            best = len(groups)
            groups.append(_Building(seed=tokens, order=best))
            for word in tokens:
                by_word.setdefault(word, []).append(best)
        groups[best].questions.append(question)
    finished = [(_finish(group, examples), group.order) for group in groups]
    finished.sort(
        key=lambda pair: (-pair[0].size, -pair[0].last_asked.timestamp(), pair[1])
    )
    return [group for group, _order in finished]
