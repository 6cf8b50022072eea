"""Files an email sent that its message does not carry (issue 11, item 7):
agents see each by name and reason, and may download the original email;
customers see neither, on the portal or in their email."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from integrations.models import InboundEmail
from integrations.services import inbound_receive
from organizations.tests.factories import DepartmentFactory
from tickets.tests.factories import MessageFactory

from .corpus_files import named

pytestmark = pytest.mark.django_db

REFUSED = named(
    ("tool.exe", b"MZ\x90\x00", "application/octet-stream"),
    ("ok.txt", b"fine", "text/plain"),
)


@pytest.fixture
def emailed(department, settings, django_capture_on_commit_callbacks):
    """A new request by email to ``department`` with one refused file."""
    settings.AGENTS_SEE_ALL_TICKETS = False
    department.inbound_email = "support@helpdesk.example"
    department.save()
    with django_capture_on_commit_callbacks(execute=True):
        inbound = inbound_receive(raw=REFUSED(None), source=InboundEmail.Source.PIPE)
    assert inbound.status == "processed", inbound.error
    assert inbound.ticket.department == department
    return inbound


def original_url(message) -> str:
    return reverse("integrations:message_original", args=[message.pk])


def test_agents_see_each_refused_file_and_can_download_the_original(
    emailed, agent, login
):
    ticket = emailed.ticket
    page = login(agent).get(reverse("tickets:agent_detail", args=[ticket.number]))
    text = page.content.decode()
    assert "tool.exe: files of type .exe are not accepted" in text
    assert original_url(emailed.message) in text

    response = login(agent).get(original_url(emailed.message))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == emailed.raw.open("rb").read()
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_customer_sees_no_refusal_note_and_cannot_download_the_original(
    emailed, login, mailoutbox
):
    requester = emailed.ticket.requester
    page = login(requester).get(
        reverse("tickets:portal_detail", args=[emailed.ticket.number])
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "ok.txt" in text
    assert "tool.exe" not in text
    assert "Files not attached" not in text
    assert original_url(emailed.message) not in text
    assert login(requester).get(original_url(emailed.message)).status_code == 403
    to_customer = [mail for mail in mailoutbox if requester.email in mail.to]
    assert to_customer  # the acknowledgement went out, without the note
    for mail in to_customer:
        assert "tool.exe" not in mail.body
        assert "Files not attached" not in mail.body


def test_an_agent_of_another_department_cannot_download_the_original(emailed, login):
    outsider = UserFactory(agent=True)
    DepartmentFactory().agents.add(outsider)
    assert login(outsider).get(original_url(emailed.message)).status_code == 404


def test_a_message_that_did_not_come_by_email_has_no_original(agent, login):
    message = MessageFactory(author=agent)
    message.ticket.department = agent.departments.get()
    message.ticket.save()
    assert login(agent).get(original_url(message)).status_code == 404
    assert (
        login(agent)
        .get(reverse("integrations:message_original", args=["not-an-id"]))
        .status_code
        == 404
    )


def test_anonymous_visitors_are_sent_to_sign_in(emailed, client):
    response = client.get(original_url(emailed.message))
    assert response.status_code == 302
