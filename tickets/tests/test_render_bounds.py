"""Stored denial of service through Markdown (issue 10, hole 2).

A message body is rendered once, when it is written, by the one bounded
renderer; pages and emails show the stored HTML. No body, however hostile,
makes a page slow or an error.
"""

import io
from unittest import mock

import pytest
from django.urls import reverse

from .factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

NESTED_LISTS = "".join("    " * level + "- item\n" for level in range(300))
NESTED_QUOTES = "".join(">" * level + " quoted\n" for level in range(1, 301))


def _pages(login, customer, agent, body):
    ticket = TicketFactory(requester=customer, department=agent.departments.get())
    MessageFactory(ticket=ticket, body=body)
    customer_client = login(customer)
    answers = {
        "portal home": customer_client.get(reverse("tickets:portal_home")),
        "portal list": customer_client.get(reverse("tickets:portal_list")),
        "portal ticket": customer_client.get(ticket.get_absolute_url()),
    }
    answers["agent ticket"] = login(agent).get(ticket.get_agent_url())
    return answers


@pytest.mark.parametrize(
    "body", [NESTED_LISTS, NESTED_QUOTES], ids=["nested-lists", "nested-quotes"]
)
def test_deep_nesting_does_not_break_the_pages(login, customer, agent, body):
    """Today: RecursionError in the renderer, and the ticket pages answer 500
    for as long as the message exists."""
    for page, response in _pages(login, customer, agent, body).items():
        assert response.status_code == 200, page
    page = _pages(login, customer, agent, body)["portal ticket"].content.decode()
    assert "item" in page or "quoted" in page


def test_a_run_of_brackets_costs_a_page_view_nothing(login, customer, agent):
    """Today: 10,000 '[' take seconds on every view of the ticket. The body is
    rendered at most once; later views show the stored HTML."""
    from tickets import bodies

    body = "[" * 10_000
    ticket = TicketFactory(requester=customer, department=agent.departments.get())
    MessageFactory(ticket=ticket, body=body)
    client = login(agent)
    with mock.patch.object(
        bodies, "render_markdown", wraps=bodies.render_markdown
    ) as render:
        client.get(ticket.get_agent_url())  # a stale row is rendered once, here
        assert render.call_count <= 1
        render.reset_mock()
        response = client.get(ticket.get_agent_url())
    assert response.status_code == 200
    assert "[[[[" in response.content.decode()
    assert not render.called, "a page view renders no stored body again"


# --- The renderer, on its own -------------------------------------------------


def adversarial(length: int) -> dict[str, str]:
    """Bodies of ``length`` characters built from what makes Markdown parsers
    and HTML sanitisers slow: shared with bench/render.py."""

    def fill(unit: str) -> str:
        return (unit * (length // len(unit) + 1))[:length]

    emphasis = "".join("*a" + "*" * (i % 40) for i in range(length // 20 + 1))
    return {
        "open brackets": fill("["),
        "brackets and parens": fill("[("),
        "bracket lines": fill("[\n"),
        "images": fill("!["),
        "emphasis runs": fill(emphasis),
        "star and underscore": fill("*_"),
        "underscores": fill("_a"),
        "nested emphasis": fill("*a ") + fill("a* "),
        "nested lists": fill("".join("  " * i + "- x\n" for i in range(400))),
        "nested quotes": fill(">"),
        "quote ladder": fill("".join(">" * i + " x\n" for i in range(300))),
        "link chain": fill("[a](b)"),
        "reference links": fill("[a]: b\n[a]"),
        "backticks": fill("`"),
        "backtick runs": fill("".join("`" * (i % 50 + 1) + "a" for i in range(99))),
        "angle brackets": fill("<"),
        "tags": fill("<b>"),
        "autolinks": fill("<https://a.example/b>"),
        "ampersands": fill("&"),
        "apostrophes in a link": "[a](" + fill("'")[: length - 5] + ")",
        "ampersands in a link": "[a](" + fill("&")[: length - 5] + ")",
        "entities": fill("&amp;"),
        "quotes": fill('"'),
        "table rows": "|a|b|\n|-|-|\n" + fill("|x|y|\n"),
        "table pipes": fill("|") + "\n" + fill("|-"),
        "prose": fill("Hello, my printer & scanner *don't* work. Help!\n"),
    }


def test_bodies_past_the_markdown_limit_never_reach_the_parser():
    """Over MARKDOWN_MAX_CHARS a body is shown as plain text: the Markdown
    parser, whose cost grows with the input, never sees it. (Speed figures:
    ``bench/render.py``; tests count work, never time it.)"""
    from helpdesk import rendering

    with mock.patch.object(
        rendering, "render_commonmark", wraps=rendering.render_commonmark
    ) as parse:
        for family, body in adversarial(200_000).items():
            html = rendering.render_markdown(body)
            assert html.startswith("<p>"), family
    assert not parse.called


def test_the_markdown_path_parses_each_body_once_and_bounds_its_html():
    """Up to MARKDOWN_MAX_CHARS bodies are parsed as Markdown, not shown as
    plain text, at most once each, and the stored HTML stays within the
    amplification bound whatever the body."""
    from helpdesk import rendering

    with mock.patch.object(
        rendering.cmarkgfm,
        "markdown_to_html_with_extensions",
        wraps=rendering.cmarkgfm.markdown_to_html_with_extensions,
    ) as parse:
        families = adversarial(rendering.MARKDOWN_MAX_CHARS)
        for family, body in families.items():
            html = rendering.render_markdown(body)
            limit = rendering.MAX_AMPLIFICATION * len(body)
            assert len(html) <= limit + rendering.AMPLIFICATION_SLACK, family
    # Each is parsed at most once; deep nesting is refused before parsing.
    assert len(families) // 2 < parse.call_count <= len(families)


@pytest.mark.parametrize(
    "family", ["open brackets", "nested lists", "nested quotes", "link chain"]
)
def test_pages_answer_200_with_200000_character_bodies(login, customer, agent, family):
    body = adversarial(200_000)[family]
    for page, response in _pages(login, customer, agent, body).items():
        assert response.status_code == 200, page


# --- Rendered once, stored, shown --------------------------------------------


def test_a_message_is_rendered_once_when_written(customer):
    from helpdesk.rendering import RENDERER_VERSION
    from tickets import services

    ticket = TicketFactory(requester=customer)
    message = services.message_add(
        ticket=ticket, author=customer, body="**Hi** [docs](https://example.com)"
    )
    message.refresh_from_db()
    assert message.body_html_version == RENDERER_VERSION
    assert "<strong>Hi</strong>" in message.body_html
    assert 'rel="noopener noreferrer nofollow"' in message.body_html
    created = services.ticket_create(requester=customer, subject="s", body="_x_")
    first = created.messages.get()
    assert first.body_html_version == RENDERER_VERSION
    assert "<em>x</em>" in first.body_html


def test_pages_show_the_stored_html_and_render_stale_rows_once(
    login, customer, agent, django_assert_num_queries
):
    from helpdesk.rendering import RENDERER_VERSION
    from tickets.models import Message

    ticket = TicketFactory(requester=customer, department=agent.departments.get())
    stale = MessageFactory(ticket=ticket, body="**old row**")
    assert stale.body_html_version == 0
    client = login(customer)
    assert "<strong>old row</strong>" in client.get(ticket.get_absolute_url()).text
    stale.refresh_from_db()
    assert stale.body_html_version == RENDERER_VERSION
    # What is stored is what is shown: the renderer does not run on a view.
    Message.objects.filter(pk=stale.pk).update(body_html="<p>stored copy</p>")
    assert "stored copy" in client.get(ticket.get_absolute_url()).text


def test_emails_use_the_stored_html(customer, agent):
    from notifications.rendering import email_context
    from tickets.models import Message

    ticket = TicketFactory(requester=customer)
    message = MessageFactory(ticket=ticket, body="*hello*")
    context = email_context(
        ticket=ticket,
        message=message,
        recipient_name="Sam",
        recipient_email="sam@example.com",
        recipient_is_agent=False,
    )
    assert "<em>hello</em>" in context["message"]["body_html"]
    Message.objects.filter(pk=message.pk).update(body_html="<p>stored copy</p>")
    message.refresh_from_db()
    context = email_context(
        ticket=ticket,
        message=message,
        recipient_name="Sam",
        recipient_email="sam@example.com",
        recipient_is_agent=False,
    )
    assert context["message"]["body_html"] == "<p>stored copy</p>"


def test_a_renderer_failure_shows_the_text_escaped():
    """cmark takes UTF-8 only: a lone surrogate (JSON can carry one) makes it
    raise, and the text is shown escaped with its line breaks instead."""
    from helpdesk.rendering import render_markdown

    html = render_markdown("x\ud800 <script>x</script>\nline two")
    assert html == "<p>x\ud800 &lt;script&gt;x&lt;/script&gt;<br>line two</p>"


def test_nesting_deeper_than_the_limit_shows_the_text():
    from helpdesk.rendering import MAX_NESTING, render_markdown

    shallow = "".join("  " * level + "- item\n" for level in range(10))
    assert render_markdown(shallow).count("<ul>") == 10
    for deep in (
        "".join("  " * level + "- item\n" for level in range(MAX_NESTING + 1)),
        ">" * (MAX_NESTING + 1) + " quoted",
        "*a " * 100 + "b" + " a*" * 100,
    ):
        html = render_markdown(deep)
        assert "<ul>" not in html and "<blockquote>" not in html
        assert "<em>" not in html
        assert html.startswith("<p>")


def test_render_messages_upgrades_every_stale_row():
    from django.core.management import call_command

    from helpdesk.rendering import RENDERER_VERSION
    from tickets.models import Message

    MessageFactory.create_batch(3, body="**bold**")
    call_command("render_messages", stdout=io.StringIO())
    assert set(Message.objects.values_list("body_html_version", flat=True)) == {
        RENDERER_VERSION
    }
    assert all("<strong>bold</strong>" in m.body_html for m in Message.objects.all())


# --- Output bounded by the input ----------------------------------------------

# What a few characters may become at most: an empty link "[](x)" is ten
# times its length, a run of '"' six; the slack covers a short message.
AMPLIFICATION = 16
SLACK = 1_000


def amplifiers(length: int) -> dict[str, str]:
    """Bodies of ``length`` characters whose HTML could be far longer than
    they are: shared with bench/render.py."""

    def fill(unit: str, size: int = length) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    header = "|" + "a|" * 50 + "\n|" + "-|" * 50 + "\n"
    url = "https://a.example/" + "x" * 2_000
    definition = f"[x]: {url}\n"
    titled = f'[x]: https://a.example/ "{"t" * 2_000}"\n'
    return {
        "wide table, short lines": header + fill("a\n", length - len(header)),
        "wide table, pipes": header + fill("|\n", length - len(header)),
        "wide table in a quote": "> "
        + header.replace("\n", "\n> ")
        + fill("> a\n", length - 2 * len(header)),
        "reference links": definition + fill("[x]", length - len(definition)),
        "reference titles": titled + fill("[x]", length - len(titled)),
        "full references": definition + fill("[x][x]", length - len(definition)),
        "autolinks": fill("<ab:c>"),
        "empty links": fill("[](x)"),
        "quotes": fill('"'),
        "empty list items": fill("-\n"),
        "long list markers": fill("123456789. a\n"),
        "entities": fill("&amp;"),
        # Not an amplifier: a line the table count must not backtrack over.
        "spaces before a dash": fill(" ", length - 2) + "-x",
    }


@pytest.mark.parametrize("length", [3_000, 30_000, 100_000])
@pytest.mark.parametrize("family", list(amplifiers(10)))
def test_stored_html_is_bounded_by_the_input(family, length):
    """A 50-column table header over short lines once padded every line to 50
    cells: 3 KB became 700 KB of HTML in 250 ms, 30 KB 5.5 MB in 1.3 s. The
    HTML is bounded by the input (the time it takes: bench/render.py)."""
    from helpdesk.rendering import render_markdown

    body = amplifiers(length)[family]
    html = render_markdown(body)
    assert len(html) <= AMPLIFICATION * len(body) + SLACK, len(html) / len(body)


def test_a_real_table_is_still_a_table():
    from helpdesk.rendering import render_markdown

    rows = "".join(f"| {n} | printer {n} | ok |\n" for n in range(300))
    html = render_markdown("| # | device | state |\n|---|---|---|\n" + rows)
    assert html.count("<tr>") == 301
