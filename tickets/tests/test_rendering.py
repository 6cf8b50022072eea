"""Message bodies: Markdown in, sanitised HTML out, on every page that shows them."""

from html.parser import HTMLParser

import pytest

from helpdesk.rendering import ALLOWED_TAGS, render_markdown

from .factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "[click me](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">data url</a>',
    "<svg onload=alert(1)></svg>",
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">styled</p>',
    "<iframe src=https://evil.example></iframe>",
    '<form action="https://evil.example"><input name=password></form>',
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markup_renders_harmless(text):
    """Raw HTML is shown as text; what is markup is on the allow-list."""
    parser = _Elements()
    parser.feed(render_markdown(text))
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, (text, tag)
        assert set(attrs) <= {"href", "title", "rel", "align"}, (text, attrs)
        href = (attrs.get("href") or "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), text


def test_markdown_and_plain_text_render_as_people_expect():
    html = render_markdown(
        "**Bold** and *em*\nsecond line\n\n- one\n- two\n\n[docs](https://example.com)"
    )
    assert "<strong>Bold</strong>" in html
    assert "<em>em</em><br>" in html
    assert "<li>one</li>" in html
    assert (
        '<a href="https://example.com" rel="noopener noreferrer nofollow">docs</a>'
        in html
    )


def test_code_is_escaped_not_executed():
    html = render_markdown("```\n<b>bold?</b>\n```")
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html


@pytest.mark.parametrize("viewer", ["customer", "agent"])
def test_ticket_pages_show_hostile_messages_harmlessly(login, customer, agent, viewer):
    ticket = TicketFactory(requester=customer, department=agent.departments.get())
    MessageFactory(
        ticket=ticket,
        body="[x](javascript:alert(1)) <img src=x onerror=alert(1)> <b>ok</b>",
    )
    user = customer if viewer == "customer" else agent
    url = ticket.get_absolute_url() if viewer == "customer" else ticket.get_agent_url()
    page = login(user).get(url).content.decode()
    body = page[page.index('class="card-body message-body"') :]
    body = body[: body.index("</li>")]
    parser = _Elements()
    parser.feed(body)
    for tag, attrs in parser.elements:
        assert tag not in {"img", "script"}
        assert not any(name.startswith("on") for name in attrs), attrs
        assert not (attrs.get("href") or "").startswith("javascript:")
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    # Raw HTML in Markdown is shown as the text it is, not passed on.
    assert "&lt;b&gt;ok&lt;/b&gt;" in body


@pytest.mark.parametrize(
    ("kind", "old", "new", "sentence"),
    [
        ("created", "", "new", "opened the ticket"),
        ("status", "new", "on_hold", "changed the status from New to On hold"),
        ("merged_into", "", "#12", "merged this ticket into #12"),
        (
            "sla_breached",
            "",
            "Resolution",
            "recorded that the Resolution target was missed",
        ),
        ("priority", "", "high", "set the priority to high"),
        ("priority", "low", "", "cleared the priority (was low)"),
        ("priority", "low", "high", "changed the priority from low to high"),
        (
            "merged_into",
            "",
            "{old.__class__}",
            "merged this ticket into {old.__class__}",
        ),
    ],
)
def test_timeline_sentences(kind, old, new, sentence):
    from tickets.models import TicketEvent
    from tickets.templatetags.ticket_tags import event_sentence

    event = TicketEvent(kind=kind, old_value=old, new_value=new)
    assert event_sentence(event) == sentence
