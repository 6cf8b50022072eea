"""Words: how folded text is cut for the term index and the queries.

A word is a run of letters, digits and marks (Unicode general categories L*,
N*, M*, and Co); everything else (spaces, punctuation, symbols, "_") parts
words. That is SQLite FTS5's ``unicode61`` tokenizer with ``categories
'L* N* Co M*'``, which the native SQLite index uses, so the portable index
and FTS5 cut text alike. Text is folded first (``helpdesk.search_text``), so
the words are already caseless (and accentless with
``SEARCH_IGNORE_ACCENTS``).

Scripts written without spaces (Chinese, Japanese, Thai) come out as one
word per run: such text is found by its whole run or a prefix of it, not
by a word in its middle.
"""

import re
import unicodedata

WORD_MAX_CHARS = 64  # longer words are cut: the index keeps their first 64
QUERY_MAX_WORDS = 16  # more words in a query are ignored

_ASCII_WORD = re.compile(r"[a-z0-9]+")
_WORD_CATEGORIES = frozenset("LNM")


class _Separators(dict):
    """A ``str.translate`` table that turns every character that is not part
    of a word into a space, filled in as code points are met."""

    def __missing__(self, code_point: int) -> int:
        category = unicodedata.category(chr(code_point))
        kept = category[0] in _WORD_CATEGORIES or category == "Co"
        self[code_point] = code_point if kept else 32
        return self[code_point]


_SEPARATORS = _Separators()


def words(folded: str) -> list[str]:
    """The words of already-folded text, in order, repeats kept, each cut to
    ``WORD_MAX_CHARS``. Upper-case ASCII is not expected (folding lowers
    it) and would part words."""
    if folded.isascii():
        found = _ASCII_WORD.findall(folded)
    else:
        found = folded.translate(_SEPARATORS).split()
    return [word[:WORD_MAX_CHARS] for word in found]


def query_words(folded: str) -> list[str]:
    """The words a query looks for: distinct, in order, at most
    ``QUERY_MAX_WORDS``."""
    return list(dict.fromkeys(words(folded)))[:QUERY_MAX_WORDS]
