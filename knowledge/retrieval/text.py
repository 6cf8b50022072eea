"""Turning text into search terms: split, lower-case, drop stop words, stem.

One ``Analyzer`` per language. Stop words come from bm25s's lists (NLTK's),
stems from PyStemmer's Snowball algorithms, both chosen by the ISO 639-1 code
of the article (``"de"``, ``"fr"``, ``"pt-br"`` → ``"pt"``). A language with
no Snowball stemmer keeps its words whole, and one without a stop-word list
keeps them all: search still works, only less forgivingly.
"""

import re
import threading
from functools import cache

import Stemmer
from bm25s import stopwords as bm25s_stopwords

# ISO 639-1 code → Snowball algorithm name (those PyStemmer ships).
_SNOWBALL = {
    "ar": "arabic",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "et": "estonian",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
}

# "how", "what" and "my" carry nothing in a help-center question, but "out",
# "off", "up" and "down" do ("sign out" is not "sign up"): NLTK's English list
# without those, plus the greetings people type into a chat.
_ENGLISH = (
    frozenset(bm25s_stopwords.STOPWORDS_EN_PLUS) - {"out", "off", "up", "down"}
) | {"hi", "hello", "hey", "please", "thanks", "thank", "would", "could"}

_STOP_WORDS = {
    "en": _ENGLISH,
    "da": frozenset(bm25s_stopwords.STOPWORDS_DANISH),
    "de": frozenset(bm25s_stopwords.STOPWORDS_GERMAN),
    "es": frozenset(bm25s_stopwords.STOPWORDS_SPANISH),
    # NLTK's French list has no question words; its German one has them.
    "fr": frozenset(bm25s_stopwords.STOPWORDS_FRENCH)
    | {"comment", "pourquoi", "quand", "où", "quel", "quelle", "quels", "quelles"},
    "it": frozenset(bm25s_stopwords.STOPWORDS_ITALIAN),
    "nb": frozenset(bm25s_stopwords.STOPWORDS_NORWEGIAN),
    "nl": frozenset(bm25s_stopwords.STOPWORDS_DUTCH),
    "no": frozenset(bm25s_stopwords.STOPWORDS_NORWEGIAN),
    "pt": frozenset(bm25s_stopwords.STOPWORDS_PORTUGUESE),
    "ru": frozenset(bm25s_stopwords.STOPWORDS_RUSSIAN),
    "sv": frozenset(bm25s_stopwords.STOPWORDS_SWEDISH),
    "tr": frozenset(bm25s_stopwords.STOPWORDS_TURKISH),
}

# Words of two or more letters or digits (any script); an apostrophe inside a
# word stays with it so that "don't" meets the stop-word list whole.
_WORD = re.compile(r"\w[\w']*\w", re.UNICODE)


def normalize_language(code: str | None) -> str:
    """``"de-AT"``, ``"de_at"``, ``" DE "`` → ``"de"``; empty or None → ``""``."""
    return re.split(r"[-_]", (code or "").strip().lower(), maxsplit=1)[0]


class Analyzer:
    """Search terms of one language.

    ``terms("How do I reset my passwords?")`` → ``["reset", "password"]`` in
    English. Safe to share between threads: PyStemmer's stemmer objects are
    not, so each thread gets its own.
    """

    def __init__(self, language: str) -> None:
        self.language = normalize_language(language)
        self.stop_words = _STOP_WORDS.get(self.language, frozenset())
        self.algorithm = _SNOWBALL.get(self.language)
        self._local = threading.local()

    @property
    def stems(self) -> bool:
        return self.algorithm is not None

    def _stemmer(self):
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = Stemmer.Stemmer(self.algorithm)
            self._local.stemmer = stemmer
        return stemmer

    def terms(self, text: str) -> list[str]:
        """The text's terms in order, repeats kept (BM25 counts them).

        A word with an apostrophe is looked up whole ("don't"), then split
        into its parts ("customer's" → "customer", "l'adresse" → "adresse").
        """
        words = []
        for word in _WORD.findall(text.lower().replace("\u2019", "'")):
            if word in self.stop_words:
                continue
            if "'" in word:
                words.extend(
                    part
                    for part in word.split("'")
                    if len(part) > 1 and part not in self.stop_words
                )
            else:
                words.append(word)
        if self.algorithm is None or not words:
            return words
        return self._stemmer().stemWords(words)


def analyzer_for(language: str | None) -> Analyzer:
    """The shared ``Analyzer`` of a language code (normalised first)."""
    return _analyzer(normalize_language(language))


@cache
def _analyzer(language: str) -> Analyzer:
    return Analyzer(language)
