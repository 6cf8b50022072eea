"""MESSAGE_BODY_MAX_CHARS holds at every entry point: forms keep the text and
say why, the API answers 400 in the one error shape, the services refuse."""

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import Message, Ticket

from .factories import TicketFactory

pytestmark = pytest.mark.django_db

LIMIT = 200


@pytest.fixture(autouse=True)
def _small_cap(settings):
    settings.MESSAGE_BODY_MAX_CHARS = LIMIT


def _too_long():
    return "Long words. " * (LIMIT // 12 + 1) + "The end"


def test_portal_new_ticket_keeps_the_text_and_says_why(login, customer):
    body = _too_long()
    response = login(customer).post(
        reverse("tickets:portal_new"), {"subject": "Help", "body": body}
    )
    assert response.status_code == 200
    assert f"at most {LIMIT} characters" in response.content.decode()
    assert body in response.content.decode()
    assert not Ticket.objects.exists()


def test_portal_reply_keeps_the_text_and_says_why(login, customer):
    ticket = TicketFactory(requester=customer)
    body = _too_long()
    response = login(customer).post(
        reverse("tickets:portal_reply", args=[ticket.number]), {"body": body}
    )
    assert f"at most {LIMIT} characters" in response.content.decode()
    assert body in response.content.decode()
    assert not ticket.messages.exists()


def test_agent_reply_keeps_the_text_and_says_why(login, agent):
    ticket = TicketFactory(department=agent.departments.get())
    body = _too_long()
    response = login(agent).post(
        reverse("tickets:agent_reply", args=[ticket.number]),
        {"kind": "public", "body": body},
    )
    assert f"at most {LIMIT} characters" in response.content.decode()
    assert body in response.content.decode()
    assert not ticket.messages.exists()


def test_agent_new_ticket_keeps_the_text_and_says_why(login, agent, customer):
    body = _too_long()
    response = login(agent).post(
        reverse("tickets:agent_new"),
        {
            "requester_email": customer.email,
            "subject": "Phone call",
            "body": body,
            "priority": "normal",
        },
    )
    assert response.status_code == 200
    assert f"at most {LIMIT} characters" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_api_answers_400_for_a_long_reply(api_as, customer):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages",
        {"body": _too_long()},
        multipart=True,
    )
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["code"] == "body_too_long"
    assert "body" in str(error)
    assert not ticket.messages.exists()


def test_the_api_schema_refuses_a_ticket_over_the_default_cap(api_as, customer):
    response = api_as(customer).post(
        "/tickets", {"subject": "Long", "body": "x" * 100_001}
    )
    assert response.status_code == 400, response.content
    assert not Ticket.objects.exists()


def test_the_services_refuse_whoever_calls_them(customer, agent):
    from tickets.services import MessageTooLong

    ticket = TicketFactory(requester=customer, department=agent.departments.get())
    with pytest.raises(MessageTooLong):
        services.message_add(ticket=ticket, author=customer, body=_too_long())
    with pytest.raises(MessageTooLong):
        services.ticket_create(requester=customer, subject="x", body=_too_long())
    assert not Message.objects.exists()
    at_limit = "y" * LIMIT
    message = services.message_add(ticket=ticket, author=customer, body=at_limit)
    assert message.body == at_limit
