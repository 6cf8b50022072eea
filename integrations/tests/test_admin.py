import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from integrations.models import InboundEmail, Mailbox
from integrations.services import inbound_receive

pytestmark = pytest.mark.django_db

RAW = (
    b"From: Gone <gone@customer.example>\r\nSubject: Help\r\n"
    b"Message-ID: <g1@x>\r\n\r\nHi\r\n"
)


def test_failed_messages_are_listed_and_can_be_retried(login):
    gone = UserFactory(email="gone@customer.example", inactive=True)
    inbound = inbound_receive(raw=RAW, source=InboundEmail.Source.PIPE)
    assert inbound.status == "failed"
    admin = login(UserFactory(admin=True))
    changelist = reverse("admin:integrations_inboundemail_changelist")

    listing = admin.get(changelist, {"status__exact": "failed"}).content.decode()
    assert "gone@customer.example" in listing and "deactivated" in listing

    gone.is_active = True
    gone.save()
    response = admin.post(
        changelist, {"action": "retry", "_selected_action": [inbound.pk]}, follow=True
    )
    assert "1 processed" in response.content.decode()
    inbound.refresh_from_db()
    assert inbound.status == "processed"
    assert inbound.attempts == 2
    assert inbound.ticket.requester == gone


def test_the_raw_message_downloads_for_admins_only(login, customer):
    inbound = inbound_receive(raw=RAW, source=InboundEmail.Source.PIPE)
    url = reverse("admin:integrations_inboundemail_raw", args=[inbound.pk])
    response = login(UserFactory(admin=True)).get(url)
    assert response.content == RAW
    assert response["Content-Disposition"].startswith("attachment")
    login(customer)
    assert login(customer).get(url).status_code == 302


def test_mailbox_admin_encrypts_the_password_and_keeps_it_when_blank(login):
    admin = login(UserFactory(admin=True))
    data = {
        "name": "support",
        "host": "imap.example.com",
        "port": 993,
        "security": "ssl",
        "username": "help",
        "folder": "INBOX",
        "after_processing": "seen",
        "enabled": "on",
        "new_password": "s3cret",
    }
    admin.post(reverse("admin:integrations_mailbox_add"), data)
    mailbox = Mailbox.objects.get()
    assert mailbox.password == "s3cret"
    assert "s3cret" not in mailbox.password_encrypted

    data["new_password"] = ""
    admin.post(reverse("admin:integrations_mailbox_change", args=[mailbox.pk]), data)
    mailbox.refresh_from_db()
    assert mailbox.password == "s3cret"
