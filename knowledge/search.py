"""Search over the articles a reader may see: the one way in for the help
center, the new-ticket suggestions, the agents' search and the chatbot.

Each process keeps one in-memory index (``knowledge.retrieval.Retriever``) per
audience, the tuple ``visibilities_for(user)`` gives: anyone, signed-in
customers, agents. An audience's index holds only the published articles of
the visibilities it may read, so an agents-only article is never in the index
a customer or a visitor searches; the articles found are then loaded through
``article_list_visible_to(user)``, which checks status and visibility again.

Freshness: every article write moves ``IndexVersion`` (``knowledge.services``)
in its transaction. Before answering, a search reads that number (one small
query) and rebuilds its audience's index when it differs from the one the
index was built at. So a create, edit, publish, archive, delete or change of
visibility made by any web or worker process is seen by every process on its
next search, without a restart or a message between them. Rebuilds hold a
lock, so two threads never build the same index at once.

Phrasings: an article's "also asked as" lines (``Article.phrasings``) are
indexed with its title and body (``knowledge.retrieval.Document``); they only ever
raise the article in results and are never shown to a reader.

Semantic extra: with ``KNOWLEDGE_SEMANTIC_MODEL`` resolving to a model (see
``knowledge.retrieval.semantic.resolve_model``), a rebuild encodes the
articles whose text changed since their embedding was stored
(``Article.embedding_key``: a digest of the model and the text, phrasings
included) and stores the new vectors (one per passage:
``knowledge.retrieval.semantic``) with a queryset ``update()``, which leaves
the index version alone. The first search of a process loads the model (a
few seconds).
"""

import logging
import threading
from dataclasses import dataclass

from django.conf import settings

from accounts.models import User

from .models import Article
from .permissions import AGENTS, CUSTOMERS, PUBLIC, visibilities_for
from .retrieval import (
    CONFIDENT,
    Document,
    Encoder,
    Retriever,
    SemanticUnavailable,
    document_text,
    encoder_for,
    resolve_model,
    vector_from_text,
    vector_to_text,
)
from .selectors import article_list_visible_to
from .services import index_version_current

logger = logging.getLogger(__name__)

# Longer questions are cut: the first words say what they are about.
QUERY_MAX_CHARS = 1000
# Articles encoded per call to the model.
ENCODE_BATCH = 16


@dataclass(frozen=True)
class ArticleHit:
    """One article found, with its score: 0 to 1, higher is better, and
    comparable with ``CONFIDENT_SCORE`` across queries."""

    article: Article
    score: float


# A best hit scoring this or more is offered as the answer; below, the bot
# says it is not sure. Scores are calibrated on the benchmark so that this
# holds for BM25 alone and with the semantic extra (knowledge.retrieval.ranking).
CONFIDENT_SCORE = CONFIDENT


@dataclass(frozen=True)
class _Built:
    version: int
    retriever: Retriever


_indexes: dict[tuple, _Built] = {}
_lock = threading.Lock()
_warned: set[str] = set()


def index_cache_clear() -> None:
    """Forget this process's indexes (tests whose rolled-back database may
    reach the same version number again; the benchmark)."""
    with _lock:
        _indexes.clear()


def _encoder(setting: str) -> Encoder | None:
    """The model ``setting`` names, or None: BM25 alone. A model that cannot
    be loaded is logged once and searches go on with BM25 rather than fail."""
    try:
        path = resolve_model(setting)
        return encoder_for(path) if path is not None else None
    except SemanticUnavailable as exc:
        problem = str(exc)
    except Exception as exc:  # any loader error: fall back, do not fail
        problem = f"the model could not be loaded ({exc!r})"
    if setting not in _warned:
        _warned.add(setting)
        logger.warning("Semantic search is off: %s", problem)
    return None


def _documents(audience: tuple[str, ...], encoder: Encoder | None) -> list[Document]:
    """The published articles of ``audience`` (with their phrasings), with
    their vectors when there is an encoder (encoding and storing those that
    are missing or stale: the key covers title, body and phrasings)."""
    rows = [
        (pk, title, body, tuple(_lines(phrasings)), language, embedding, key)
        for pk, title, body, phrasings, language, embedding, key in (
            Article.objects.filter(
                status=Article.Status.PUBLISHED, visibility__in=audience
            ).values_list(
                "pk",
                "title",
                "body",
                "phrasings",
                "language",
                "embedding",
                "embedding_key",
            )
        )
    ]
    vectors: dict = {}
    if encoder is not None:
        stale = []
        for pk, title, body, phrasings, _language, embedding, key in rows:
            stored = vector_from_text(embedding)
            if (
                key == encoder.key(document_text(title, body, phrasings))
                and stored is not None
                and stored.size % encoder.dimension == 0
            ):
                vectors[pk] = stored.reshape(-1, encoder.dimension)
            else:
                stale.append((pk, title, body, phrasings))
        for start in range(0, len(stale), ENCODE_BATCH):
            batch = stale[start : start + ENCODE_BATCH]
            encoded = encoder.encode_documents([row[1:] for row in batch])
            for (pk, title, body, phrasings), passages in zip(
                batch, encoded, strict=True
            ):
                vectors[pk] = passages
                # update() on purpose: no service, no index version bump.
                Article.objects.filter(pk=pk).update(
                    embedding=vector_to_text(passages),
                    embedding_key=encoder.key(document_text(title, body, phrasings)),
                )
    return [
        Document(
            id=str(pk),
            title=title,
            body=body,
            language=language,
            vectors=vectors.get(pk),
            phrasings=phrasings,
        )
        for pk, title, body, phrasings, language, _embedding, _key in rows
    ]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _retriever_for(audience: tuple[str, ...]) -> Retriever:
    version = index_version_current()
    setting = str(settings.KNOWLEDGE_SEMANTIC_MODEL)
    key = (audience, setting)
    built = _indexes.get(key)
    if built is not None and built.version == version:
        return built.retriever
    with _lock:
        built = _indexes.get(key)
        if built is None or built.version != version:
            encoder = _encoder(setting)
            # Read after the version: a write in between makes the index newer
            # than its label, and the next search merely rebuilds it again.
            built = _Built(version, Retriever(_documents(audience, encoder), encoder))
            _indexes[key] = built
        return built.retriever


def index_warm() -> None:
    """Build the indexes of every audience now (and, with the semantic extra,
    encode and store every published article's embedding), so that the next
    searches do not pay for it: for imports and deployments."""
    for audience in (PUBLIC, CUSTOMERS, AGENTS):
        _retriever_for(audience)


def article_search(
    *,
    user: User | None,
    query: str,
    limit: int = 10,
    exclude: tuple = (),
    language: str | None = None,
) -> list[ArticleHit]:
    """Published articles ``user`` may read that answer ``query``, best first,
    at most ``limit``; ``exclude`` holds article ids to leave out.

    ``language`` (an ISO 639-1 code, e.g. the reader's) puts articles in that
    language first when the best of them is confident, and falls back to all
    languages otherwise. Scores are 0..1 (``CONFIDENT_SCORE`` and up: offer as
    the answer). Costs two queries (index version, articles found), more when
    an article changed since this process's last search (the rebuild).
    """
    query = query.strip()[:QUERY_MAX_CHARS]
    if not query or limit <= 0:
        return []
    retriever = _retriever_for(visibilities_for(user))
    matches = retriever.search(
        query,
        language=language,
        limit=limit,
        exclude=[str(pk) for pk in exclude],
    )
    if not matches:
        return []
    found = article_list_visible_to(user).filter(pk__in=[m.id for m in matches])
    articles = {str(article.pk): article for article in found}
    return [ArticleHit(articles[m.id], m.score) for m in matches if m.id in articles]


def related_articles(
    *, user: User | None, article: Article, limit: int = 5
) -> list[ArticleHit]:
    """Articles like ``article`` that ``user`` may read, best first (searched
    by its title, in its language first)."""
    return article_search(
        user=user,
        query=article.title,
        limit=limit,
        exclude=(article.pk,),
        language=article.language,
    )


def is_confident(hits: list[ArticleHit]) -> bool:
    """Whether the best hit is good enough to offer as the answer."""
    return bool(hits) and hits[0].score >= CONFIDENT_SCORE
