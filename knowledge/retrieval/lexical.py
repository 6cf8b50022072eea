"""BM25 over one language's articles (bm25s), with a confidence in 0..1.

A raw BM25 score grows with the length of the query and the rarity of its
words, so the same number means "a perfect match" for one question and "one
word in common" for another: it cannot be compared with a fixed threshold.
``LexicalIndex.confidences`` divides each article's score by the query's
*ceiling*: the score an article would get if it held every term of the query
with a saturated frequency, i.e. the sum of the terms' IDF (bm25s's Lucene
variant bounds each term's contribution by its IDF). Terms the index has never
seen count in the ceiling with the IDF of a word in no article, so a question
about the weather in Paris that shares one common word with an article gets a
small fraction, not a high score. The ratio is the share of the question's
information an article matches: 0 for nothing, close to 1 for all of it,
comparable across queries.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from .text import analyzer_for

# The title is what a FAQ entry is about: its words count this many times.
TITLE_WEIGHT = 3
# Each phrasing ("also asked as": a question customers asked that the
# article answers) counts this many times. On the benchmark's taught run (2
# phrasings per article, 400 held-out questions, 1,000 articles) a phrasing
# weighted like the title lowered P@1 from 0.443 (cold) to 0.432: its words
# lengthen the article and dilute the title's; weighted 1, P@1 0.443 and MRR
# 0.556 (cold 0.545). Each phrasing as a BM25 passage of its own (best of
# article and phrasings) gave no more (0.445 / 0.557) for more machinery.
PHRASING_WEIGHT = 1
# A question that holds a whole title ("reset your password" and the article
# "Reset your password") names that article: up to this much is added to its
# confidence, in proportion to the share of the title's terms the question
# holds times the share of the question's terms the title holds. Without it,
# BM25's length normalisation lets a short article whose longer title merely
# contains those words ("Reset your password on the mobile app") win.
TITLE_MATCH_BONUS = 0.15
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Passage:
    """The text of one article the lexical index reads: ``phrasings`` are
    other questions it answers (``PHRASING_WEIGHT``)."""

    title: str
    body: str
    phrasings: tuple[str, ...] = ()


class LexicalIndex:
    """BM25 over ``passages`` (in the order given) in one ``language``.

    ``confidences(query)`` → a float32 array, one value in 0..1 per passage.
    """

    def __init__(self, passages: Sequence[Passage], language: str) -> None:
        self.analyzer = analyzer_for(language)
        self.size = len(passages)
        corpus = [
            self.analyzer.terms(p.title) * TITLE_WEIGHT
            + [
                term
                for line in p.phrasings
                for term in self.analyzer.terms(line) * PHRASING_WEIGHT
            ]
            + self.analyzer.terms(p.body)
            for p in passages
        ]
        self._titles = [frozenset(self.analyzer.terms(p.title)) for p in passages]
        self._document_frequency: dict[str, int] = {}
        for terms in corpus:
            for term in set(terms):
                self._document_frequency[term] = (
                    self._document_frequency.get(term, 0) + 1
                )
        self._bm25 = None
        if self._document_frequency:
            self._bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
            self._bm25.index(corpus, show_progress=False)

    def idf(self, term: str) -> float:
        """Lucene's IDF, as bm25s computes it; an unseen term gets the
        highest (that of a term in no passage)."""
        df = self._document_frequency.get(term, 0)
        return float(np.log(1 + (self.size - df + 0.5) / (df + 0.5)))

    def query_terms(self, query: str) -> list[str]:
        """The query's distinct terms, in order."""
        return list(dict.fromkeys(self.analyzer.terms(query)))

    def confidences(self, query: str) -> np.ndarray:
        """Each passage's BM25 score over the query's ceiling (see module)."""
        scores = np.zeros(self.size, dtype=np.float32)
        terms = self.query_terms(query)
        if not terms or self._bm25 is None:
            return scores
        known = [t for t in terms if t in self._document_frequency]
        if known:
            scores = self._bm25.get_scores(known)
        ceiling = sum(self.idf(t) for t in terms)
        scores = scores / ceiling + TITLE_MATCH_BONUS * self._title_match(terms)
        return np.clip(scores, 0.0, 1.0).astype(np.float32)

    def _title_match(self, terms: list[str]) -> np.ndarray:
        """Per passage: the share of its title's terms in the query times the
        share of the query's terms in its title (1: the query is the title)."""
        asked = set(terms)
        match = np.zeros(self.size, dtype=np.float32)
        for i, title in enumerate(self._titles):
            if title:
                common = len(title & asked)
                if common:
                    match[i] = (common / len(title)) * (common / len(asked))
        return match
