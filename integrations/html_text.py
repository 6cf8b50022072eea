"""Turning an email's HTML body into plain text in one forward scan.

Linear in the input whatever its shape: no tree is built, so nesting depth
costs nothing, and the patterns cannot backtrack (nh3 and html.parser both
grow with the square of some inputs: deep nesting, long entity runs, open
comments). Input past MAX_HTML_CHARS is not converted; the caller keeps it
whole as a file. Standard library only.
"""

import html
import re

MAX_HTML_CHARS = 2_000_000
BLOCK_TAGS = {
    "p",
    "div",
    "tr",
    "table",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "pre",
    "hr",
}
# Their content is never text. script, style and title end at their own end
# tag, whatever lies between (raw text); a comment ends at "-->".
SKIPPED_TAGS = {"style", "script", "title", "template"}

_TAG_START = re.compile(r"<(?:(/?)([A-Za-z][^\t\n\f\r />]*)|!--|[!?/])")
# The rest of a tag after its name: to the first ">" outside a quoted
# attribute value. Possessive, so it never backtracks: each quote is matched
# to the next one of its kind, and the scan only moves forward.
_TAG_REST = re.compile(r"""(?:[^>=]++|=[\t\n\f\r ]*+(?:"[^"]*+"|'[^']*+'|))*+>""")
# Where a comment, a declaration and each skipped element end: compiled once,
# so every search of the scan goes through a pattern of this module.
_END_MARKS = {"<!--": re.compile("-->"), "other": re.compile(">")}
_SKIPPED_ENDS = {
    name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in SKIPPED_TAGS
}
_HREF = re.compile(
    r"""\bhref[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)"|'([^']*)'|([^\s>]*))""",
    re.IGNORECASE,
)


class _Text:
    """The text of HTML as it is scanned: one pass, so it grows with the
    size, never faster."""

    def __init__(self):
        self.parts: list[str] = []
        self.link: str | None = None
        self.link_start = 0

    def data(self, text: str) -> None:
        if text:
            self.parts.append(html.unescape(text))

    def tag(self, name: str, closing: bool, attributes: str) -> None:
        if name == "br":
            self.parts.append("\n")
        elif name == "li":
            if not closing:
                self.parts.append("\n- ")
        elif name in BLOCK_TAGS:
            self.parts.append("\n\n")
        elif name == "a":
            self.end_link()  # links do not nest: a new one ends the last
            if not closing:
                match = _HREF.search(attributes)
                href = (
                    html.unescape(next(filter(None, match.groups()), ""))
                    if match
                    else ""
                )
                href = href.strip()
                if href.startswith(("http://", "https://")):
                    self.link, self.link_start = href, len(self.parts)

    def end_link(self) -> None:
        if self.link:
            label = "".join(self.parts[self.link_start :])
            if self.link not in label:
                self.parts.append(f" ({self.link})")
        self.link = None


def html_to_text(markup: str) -> str:
    """Readable text from an HTML body: line breaks kept, links shown, tags,
    comments, styles and scripts gone. Only the first MAX_HTML_CHARS are
    converted; parse_email keeps a longer body whole.

    Time is linear in the length, whatever the markup: it is one forward scan
    with regular expressions that never backtrack, and no tree is built, so
    nesting costs nothing. Neither nh3 nor html.parser can promise that:
    html5ever (under nh3) grows with the square of the nesting depth
    (``<ul><li>`` repeated: 12 s for 200 KB) and of the character references
    in one text node, and Python 3.11's html.parser with the square of
    unclosed comments and tags (``<a `` repeated: over a minute for 100 KB).
    The result is text, never markup, so nothing needs sanitising.
    """
    markup = markup[:MAX_HTML_CHARS]
    text = _Text()
    position, length = 0, len(markup)
    while position < length:
        match = _TAG_START.search(markup, position)
        if match is None:
            text.data(markup[position:])
            break
        text.data(markup[position : match.start()])
        closing, name = match.group(1), match.group(2)
        if name is None:  # a comment, a declaration, a processing instruction
            end = _END_MARKS.get(match.group(), _END_MARKS["other"]).search(
                markup, match.end()
            )
            if end is None:
                break  # open to the end of the input, as browsers read it
            position = end.end()
            continue
        rest = _TAG_REST.match(markup, match.end())
        if rest is None:
            break  # a tag open to the end of the input is dropped
        position = rest.end()
        name = name.lower()
        if name in SKIPPED_TAGS and not closing:
            end = _SKIPPED_ENDS[name].search(markup, position)
            if end is None:
                break
            position = end.start()
            continue
        text.tag(name, bool(closing), rest.group())
    text.end_link()
    result = "".join(text.parts).replace("\xa0", " ")
    lines = [
        " ".join(line.split()) if line.strip() else "" for line in result.split("\n")
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
