"""Article retrieval, free of Django: BM25 (bm25s, PyStemmer) per language and,
with the optional ``semantic`` extra, sentence embeddings blended in.

``knowledge.search`` feeds it the articles a reader may see; the benchmark
(``bench/retrieval.py``) feeds it the FAQ directly.
"""

from .ranking import CONFIDENT, Document, Match, Retriever
from .semantic import (
    Encoder,
    SemanticUnavailable,
    document_passages,
    document_text,
    encoder_for,
    resolve_model,
    semantic_available,
    vector_from_text,
    vector_to_text,
)

__all__ = [
    "CONFIDENT",
    "Document",
    "Encoder",
    "Match",
    "Retriever",
    "SemanticUnavailable",
    "document_passages",
    "document_text",
    "encoder_for",
    "resolve_model",
    "semantic_available",
    "vector_from_text",
    "vector_to_text",
]
