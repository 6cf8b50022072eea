"""Search text: one folding rule for what is stored and what is searched.

Databases disagree on case: SQLite's LIKE folds A-Z only, PostgreSQL's
UPPER() follows the server's locale, MongoDB needs a collation. So the
helpdesk folds text in Python, stores the folded copy beside the original
(``Ticket.search_text``, ``Message.search_text``), and ticket search
(``tickets.search``) indexes the words of that folded copy and looks up the
query folded the same way. Every database then finds the same tickets.

``search_fold`` is Unicode's compatibility caseless match (The Unicode
Standard, section 3.13, D145), done as NFKC, full case folding
(``str.casefold``, CaseFolding.txt statuses C and F), NFKC again:

- compatibility forms meet their plain letters: "ﬁ" is "fi", the Kelvin
  sign "K" is "k", full-width "ＡＢＣ" is "abc";
- case folds for every script: "ÜBERWEISUNG" is "überweisung", "ОШИБКА" is
  "ошибка", "STRASSE" and "Straße" are both "strasse", Greek final "ς" and
  "Σ" are both "σ";
- the folding is the same in every language, not the Turkic one: "İ" (I with
  dot) folds to "i" plus a combining dot, so "İSTANBUL" finds "İstanbul", and
  "ISTANBUL" finds it too once accents are ignored (the dot is a mark);
  dotless "ı" stays "ı".

With ``SEARCH_IGNORE_ACCENTS`` (the default) the folded text is also
decomposed (NFD), stripped of nonspacing marks (general category Mn) and
composed again (NFC): "café" and "CAFE" meet, as in Zendesk's and
Elasticsearch's ``asciifolding`` search. Marks go in every script, so
Arabic harakat and Hebrew points are ignored too, and some Indic vowel signs:
such searches find more, never less. Changing the setting needs
``manage.py search_reindex``, which folds every stored row again.

The cost is linear in the text: a few passes of C code, and one dictionary
look-up per character when accents are stripped.
"""

import unicodedata

from django.conf import settings


class _Marks(dict):
    """A ``str.translate`` table that drops nonspacing marks (category Mn),
    filled in as code points are met: a few thousand entries at most, and no
    pass over all of Unicode when the process starts."""

    def __missing__(self, code_point: int) -> int | None:
        kept = None if unicodedata.category(chr(code_point)) == "Mn" else code_point
        self[code_point] = kept
        return kept


_MARKS = _Marks()


def search_fold(
    text: str, *, ignore_accents: bool | None = None, limit: int | None = None
) -> str:
    """``text`` folded for searching (see the module docstring).

    ``ignore_accents`` defaults to ``settings.SEARCH_IGNORE_ACCENTS``.
    ``limit`` (characters) bounds the work and the result: at most ``limit``
    characters of ``text`` are folded, and at most ``limit`` are returned
    (folding may lengthen text: "ß" becomes "ss").
    """
    if ignore_accents is None:
        ignore_accents = settings.SEARCH_IGNORE_ACCENTS
    if limit is not None:
        text = text[:limit]
    if text.isascii():
        folded = text.lower()
    else:
        folded = unicodedata.normalize(
            "NFKC", unicodedata.normalize("NFKC", text).casefold()
        )
        if ignore_accents and not folded.isascii():
            stripped = unicodedata.normalize("NFD", folded).translate(_MARKS)
            folded = unicodedata.normalize("NFC", stripped)
    return folded if limit is None else folded[:limit]
