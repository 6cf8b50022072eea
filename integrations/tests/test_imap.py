"""Polling a real IMAP server (Dovecot, started by the test)."""

import pytest

from accounts.tests.factories import UserFactory
from integrations.models import InboundEmail, Mailbox
from integrations.services import mailbox_poll
from integrations.tasks import poll_mailboxes
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def message(sender: str, subject: str, body: str, message_id: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: support@helpdesk.example\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
        f"\r\n{body}\r\n"
    ).encode()


@pytest.fixture
def mailbox(dovecot, department):
    box = Mailbox(
        name="support",
        host=dovecot.host,
        port=dovecot.port,
        security=Mailbox.Security.NONE,
        username=dovecot.user,
        department=department,
    )
    box.password = dovecot.password
    box.save()
    return box


def test_password_is_stored_encrypted(mailbox):
    stored = Mailbox.objects.values_list("password_encrypted", flat=True).get()
    assert "mailbox-secret" not in stored
    assert Mailbox.objects.get().password == "mailbox-secret"


def test_new_mail_becomes_tickets_and_replies_and_is_marked_seen(
    dovecot, mailbox, department
):
    customer = UserFactory(email="carla@customer.example")
    existing = services.ticket_create(
        requester=customer, subject="Old issue", body="First", department=department
    )
    dovecot.append(
        message(
            "newcomer@customer.example",
            "Printer jam",
            "Paper stuck",
            "<m1@customer.example>",
        )
    )
    dovecot.append(
        message(
            customer.email,
            f"Re: [{existing.reference}] Old issue",
            "Still happening",
            "<m2@customer.example>",
        )
    )
    dovecot.append(b"this is not a mail\r\n\r\n\x00\xff")

    result = mailbox_poll(mailbox=mailbox)

    assert result["fetched"] == 3
    assert result["error"] == ""
    new = Ticket.objects.get(subject="Printer jam")
    assert new.requester.email == "newcomer@customer.example"
    assert new.department == department
    assert existing.messages.filter(body="Still happening").exists()
    statuses = sorted(InboundEmail.objects.values_list("status", flat=True))
    assert statuses == ["failed", "processed", "processed"]
    assert all("\\Seen" in line for line in dovecot.flags())
    # Polling again finds nothing new.
    assert mailbox_poll(mailbox=mailbox)["fetched"] == 0
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""


def test_move_after_processing(dovecot, mailbox):
    client = dovecot.imap()
    client.create("Processed")
    client.logout()
    mailbox.after_processing = Mailbox.After.MOVE
    mailbox.move_to_folder = "Processed"
    mailbox.save()
    dovecot.append(message("mover@customer.example", "Move me", "Body", "<m3@x>"))

    assert mailbox_poll(mailbox=mailbox)["fetched"] == 1

    assert dovecot.flags("INBOX") == []
    assert len(dovecot.flags("Processed")) == 1
    assert Ticket.objects.filter(subject="Move me").exists()


def test_a_wrong_password_is_recorded_not_raised(dovecot, mailbox):
    mailbox.password = "wrong"
    mailbox.save()
    result = mailbox_poll(mailbox=mailbox)
    assert (
        "error" in result and "AUTHENTICATIONFAILED" in result["error"].upper()
    ) or ("authentication failed" in result["error"].lower())
    mailbox.refresh_from_db()
    assert mailbox.last_error
    assert mailbox.poll_lease_until is None


def test_an_unreachable_server_is_recorded(mailbox):
    mailbox.port = 1  # nothing listens there
    mailbox.save()
    result = mailbox_poll(mailbox=mailbox)
    assert "ConnectionRefusedError" in result["error"]


def test_beat_task_polls_every_enabled_mailbox(dovecot, mailbox):
    Mailbox.objects.create(name="off", host="127.0.0.1", username="x", enabled=False)
    dovecot.append(message("beat@customer.example", "Via beat", "Body", "<m4@x>"))
    assert poll_mailboxes() == 1  # eager: the poll ran in this process
    assert Ticket.objects.filter(subject="Via beat").exists()


def test_a_message_stored_but_never_processed_is_picked_up_later(dovecot, mailbox):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.services import inbound_store
    from integrations.tasks import process_stuck_inbound

    raw = message("stuck@customer.example", "Stuck", "Body", "<stuck@x>")
    stuck = inbound_store(raw=raw, source=InboundEmail.Source.IMAP, mailbox=mailbox)
    InboundEmail.objects.filter(pk=stuck.pk).update(
        received_at=timezone.now() - timedelta(minutes=11)
    )
    assert process_stuck_inbound() == 1
    stuck.refresh_from_db()
    assert stuck.status == "processed"
    assert Ticket.objects.filter(subject="Stuck").exists()


class RefusingIMAP:
    """A server that will not hand over one message (UID 7)."""

    def __init__(self, messages: dict[bytes, bytes]):
        self.messages, self.seen = messages, []

    def select(self, folder):
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command, *args):
        if command == "SEARCH":
            return "OK", [b" ".join(self.messages)]
        if command == "FETCH":
            uid = args[0]
            if uid == b"7":
                return "NO", [b"[SERVERBUG] cannot read this one"]
            return "OK", [(b"1 (BODY[] {1})", self.messages[uid]), b")"]
        if command == "STORE":
            self.seen.append(args[0])
            return "OK", [b""]
        raise AssertionError(command)

    def logout(self):
        return "BYE", []


def test_one_unreadable_message_does_not_block_the_rest(mailbox, monkeypatch):
    from integrations.services import imap

    server = RefusingIMAP(
        {
            b"7": b"",
            b"8": message("later@customer.example", "Later", "Body", "<l@x>"),
        }
    )
    monkeypatch.setattr(imap, "_connect", lambda box: server)
    result = mailbox_poll(mailbox=mailbox)
    assert result["fetched"] == 1
    assert "could not fetch 7" in result["error"]
    assert server.seen == [b"8"]
    assert Ticket.objects.filter(subject="Later").exists()
