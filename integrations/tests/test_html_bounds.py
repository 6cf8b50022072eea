"""HTML email bodies become text in time linear in their length (issue 10).

nh3 (html5ever) grows with the square of the nesting depth and of the
character references in one text node, and Python's html.parser with the
square of unclosed comments and tags: a 200 KB email of ``<ul><li>`` took
13.6 s to receive. No HTML, however built, may cost more than its length.

The tests count the work (one forward scan, input capped); the timings are
printed by bench/intake.py.
"""

import re
from unittest import mock

import pytest

from helpdesk import rendering
from integrations import html_text, parsing
from integrations.html_text import MAX_HTML_CHARS, html_to_text
from integrations.models import InboundEmail
from integrations.services import inbound_receive
from tickets.models import Message

from .corpus import base, mail

HOSTILE = {
    "nested lists": "<ul><li>",
    "nested divs": "<div>",
    "nested quotes": "<blockquote>",
    "nested tables": "<table><tr><td>",
    "unclosed formatting": "<b><i><span>",
    "unclosed links": '<a href="https://a.example/">x',
    "unclosed comments": "<!--",
    "unclosed attributes": "<a ",
    "unclosed quotes": '<a href="',
    "end tag openers": "</",
    "closed comments": "<!---->",
    "quoted attributes": "<a title='x>y' href=\"https://a.example/\">",
    "skipped elements": "<style>a</style><SCRIPT>b</script>",
    "entities": "&amp;",
    "bare ampersands": "&",
}


def hostile(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


class ScanRecorder:
    """Stands in for one of html_text's compiled patterns and records the
    stretch of the input each search or match looked at: from where it
    started to the end of what it found, or to the end of the input."""

    def __init__(self, pattern: re.Pattern, spans: list[tuple[int, int]]):
        self.pattern = pattern
        self.spans = spans

    def _record(self, found, string, pos):
        self.spans.append((pos, found.end() if found else len(string)))
        return found

    def search(self, string, pos=0):
        return self._record(self.pattern.search(string, pos), string, pos)

    def match(self, string, pos=0):
        return self._record(self.pattern.match(string, pos), string, pos)


def scanned(markup: str) -> list[tuple[int, int]]:
    """The stretches html_to_text looked at, in order, every pattern of the
    scan recorded."""
    spans: list[tuple[int, int]] = []

    def recorded(patterns: dict) -> dict:
        return {key: ScanRecorder(value, spans) for key, value in patterns.items()}

    with (
        mock.patch.object(
            html_text, "_TAG_START", ScanRecorder(html_text._TAG_START, spans)
        ),
        mock.patch.object(
            html_text, "_TAG_REST", ScanRecorder(html_text._TAG_REST, spans)
        ),
        mock.patch.dict(html_text._END_MARKS, recorded(html_text._END_MARKS)),
        mock.patch.dict(html_text._SKIPPED_ENDS, recorded(html_text._SKIPPED_ENDS)),
    ):
        html_to_text(markup)
    return spans


@pytest.mark.parametrize("length", [200_000, 1_000_000])
@pytest.mark.parametrize("family", list(HOSTILE))
def test_html_to_text_is_one_forward_scan(family, length):
    """No tree and no going back: the searches, one after the other, never
    start before the last one did, and together look at each character about
    once (a quadratic scan looks at the rest of the input again for every
    tag). Possessive patterns keep each search from backtracking;
    bench/intake.py prints the time per KB."""
    markup = hostile(HOSTILE[family], length)
    spans = scanned(markup)
    starts = [start for start, _ in spans]
    assert starts == sorted(starts)
    looked_at = sum(end - start for start, end in spans)
    assert looked_at <= 2 * len(markup), looked_at / len(markup)


def test_input_past_the_cap_is_not_scanned():
    markup = hostile("<ul><li>", MAX_HTML_CHARS + 100_000)
    assert max(end for _, end in scanned(markup)) <= MAX_HTML_CHARS


def test_text_keeps_blocks_lists_links_and_drops_scripts():
    markup = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<p>Hello&nbsp;there &amp; all</p><script>alert(1)</script>"
        "<ul><li>one<li>two</ul><div>See <a href='https://x.example/a?b=1&amp;c=2'>"
        'the page</a> or <a href="javascript:x">that</a>.</div>'
        "<!-- hidden --><p>a<br>b</p></body></html>"
    )
    assert html_to_text(markup) == (
        "Hello there & all\n\n- one\n- two\n\n"
        "See the page (https://x.example/a?b=1&c=2) or that.\n\na\nb"
    )


def test_quoted_attributes_case_and_open_ends():
    assert html_to_text("<P TITLE='a>b'>x</P><Script>y</SCRIPT>z") == "x\n\nz"
    assert html_to_text("a<!-- open to the end") == "a"
    assert html_to_text("a <b and < c") == "a"
    assert html_to_text("1 < 2 <3") == "1 < 2 <3"


@pytest.mark.django_db
def test_a_megabyte_of_nested_html_is_converted_once_and_shown_as_plain_text():
    """The HTML is converted once, by the linear scan; its text, far longer
    than Markdown may be, is never handed to the Markdown parser or nh3."""
    headers = base("nested@customer.example", "Nested")
    headers["Content-Type"] = "text/html; charset=utf-8"
    body = "<p>Printer broken</p>" + hostile("<ul><li>", 1_000_000)
    raw = mail(headers, body)
    with (
        mock.patch.object(parsing, "html_to_text", wraps=html_to_text) as convert,
        mock.patch.object(
            rendering, "render_commonmark", wraps=rendering.render_commonmark
        ) as markdown,
    ):
        inbound = inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)
    inbound.refresh_from_db()
    converted = [len(call.args[0]) for call in convert.call_args_list]
    assert len(converted) == 1 and converted[0] <= MAX_HTML_CHARS, converted
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.outcome
    message = Message.objects.get(body__contains="Printer broken")
    assert not markdown.called, "a body this long is shown as plain text"
    assert len(message.body) > rendering.MARKDOWN_MAX_CHARS
