"""Per-message file count and size, and each customer's storage quota, held
by the one attachment service whatever the way in (issue 10). Email, which
cannot be refused, is tested in integrations/tests/test_intake_limits.py."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets import services
from tickets.models import Attachment, Message, Ticket
from tickets.services.attachments import AttachmentLimitError, attachment_quota_used

from .factories import AttachmentFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.ATTACHMENT_MAX_COUNT = 3
    settings.ATTACHMENT_MAX_TOTAL_SIZE = 1_000
    settings.ATTACHMENT_USER_QUOTA = 5_000


def files(count: int, size: int = 10, extension: str = "txt") -> list:
    return [
        SimpleUploadedFile(f"file-{index}.{extension}", b"x" * size, "text/plain")
        for index in range(count)
    ]


# --- The service: every way in goes through it -------------------------------


def test_more_files_than_a_message_takes_are_refused_whole(customer):
    ticket = TicketFactory(requester=customer)
    with pytest.raises(AttachmentLimitError) as caught:
        services.message_add(
            ticket=ticket, author=customer, body="Four files", attachments=files(4)
        )
    assert caught.value.code == "too_many_files"
    assert caught.value.status_code == 400
    assert "at most 3" in caught.value.message
    assert not Message.objects.filter(ticket=ticket).exists()
    assert not Attachment.objects.exists()


def test_files_over_the_total_size_are_refused_whole(customer):
    with pytest.raises(AttachmentLimitError) as caught:
        services.ticket_create(
            requester=customer,
            subject="Logs",
            body="Two big logs",
            attachments=files(2, size=600),
        )
    assert caught.value.status_code == 413
    assert caught.value.code == "attachments_too_large"
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_a_customer_over_the_quota_cannot_store_more(customer):
    ticket = TicketFactory(requester=customer)
    for _ in range(5):
        AttachmentFactory(
            message=MessageFactory(ticket=ticket, author=customer), data=b"y" * 990
        )
    assert attachment_quota_used(user=customer) == 4_950
    with pytest.raises(AttachmentLimitError) as caught:
        services.message_add(
            ticket=ticket, author=customer, body="One more", attachments=files(1, 100)
        )
    assert caught.value.code == "attachment_quota_exceeded"
    # A file that still fits is stored.
    message = services.message_add(
        ticket=ticket, author=customer, body="Small", attachments=files(1, 50)
    )
    assert message.attachments.count() == 1


def test_agents_are_not_counted_against_a_quota(customer, agent):
    ticket = TicketFactory(requester=customer, department=agent.departments.get())
    for _ in range(6):
        AttachmentFactory(
            message=MessageFactory(ticket=ticket, author=agent), data=b"y" * 990
        )
    message = services.message_add(
        ticket=ticket, author=agent, body="Manual attached", attachments=files(1)
    )
    assert message.attachments.count() == 1


def test_refused_files_do_not_count_toward_the_limits(customer):
    ticket = TicketFactory(requester=customer)
    message = services.message_add(
        ticket=ticket,
        author=customer,
        body="Three texts and two programs",
        attachments=files(3) + files(2, extension="exe"),
    )
    assert message.attachments.count() == 3
    assert len(message.rejected_attachments) == 2


# --- The portal and the workspace: a clear error, the text kept --------------


def test_portal_new_request_over_the_count_keeps_the_text(login, customer):
    response = login(customer).post(
        reverse("tickets:portal_new"),
        {
            "subject": "Screenshots",
            "body": "Here are my four screenshots",
            "attachments": files(4),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "You attached 4 files; a message takes at most 3." in page
    assert "Here are my four screenshots" in page
    assert 'value="Screenshots"' in page
    assert not Ticket.objects.exists()


def test_portal_reply_over_the_total_size_keeps_the_text(login, customer):
    ticket = TicketFactory(requester=customer)
    response = login(customer).post(
        reverse("tickets:portal_reply", args=[ticket.number]),
        {"body": "Two large logs attached", "attachments": files(2, size=600)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "a message takes at most 1000\xa0bytes in all" in page
    assert "Two large logs attached" in page
    assert not ticket.messages.exists()


def test_agent_reply_over_the_count_keeps_the_text(login, agent):
    ticket = TicketFactory(department=agent.departments.get())
    response = login(agent).post(
        reverse("tickets:agent_reply", args=[ticket.number]),
        {"kind": "public", "body": "See the four guides", "attachments": files(4)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "a message takes at most 3" in page
    assert "See the four guides" in page
    assert not ticket.messages.exists()


# --- The API: 400 or 413 in the one error shape ------------------------------


def test_api_too_many_files_is_400(api_as, customer):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages", {"body": "Four"}, files=files(4)
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "too_many_files"
    assert body["errors"] == {"files": ["At most 3 files per message."]}
    assert not ticket.messages.exists()


def test_api_files_over_the_total_size_are_413(api_as, customer):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages",
        {"body": "Big"},
        files=files(2, size=600),
    )
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "attachments_too_large"
    assert not ticket.messages.exists()


def test_api_over_the_quota_is_413(api_as, customer, settings):
    settings.ATTACHMENT_USER_QUOTA = 100
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages", {"body": "Full"}, files=files(1, 200)
    )
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "attachment_quota_exceeded"
    assert "storage" in response.json()["detail"]
