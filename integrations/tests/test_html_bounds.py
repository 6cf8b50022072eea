"""HTML email bodies become text in time linear in their length (issue 10).

nh3 (html5ever) grows with the square of the nesting depth and of the
character references in one text node, and Python's html.parser with the
square of unclosed comments and tags: a 200 KB email of ``<ul><li>`` took
13.6 s to receive. No HTML, however built, may cost more than its length.
"""

import time

import pytest

from integrations.html_text import html_to_text
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


@pytest.mark.parametrize("length", [200_000, 1_000_000])
@pytest.mark.parametrize("family", list(HOSTILE))
def test_html_to_text_is_linear(family, length):
    markup = hostile(HOSTILE[family], length)
    started = time.perf_counter()
    html_to_text(markup)
    elapsed = time.perf_counter() - started
    assert elapsed < (0.5 if length == 200_000 else 1.5), f"{elapsed:.2f} s"


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
def test_a_megabyte_of_nested_html_is_received_in_seconds():
    headers = base("nested@customer.example", "Nested")
    headers["Content-Type"] = "text/html; charset=utf-8"
    body = "<p>Printer broken</p>" + hostile("<ul><li>", 1_000_000)
    raw = mail(headers, body)
    started = time.perf_counter()
    inbound = inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)
    elapsed = time.perf_counter() - started
    inbound.refresh_from_db()
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.outcome
    assert Message.objects.filter(body__contains="Printer broken").exists()
