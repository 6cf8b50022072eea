"""What a customer reads: every seeded email with awkward text in every value,
through a real SMTP server; subjects that cannot break headers; one signature."""

import html
import itertools

import pytest

from accounts.tests.factories import UserFactory
from helpdesk.demo.content import CANNED_RESPONSES
from notifications.defaults import TEMPLATES
from notifications.models import EmailLog, EmailTemplate
from notifications.rendering import render_email, signature_for
from notifications.sending import email_send
from notifications.services import email_queue
from organizations.tests.factories import DepartmentFactory, OrganizationFactory
from tickets import services
from tickets.models import CannedResponse, TicketEvent
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

AWKWARD = 'Tom\'s "invoice" & <receipt>'
ESCAPED = html.escape(AWKWARD)  # Tom&#x27;s &quot;invoice&quot; &amp; &lt;receipt&gt;
SEEDED_KEYS = [template["key"] for template in TEMPLATES]


@pytest.fixture
def awkward_ticket(settings):
    settings.HELPDESK_NAME = f"{AWKWARD} Support"
    organization = OrganizationFactory(name=f"{AWKWARD} Ltd")
    requester = UserFactory(full_name=AWKWARD, organization=organization)
    agent = UserFactory(agent=True, full_name=f"{AWKWARD} Agent")
    department = DepartmentFactory(name=f"{AWKWARD} Billing")
    department.agents.add(agent)
    ticket = TicketFactory(
        subject=AWKWARD,
        requester=requester,
        organization=organization,
        department=department,
        assignee=agent,
    )
    message = services.message_add(
        ticket=ticket, author=requester, body=f"About {AWKWARD}, thanks."
    )
    return ticket, message, agent


def _queue(key, ticket, message, agent):
    to_agent = key not in {
        "ticket_created",
        "agent_reply",
        "ticket_solved",
        "ticket_closed",
        "ticket_merged",
        "inbound_refused",
    }
    user = agent if to_agent else ticket.requester
    return email_queue(
        template_key=key,
        recipient=user.email,
        user=user,
        ticket=None if key in ("inbound_refused", "integration_disabled") else ticket,
        message=message,
        extra_context={
            "sla": {"target": AWKWARD, "due_at": ""},
            "original_subject": AWKWARD,
            "integration": {
                "kind": "webhook endpoint",
                "name": AWKWARD,
                "reason": AWKWARD,
                "link": "https://helpdesk.example/admin/",
            },
        },
    )


@pytest.mark.parametrize("key", SEEDED_KEYS)
def test_every_seeded_email_keeps_text_literal_and_escapes_html_once(
    key, awkward_ticket, smtp_server
):
    ticket, message, agent = awkward_ticket
    entry = _queue(key, ticket, message, agent)
    assert entry.status == EmailLog.Status.QUEUED, entry.error
    assert email_send(log_id=entry.pk).status == EmailLog.Status.SENT
    sent = smtp_server.wait_for(1)[0]["message"]

    subject = str(sent["Subject"])
    text = sent.get_body(("plain",)).get_content()
    assert AWKWARD in subject or key.startswith("sla_")
    assert AWKWARD in text
    for escaped in ("&amp;", "&#x27;", "&#39;", "&quot;", "&lt;", "&gt;"):
        assert escaped not in subject
        assert escaped not in text
    html_part = sent.get_body(("html",))
    if html_part is None:
        assert key == "inbound_refused"
        return
    body_html = html_part.get_content()
    assert "<receipt>" not in body_html
    assert "&amp;amp;" not in body_html and "&amp;lt;" not in body_html
    assert "&amp;#" not in body_html and "&amp;quot;" not in body_html
    assert ESCAPED in body_html or key == "inbound_refused"
    assert AWKWARD in html.unescape(body_html)


def test_an_admin_made_template_gets_the_same_split():
    rendered = render_email(
        subject="{{ v }}",
        body_text="{{ v }} {{ v|upper }}",
        body_html="<p>{{ v }}</p>",
        context={"v": AWKWARD},
    )
    assert rendered.subject == AWKWARD
    assert rendered.body_text == f"{AWKWARD} {AWKWARD.upper()}\n"
    assert rendered.body_html == f"<p>{ESCAPED}</p>"


@pytest.mark.parametrize(
    "value", ["a\r\nBcc: victim@example.com", "a\nb", "a\rb", "a\u2028b", "a\x85b"]
)
def test_a_subject_never_carries_a_line_break(value):
    rendered = render_email(
        subject="Re: {{ v }}\r\n{{ v }}",
        body_text="",
        body_html="",
        context={"v": value},
    )
    assert not any(ch in rendered.subject for ch in "\r\n\u2028\x85")
    assert rendered.subject.startswith("Re: a")


def test_a_ticket_subject_with_a_line_break_sends_one_header_line(smtp_server):
    ticket = TicketFactory(subject="Invoice\r\nBcc: victim@example.com")
    entry = email_queue(
        template_key="ticket_created",
        recipient=ticket.requester.email,
        user=ticket.requester,
        ticket=ticket,
    )
    email_send(log_id=entry.pk)
    received = smtp_server.wait_for(1)[0]
    assert received["rcpt"] == [ticket.requester.email]
    assert received["message"]["Bcc"] is None
    assert "\n" not in str(received["message"]["Subject"])


def test_a_canned_reply_is_signed_once(
    agent, client, login, smtp_server, django_capture_on_commit_callbacks
):
    """Through the agent's real path: insert the canned response into the
    reply box, send it, and read the email the customer receives."""
    ticket = TicketFactory(department=agent.departments.get())
    canned = CannedResponse.objects.create(
        owner=agent,
        title="Looking into it",
        body="Hi {requester_name},\n\nI am looking into {ticket_number}.\n\n"
        "Thanks,\n{agent_name}",
    )
    login(agent)
    inserted = client.post(
        f"/agent/tickets/{ticket.number}/canned/", {"canned": canned.pk}
    )
    body = inserted.context["reply_form"].initial["body"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/agent/tickets/{ticket.number}/reply/", {"body": body, "kind": "public"}
        )
    assert sent.status_code == 302
    email = smtp_server.wait_for(1)[0]["message"]
    text = email.get_body(("plain",)).get_content()
    body_html = email.get_body(("html",)).get_content()
    assert text.count(agent.display_name) == 1
    assert html.unescape(body_html).count(agent.display_name) == 1


def test_a_reply_typed_without_a_signature_is_signed_by_the_email(agent):
    ticket = TicketFactory(department=agent.departments.get())
    services.message_add(ticket=ticket, author=agent, body="It works again now.")
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.REPLY)
    from notifications.services import notifications_dispatch

    notifications_dispatch(event_id=event.pk)
    email = EmailLog.objects.get(ticket=ticket, template_key="agent_reply")
    assert email.body_text.count(agent.display_name) == 1
    assert html.unescape(email.body_html).count(agent.display_name) == 1


@pytest.mark.parametrize("key", SEEDED_KEYS)
def test_seeded_wording_reads_like_a_product_email(key):
    template = EmailTemplate.objects.get(key=key, language="en")
    for source in (template.body_text, template.body_html):
        words = source.replace("\n", " ").split()
        doubled = [a for a, b in itertools.pairwise(words) if a == b]
        assert doubled == [], doubled
        for line in source.splitlines():
            if line.startswith(("Hello", "<p>Hello")) and line.rstrip().endswith(","):
                index = source.splitlines().index(line) + 2
                after = source.splitlines()[index:][:1]
                text = after[0].removeprefix("<p>") if after else ""
                assert not text[:1].islower(), text
    assert "style=" not in template.body_html


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        ("Done.\n\nThanks,\nAlex Doe\n", ""),
        ("Done.\n\nThanks, alex doe.", ""),
        ("Done.\n-- Alex Doe", ""),
        ("Done, Alex Doe will call you.\nBye", "Alex Doe"),
        ("It is fixed", "Alex Doe"),
        # A canned sign-off block: the name, then a title or a contact line.
        ("Done.\n\nKind regards,\nAlex Doe\nSupport team", ""),
        ("Done.\n\nKind regards,\nAlex Doe (Support)", ""),
        ("Done.\n\nAlex Doe | Acme support\nsupport@example.com", ""),
        ("Done.\nAlex Doe will call you\ntomorrow.\nBye", "Alex Doe"),
    ],
)
def test_a_reply_counts_as_signed_when_it_ends_with_the_name(body, signature):
    assert signature_for(body=body, author_name="Alex Doe") == signature
    assert signature_for(body="Thanks, Fred", author_name="Ed") == "Ed"


@pytest.mark.parametrize(("title", "body"), CANNED_RESPONSES)
def test_demo_canned_responses_read_right_and_sign_once(title, body):
    greeting, first_sentence = body.split("\n\n")[:2]
    assert greeting.startswith("Hi ") and first_sentence[0].isupper()
    text = body.replace("{agent_name}", "Alex Doe")
    assert signature_for(body=text, author_name="Alex Doe") == ""
