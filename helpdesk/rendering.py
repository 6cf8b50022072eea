"""Markdown from people to HTML anyone may be shown, in time linear in its length.

The one renderer for user text: message bodies on pages and in emails, previews,
and later the knowledge base. It never raises, and it never costs more than
linear time, whatever the input:

1. CommonMark with GitHub's tables and strikethrough, parsed by cmark-gfm (C,
   linear time by design and fuzzed for it; the same library GitHub and PyPI
   render with) through ``cmarkgfm``. Raw HTML is shown as text, not passed:
   every ``<`` that does not open an autolink is swapped for a reserved
   character before parsing and written back as ``&lt;`` afterwards, so
   ``<b>`` reads as ``<b>`` everywhere, code included. One newline is a line
   break (people write email, not Markdown).
2. Nesting is bounded: a line whose container prefix (``>``, list markers and
   their indentation) is wider than ``MAX_NESTING``, or HTML nested deeper than
   that, is shown as plain text. Deep trees are what make parsers recurse and
   HTML sanitisers slow down quadratically.
3. nh3 (ammonia) cleans the result with an allow-list: no scripts, styles,
   images or event attributes; links only to http, https and mailto, with
   ``rel="noopener noreferrer nofollow"``. html5ever, under nh3, is quadratic
   in the number of character references in one text node (``&amp;`` runs: 1 s
   for 200,000), so the few entities cmark writes travel through nh3 as
   reserved characters and are written back afterwards.
4. The HTML is bounded by the input: at most ``MAX_AMPLIFICATION`` times its
   length plus ``AMPLIFICATION_SLACK``, or the text is shown escaped instead
   (which is at most six times as long: ``"`` becomes ``&quot;``). Without
   this, a table header of 50 columns pads every following line to 50 cells
   (3 KB of text became 700 KB of HTML, stored and emailed to every agent),
   and one long link reference definition is copied into every ``[x]`` (up to
   cmark-gfm's own cap of 100 KB). Tables are counted before parsing, in one
   pass: past ``MAX_TABLE_CELLS`` the text is parsed without the table
   extension, so the time stays within budget too.
5. Any failure at all (RecursionError, MemoryError, a library error) gives the
   text escaped, with its line breaks.

``RENDERER_VERSION`` is stored with every rendered body: raise it whenever the
output for some input changes, and stored bodies are rendered again
(``manage.py render_messages``, or on their next read).
"""

import logging
import re

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.utils.html import escape, linebreaks

logger = logging.getLogger(__name__)

RENDERER_VERSION = 2

# Deeper than anyone quotes or indents; shallow enough for the sanitiser.
MAX_NESTING = 40
# Longer bodies are pasted logs and mail dumps: shown as plain text, which
# costs a few milliseconds at the message cap. Markdown up to here costs at
# most about 100 ms for the worst inputs measured (bench/render.py).
MARKDOWN_MAX_CHARS = 32_000

# The HTML may be this many times the text, plus the slack; longer, the text is
# shown escaped. Ordinary Markdown stays under ten (an empty link "[](x)" is
# the densest); short messages get the slack.
MAX_AMPLIFICATION = 16
AMPLIFICATION_SLACK = 1_000
# Cells that GitHub tables may create: 250 rows of 20 columns, about 20 ms.
MAX_TABLE_CELLS = 5_000

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"

_OPTIONS = Options.CMARK_OPT_HARDBREAKS
_EXTENSIONS = ["table", "strikethrough"]
_EXTENSIONS_WITHOUT_TABLES = ["strikethrough"]

# Noncharacters, "permanently reserved for internal use": people's text never
# needs them, so they are replaced in the input and free to carry markup-free
# stand-ins through the parser and the sanitiser.
_RESERVED = dict.fromkeys(range(0xFDD0, 0xFDD8), "\ufffd")
_LT = "\ufdd2"
_ENTITIES = {
    "&amp;": "\ufdd1",
    "&lt;": _LT,
    "&gt;": "\ufdd3",
    "&quot;": "\ufdd4",
    "&#x27;": "\ufdd5",
}

# A '<' that opens a CommonMark autolink (<https://…>, <name@example.com>)
# keeps its meaning; any other '<' is text.
_NOT_AUTOLINK_LT = re.compile(
    r"<(?!"
    r"[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\x00-\x20<>]*>"
    r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9]"
    r"(?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*>"
    r")"
)
# The containers a line opens or continues: blockquote markers and list
# markers, with the indentation between them. Nesting depth never exceeds
# this prefix's width (each level costs at least one column).
_CONTAINER_PREFIX = re.compile(
    r"^(?:[ \t]*(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t\v\f])))"
    rf"{{1,{MAX_NESTING + 1}}}",
    re.MULTILINE,
)
_TAG = re.compile(r"<(/?)[a-z][^>]*?(/?)>")
# A table's delimiter row ("|---|:-:|"), after any container prefix: its cells
# set the table's width, and every following line up to a blank one becomes a
# row of that many cells, however short the line.
_SPACES = r"[ \t\v\f]*+"  # possessive, as everything here: no backtracking
_CELL = rf"{_SPACES}:?-++:?{_SPACES}"
_DELIMITER_ROW = re.compile(
    rf"^(?:{_SPACES}(?:>|[-+*](?=[ \t\v\f])|\d{{1,9}}[.)](?=[ \t\v\f])))*+"
    rf"{_SPACES}\|?{_CELL}(?:\|{_CELL})*+\|?{_SPACES}$"
)


class NestingTooDeep(ValueError):
    """The text nests deeper than ``MAX_NESTING``; shown as plain text."""


def render_markdown(text: str) -> str:
    """Markdown (or plain text) as sanitised HTML; never raises.

    ``text``: any string, of any length; time is linear in its length. Over
    ``MARKDOWN_MAX_CHARS`` it is shown as plain text. Returns HTML safe to put
    in a page or an email body as it is (not in an attribute: escape it
    there).
    """
    text = text or ""
    if len(text) > MARKDOWN_MAX_CHARS:
        return render_plain(text)
    try:
        html = render_commonmark(text)
    except NestingTooDeep:  # expected for some input: no traceback in the logs
        logger.info("Markdown nested too deep; shown as plain text")
        return render_plain(text)
    except Exception:  # any failure shows the text itself, never an error page
        logger.warning("Markdown rendering fell back to plain text", exc_info=True)
        return render_plain(text)
    if len(html) > MAX_AMPLIFICATION * len(text) + AMPLIFICATION_SLACK:
        logger.info(
            "Markdown would grow %d-fold; shown as plain text", len(html) // len(text)
        )
        return render_plain(text)
    return html


def render_plain(text: str) -> str:
    """The text escaped, with paragraphs and line breaks, and no markup."""
    return linebreaks(escape(text or ""))


def render_commonmark(text: str) -> str:
    """The Markdown path without the length switch (the benchmark times it).

    Raises NestingTooDeep, and whatever a library raises.
    """
    text = text.translate(_RESERVED)
    _check_container_prefixes(text)
    source = _NOT_AUTOLINK_LT.sub(_LT, text)
    extensions = (
        _EXTENSIONS
        if table_cells(text) <= MAX_TABLE_CELLS
        else _EXTENSIONS_WITHOUT_TABLES
    )
    html = cmarkgfm.markdown_to_html_with_extensions(
        source, options=_OPTIONS, extensions=extensions
    )
    # A '<' stand-in inside a link destination comes out percent-encoded.
    html = html.replace("%EF%B7%92", "%3C")
    _check_depth(html)
    for entity, standin in _ENTITIES.items():
        html = html.replace(entity, standin)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    for entity, standin in _ENTITIES.items():
        cleaned = cleaned.replace(standin, entity)
    return cleaned


def table_cells(text: str) -> int:
    """At least the number of cells the GitHub tables in ``text`` would have:
    each delimiter row's width times the lines after it, to the next blank
    line. One pass over the lines, split where cmark splits them; the
    pattern never backtracks."""
    cells = 0
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "-" not in line or not _DELIMITER_ROW.match(line):
            continue
        width = line.count("|") + 1
        start = index
        while index < len(lines) and lines[index].strip(" \t>"):
            index += 1
        cells += width * (index - start + 2)
    return cells


def _check_container_prefixes(text: str) -> None:
    for match in _CONTAINER_PREFIX.finditer(text):
        prefix = match.group()
        if len(prefix) + 3 * prefix.count("\t") > MAX_NESTING:
            raise NestingTooDeep(f"A line opens more than {MAX_NESTING} containers.")


def _check_depth(html: str) -> None:
    depth = 0
    for closing, self_closing in _TAG.findall(html):
        if self_closing:
            continue
        if closing:
            depth -= 1
        else:
            depth += 1
            if depth > MAX_NESTING:
                raise NestingTooDeep(f"HTML nested deeper than {MAX_NESTING}.")
