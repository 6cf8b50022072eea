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


FORGED = (
    b"Authentication-Results: mx.helpdesk.example; dmarc=fail header.from=acme.example"
    b"\r\nFrom: Alice <alice@acme.example>\r\nSubject: Re: [#{number}] Printer\r\n"
    b"Message-ID: <forged-{index}@evil.example>\r\n\r\nWire the refund to me.\r\n"
)


@pytest.fixture
def suspended_mail(settings, customer):
    from tickets.tests.factories import TicketFactory

    settings.INBOUND_TRUSTED_AUTHSERV_IDS = ["mx.helpdesk.example"]
    customer.email = "alice@acme.example"
    customer.save()
    ticket = TicketFactory(requester=customer)
    mails = []
    for index in range(2):
        raw = FORGED.replace(b"{number}", str(ticket.number).encode()).replace(
            b"{index}", str(index).encode()
        )
        mails.append(inbound_receive(raw=raw, source=InboundEmail.Source.PIPE))
    assert {mail.status for mail in mails} == {"suspended"}
    return mails


def test_admins_accept_suspended_mail_from_the_admin(login, suspended_mail):
    admin = login(UserFactory(admin=True))
    changelist = reverse("admin:integrations_inboundemail_changelist")
    listing = admin.get(changelist, {"status__exact": "suspended"}).content.decode()
    assert "Sender failed authentication" in listing
    response = admin.post(
        changelist,
        {"action": "accept_suspended", "_selected_action": [suspended_mail[0].pk]},
        follow=True,
    )
    assert "Accepted 1" in response.content.decode()
    suspended_mail[0].refresh_from_db()
    assert suspended_mail[0].status == "processed"
    assert suspended_mail[0].message.sender_verification == "fail"


def test_rejecting_from_the_admin_asks_first(login, suspended_mail):
    admin = login(UserFactory(admin=True))
    changelist = reverse("admin:integrations_inboundemail_changelist")
    selected = [mail.pk for mail in suspended_mail]
    confirm = admin.post(
        changelist, {"action": "reject_suspended", "_selected_action": selected}
    )
    assert confirm.status_code == 200
    assert "Reject 2 suspended mails?" in confirm.content.decode()
    assert set(
        InboundEmail.objects.filter(pk__in=selected).values_list("status", flat=True)
    ) == {"suspended"}
    done = admin.post(
        changelist,
        {"action": "reject_suspended", "_selected_action": selected, "post": "yes"},
        follow=True,
    )
    assert "Rejected 2" in done.content.decode()
    assert set(
        InboundEmail.objects.filter(pk__in=selected).values_list("status", flat=True)
    ) == {"rejected"}
