"""Downloads: permission-checked, never rendered inline unless a safe image."""

import pytest
from django.urls import reverse

from .factories import AttachmentFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


def download(client, attachment, ticket=None):
    ticket = ticket or attachment.message.ticket
    return client.get(
        reverse("tickets:attachment", args=[ticket.number, attachment.pk])
    )


@pytest.fixture
def my_ticket(customer):
    return TicketFactory(requester=customer)


def test_safe_image_is_shown_inline(login, customer, my_ticket):
    attachment = AttachmentFactory(
        message=MessageFactory(ticket=my_ticket),
        original_name="photo.png",
        content_type="image/png",
        data=b"\x89PNG\r\n",
    )
    response = download(login(customer), attachment)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("page.html", "text/html"),
        ("drawing.svg", "image/svg+xml"),
        ("notes.txt", "text/plain"),
        ("report.pdf", "application/pdf"),
    ],
)
def test_everything_else_is_a_download(login, customer, my_ticket, name, content_type):
    attachment = AttachmentFactory(
        message=MessageFactory(ticket=my_ticket),
        original_name=name,
        content_type=content_type,
        data=b"<script>alert(1)</script>",
    )
    response = download(login(customer), attachment)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_attachment_id_from_another_ticket_is_404(login, customer, my_ticket):
    foreign = AttachmentFactory()  # on a stranger's ticket
    response = download(login(customer), foreign, ticket=my_ticket)
    assert response.status_code == 404


def test_internal_note_attachment_is_hidden_from_customers(login, customer, agent):
    ticket = TicketFactory(requester=customer, department=agent.departments.get())
    attachment = AttachmentFactory(message=MessageFactory(ticket=ticket, note=True))
    assert download(login(customer), attachment).status_code == 404
    assert download(login(agent), attachment).status_code == 200


@pytest.mark.parametrize("key", ["999999", "abc", "1;DROP"])
def test_missing_or_malformed_ids_are_404(login, customer, my_ticket, key):
    response = login(customer).get(
        reverse("tickets:attachment", args=[my_ticket.number, key])
    )
    assert response.status_code == 404


def test_file_missing_from_storage_is_404_not_500(login, customer, my_ticket):
    attachment = AttachmentFactory(message=MessageFactory(ticket=my_ticket))
    attachment.file.delete(save=False)
    assert download(login(customer), attachment).status_code == 404
