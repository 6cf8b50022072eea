"""The email-template preview shows a customer's message without letting it
out of the sandboxed frame (issue 10, hole 3)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.models import EmailTemplate
from tickets.models import Message
from tickets.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    # The payload: an angle-bracket link destination with a space.
    "[x](<https://a/ onload=alert(document.domain)//>)",
    # Any '"' in the rendered HTML used to end srcdoc="…": here the href's.
    "[x](https://a/onload=alert(document.domain)//)",
    '[x](/a "title onload=alert(document.domain)//")',
    "Plain text with \"quotes\" and 'apostrophes' & ampersands",
]


class _Iframes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.iframes = []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.iframes.append(dict(attrs))


def _preview_iframes(client, body):
    ticket = TicketFactory(subject="Preview me")
    MessageFactory(ticket=ticket, body=body)
    template = EmailTemplate.objects.get(key="ticket_created_staff", language="en")
    page = client.get(
        reverse("admin:notifications_emailtemplate_change", args=[template.pk])
    ).content.decode()
    parser = _Iframes()
    parser.feed(page)
    return parser.iframes


@pytest.mark.parametrize("body", HOSTILE)
def test_the_preview_frame_keeps_the_message_inside_it(login, body):
    client = login(UserFactory(admin=True))
    iframes = _preview_iframes(client, body)
    assert len(iframes) == 1
    iframe = iframes[0]
    assert set(iframe) <= {"sandbox", "srcdoc", "class", "title"}, iframe
    assert not iframe["sandbox"]  # bare: no allow-scripts, no allow-same-origin
    # The whole message arrives in the frame, as the email would show it.
    message_html = Message.objects.get(body=body).html
    assert message_html.strip()
    assert f"<blockquote>{message_html}</blockquote>" in iframe["srcdoc"]


def test_text_parts_are_text_and_the_html_part_is_escaped():
    """The subject and the text body are plain text: "Can't" stays "Can't"
    (it used to arrive as "Can&#x27;t"); the HTML body escapes it."""
    from notifications.rendering import email_context, render_email

    ticket = TicketFactory(subject="Can't print <A4> & more")
    message = MessageFactory(ticket=ticket, body="Tom's <b>printer</b> & co")
    rendered = render_email(
        subject="[{{ ticket.reference }}] {{ ticket.subject }}",
        body_text="{{ message.body }}",
        body_html="<h1>{{ ticket.subject }}</h1>{{ message.body_html }}",
        context=email_context(
            ticket=ticket,
            message=message,
            recipient_name="Sam",
            recipient_email="sam@example.com",
            recipient_is_agent=False,
        ),
    )
    assert rendered.subject == f"[{ticket.reference}] Can't print <A4> & more"
    assert rendered.body_text == "Tom's <b>printer</b> & co\n"
    assert "<h1>Can&#x27;t print &lt;A4&gt; &amp; more</h1>" in rendered.body_html
    assert "&lt;b&gt;printer&lt;/b&gt;" in rendered.body_html
    assert "<b>" not in rendered.body_html
