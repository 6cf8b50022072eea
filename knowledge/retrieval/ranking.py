"""One in-memory index of articles: BM25 per language, optionally blended
with sentence-embedding similarity, scored as a calibrated confidence.

``Retriever(documents, encoder=None).search(query, language=..., limit=...)``
→ ``[Match(id, score), ...]`` best first. Pure Python and numpy: it knows no
Django; ``knowledge.search`` builds one per audience from the database.

Scores. BM25 alone gives each article the share of the query it matches
(``LexicalIndex.confidences``, 0..1). With an encoder, that share is blended
with the cosine similarity of the query's and the article's embeddings:
``SEMANTIC_WEIGHT * cosine + (1 - SEMANTIC_WEIGHT) * share``. Either raw
value is then mapped piecewise-linearly so that the mode's *knee* (the raw
value that best separates right answers from off-topic questions on the
benchmark, ``bench/retrieval.py``) lands on 0.5: 0..knee → 0..0.5 and
knee..1 → 0.5..1. So one threshold (``CONFIDENT``) means the same in both
modes, and callers can show the score as a percentage.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .lexical import LexicalIndex, Passage
from .semantic import Encoder
from .text import normalize_language

# The calibrated score at and above which the best match is offered as the
# answer rather than as a guess.
CONFIDENT = 0.5
# Raw values mapped to CONFIDENT, chosen on the benchmark (bench/retrieval.py,
# 100 FAQ articles and 600 paraphrased questions among 1,000 articles, 50
# off-topic questions): the lowest knee at which no off-topic question is
# answered, raised a step for a margin. BM25 at 0.35: 23 % of the questions
# answered confidently and right, 14 % confidently and wrong, 0 % of the
# off-topic ones. With embeddings at 0.40: 50 % right, 18 % wrong, 0 %.
LEXICAL_KNEE = 0.35
SEMANTIC_KNEE = 0.40
# Share of the cosine in the blend; 0.5 to 0.8 rank within a point of each
# other on the benchmark, embeddings alone 3 points worse, BM25 alone 23.
SEMANTIC_WEIGHT = 0.6
# A match is returned only if BM25 found one of its terms or, with an
# encoder, its cosine reaches this: below, embeddings of unrelated texts.
SEMANTIC_FLOOR = 0.30


@dataclass(frozen=True)
class Document:
    """An article as the index sees it. ``vectors``: its passages'
    unit-length embeddings, shape (passages, dim), from
    ``Encoder.encode_documents``; an article without them is found by BM25
    alone. ``phrasings``: other questions the article answers ("also asked
    as", ``Article.phrasings``); BM25 reads them with the title and body
    (``lexical.PHRASING_WEIGHT``) and the encoder makes each a passage of
    its own, so a question worded like one
    of them finds the article even when it shares no word with the text."""

    id: str
    title: str
    body: str
    language: str = "en"
    vectors: np.ndarray | None = None
    phrasings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """A document found: its id and calibrated score (0..1, see module)."""

    id: str
    score: float


def calibrate(raw: np.ndarray, knee: float) -> np.ndarray:
    """Map raw 0..1 values so that ``knee`` lands on ``CONFIDENT`` (0.5)."""
    raw = np.clip(raw, 0.0, 1.0)
    below = raw / knee * CONFIDENT
    above = CONFIDENT + (raw - knee) / (1.0 - knee) * (1.0 - CONFIDENT)
    return np.where(raw < knee, below, above)


class Retriever:
    """The articles of one audience, ready to search. Immutable once built,
    so any number of threads may search it at once."""

    def __init__(
        self,
        documents: Sequence[Document],
        encoder: Encoder | None = None,
        *,
        semantic_weight: float = SEMANTIC_WEIGHT,
        knee: float | None = None,
    ) -> None:
        self.documents = list(documents)
        self.encoder = encoder
        self.semantic_weight = semantic_weight
        if knee is None:
            knee = SEMANTIC_KNEE if encoder is not None else LEXICAL_KNEE
        self.knee = knee
        self.size = len(self.documents)
        self._position = {doc.id: i for i, doc in enumerate(self.documents)}
        self.languages = np.array(
            [normalize_language(doc.language) for doc in self.documents]
        )
        self._groups: list[tuple[np.ndarray, LexicalIndex]] = []
        for language in dict.fromkeys(self.languages.tolist()):
            positions = np.flatnonzero(self.languages == language)
            passages = [
                Passage(
                    self.documents[i].title,
                    self.documents[i].body,
                    tuple(self.documents[i].phrasings),
                )
                for i in positions
            ]
            self._groups.append((positions, LexicalIndex(passages, language)))
        self._matrix = None
        if encoder is not None and self.size:
            blocks, owners = [], []
            for i, doc in enumerate(self.documents):
                if doc.vectors is None or not doc.vectors.size:
                    continue
                vectors = np.asarray(doc.vectors, dtype=np.float32)
                vectors = vectors.reshape(-1, vectors.shape[-1])
                if vectors.shape[1] == encoder.dimension:
                    blocks.append(vectors)
                    owners.append(np.full(len(vectors), i))
            self._matrix = (
                np.concatenate(blocks)
                if blocks
                else np.zeros((0, encoder.dimension), dtype=np.float32)
            )
            self._owners = (
                np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
            )

    @property
    def semantic(self) -> bool:
        return self._matrix is not None

    def raw_scores(self, query: str) -> tuple[np.ndarray, np.ndarray | None]:
        """Each document's lexical share (0..1) and, with an encoder, its
        cosine with the query (-1..1; None without)."""
        lexical = np.zeros(self.size, dtype=np.float32)
        for positions, index in self._groups:
            lexical[positions] = index.confidences(query)
        cosine = None
        if self._matrix is not None:
            # Each document's best passage; -1 for one without vectors.
            cosine = np.full(self.size, -1.0, dtype=np.float32)
            if len(self._matrix):
                similarities = self._matrix @ self.encoder.encode([query])[0]
                np.maximum.at(cosine, self._owners, similarities)
        return lexical, cosine

    def blend(
        self, lexical: np.ndarray, cosine: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw scores (0..1, before calibration) from ``raw_scores``'s two
        arrays, and whether each document matched at all."""
        if cosine is None:
            return lexical, lexical > 0
        blended = (
            self.semantic_weight * np.clip(cosine, 0.0, 1.0)
            + (1.0 - self.semantic_weight) * lexical
        )
        return blended, (lexical > 0) | (cosine >= SEMANTIC_FLOOR)

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated scores (0..1) and whether each document matched at all."""
        raw, matched = self.blend(*self.raw_scores(query))
        return calibrate(raw, self.knee), matched

    def search(
        self,
        query: str,
        *,
        language: str | None = None,
        limit: int = 10,
        exclude: Iterable[str] = (),
    ) -> list[Match]:
        """At most ``limit`` matches, best first, leaving out the ids in
        ``exclude``.

        With ``language``, articles in that language come first when the best
        of them is confident; otherwise (or with no article in it) all
        languages are ranked together, so a reader whose language has no
        answer still gets one in another.
        """
        if not query.strip() or not self.size or limit <= 0:
            return []
        scores, matched = self.scores(query)
        for doc_id in exclude:
            position = self._position.get(str(doc_id))
            if position is not None:
                matched[position] = False
        candidates = np.flatnonzero(matched)
        if not len(candidates):
            return []
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        preferred = normalize_language(language)
        if preferred:
            mine = order[self.languages[order] == preferred]
            if len(mine) and scores[mine[0]] >= CONFIDENT:
                order = np.concatenate(
                    [mine, order[self.languages[order] != preferred]]
                )
        return [
            Match(self.documents[i].id, round(float(scores[i]), 4))
            for i in order[:limit]
        ]
