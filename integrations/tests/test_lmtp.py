"""The LMTP listener, over real sockets: a mail server's deliveries become
tickets and replies, every accepted message is stored before the 250, and
what cannot be stored is answered 451 so the mail server tries again."""

import asyncio
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.db import connection

from accounts.tests.factories import UserFactory
from conftest import free_port, wait_until
from integrations.lmtp import Listener, ListenerOptions, networks, peer_allowed
from integrations.models import InboundEmail
from tickets import services
from tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


class RunningListener:
    """The listener on its own event loop in a thread, as in the command."""

    def __init__(self, **options):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.listener = Listener(
            ListenerOptions(host="127.0.0.1", port=free_port(), **options)
        )
        self._call(self.listener.start())
        self.port = self.listener.port

    def _call(self, coroutine, timeout=30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def client(self) -> smtplib.LMTP:
        client = smtplib.LMTP("127.0.0.1", self.port, timeout=30)
        client.ehlo_or_helo_if_needed()
        return client

    def stop(self):
        self._call(self.listener.stop(grace=10))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def lmtp():
    running = RunningListener()
    yield running
    running.stop()


def mail(
    subject="Printer on fire",
    sender="pat@customer.example",
    body="It is on fire.",
    message_id="<m1@customer.example>",
    attachment: bytes | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Pat <{sender}>"
    message["To"] = "support@helpdesk.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(
            attachment, maintype="text", subtype="plain", filename="log.txt"
        )
    return message


def deliver(lmtp, message, rcpt="support@helpdesk.example") -> dict:
    with lmtp.client() as client:
        return client.sendmail(message["From"], [rcpt], message.as_bytes())


def processed(count=1):
    return wait_until(
        lambda: (
            InboundEmail.objects.exclude(status=InboundEmail.Status.PENDING).count()
            >= count
        ),
        timeout=30,
    )


def test_a_new_request_becomes_a_ticket(lmtp):
    assert deliver(lmtp, mail()) == {}
    assert processed()
    ticket = Ticket.objects.get(subject="Printer on fire")
    assert ticket.requester.email == "pat@customer.example"
    assert ticket.channel == Ticket.Channel.EMAIL
    inbound = InboundEmail.objects.get()
    assert inbound.source == InboundEmail.Source.LMTP
    assert inbound.status == InboundEmail.Status.PROCESSED
    assert inbound.ticket == ticket
    with inbound.raw.open("rb") as handle:
        assert b"It is on fire." in handle.read()


def test_a_reply_lands_on_its_ticket_and_files_come_along(lmtp, department):
    customer = UserFactory(email="pat@customer.example")
    ticket = services.ticket_create(
        requester=customer, subject="Printer on fire", body="First.", department=None
    )
    reply = mail(
        subject=f"Re: [{ticket.reference}] Printer on fire",
        body="Still burning, log attached.",
        message_id="<m2@customer.example>",
        attachment=b"smoke detected\n",
    )
    deliver(lmtp, reply)
    assert processed()
    message = Message.objects.get(email_message_id="<m2@customer.example>")
    assert message.ticket == ticket
    assert message.body.startswith("Still burning")
    assert Attachment.objects.get(message=message).original_name == "log.txt"
    assert Ticket.objects.count() == 1


def test_every_recipient_gets_an_answer_and_the_mail_is_stored_once(lmtp):
    """LMTP answers after DATA once per recipient (RFC 2033)."""
    with socket.create_connection(("127.0.0.1", lmtp.port), timeout=30) as sock:
        reader = sock.makefile("rb")

        def say(line: bytes) -> bytes:
            sock.sendall(line + b"\r\n")
            return reader.readline()

        assert reader.readline().startswith(b"220")
        sock.sendall(b"LHLO mx.example\r\n")
        while not (line := reader.readline()).startswith(b"250 "):
            assert line.startswith(b"250-")
        assert say(b"MAIL FROM:<pat@customer.example>").startswith(b"250")
        assert say(b"RCPT TO:<support@helpdesk.example>").startswith(b"250")
        assert say(b"RCPT TO:<billing@helpdesk.example>").startswith(b"250")
        assert say(b"DATA").startswith(b"354")
        sock.sendall(mail().as_bytes().replace(b"\n", b"\r\n") + b".\r\n")
        answers = [reader.readline(), reader.readline()]
        say(b"QUIT")
    assert all(answer.startswith(b"250 2.0.0 Stored") for answer in answers)
    assert processed()
    assert InboundEmail.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_a_malformed_message_is_kept_and_reported_not_dropped(lmtp):
    garbage = b"\x00\xff this is not an email at all\r\nno headers either\r\n"
    with lmtp.client() as client:
        assert client.sendmail("mx@example", ["s@helpdesk.example"], garbage) == {}
    assert processed()
    inbound = InboundEmail.objects.get()
    assert inbound.status == InboundEmail.Status.FAILED
    assert inbound.outcome == "No sender"
    with inbound.raw.open("rb") as handle:
        assert handle.read() == garbage
    assert not Ticket.objects.exists()


def test_an_oversize_message_is_refused_with_552(settings):
    settings.INBOUND_MAX_BYTES = 2_000
    running = RunningListener()
    try:
        big = mail(body=("y" * 70 + "\n") * 60)  # about 4,400 bytes
        # smtplib declares the size (SIZE=), so it is refused at MAIL FROM.
        with (
            running.client() as client,
            pytest.raises(smtplib.SMTPSenderRefused) as refused,
        ):
            client.sendmail(big["From"], ["support@x.example"], big.as_bytes())
        assert refused.value.smtp_code == 552
        # A client that does not declare it is refused after the data.
        with running.client() as client:
            client.esmtp_features.pop("size", None)
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail(big["From"], ["support@x.example"], big.as_bytes())
        assert refused.value.smtp_code == 552
    finally:
        running.stop()
    assert not InboundEmail.objects.exists()


def test_storage_failure_answers_451_so_the_mail_server_retries(settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage folder should be")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"
    running = RunningListener()
    try:
        with (
            running.client() as client,
            pytest.raises(smtplib.SMTPDataError) as failed,
        ):
            client.sendmail("pat@customer.example", ["s@x.example"], b"Hi\r\n")
        assert failed.value.smtp_code == 451
        settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
        with running.client() as client:  # the retry, once storage is back
            assert (
                client.sendmail(
                    "pat@customer.example", ["s@x.example"], mail().as_bytes()
                )
                == {}
            )
    finally:
        running.stop()
    assert InboundEmail.objects.count() == 1
    assert Ticket.objects.filter(subject="Printer on fire").exists()


def test_only_allowed_networks_may_deliver():
    running = RunningListener(allowed=networks(["10.0.0.0/8"]))
    try:
        with (
            running.client() as client,
            pytest.raises(smtplib.SMTPSenderRefused) as refused,
        ):
            client.sendmail("pat@customer.example", ["s@x.example"], mail().as_bytes())
        assert refused.value.smtp_code == 550
    finally:
        running.stop()
    assert not InboundEmail.objects.exists()


def test_peer_addresses_are_judged_by_network():
    local = networks(["127.0.0.0/8", "::1/128"])
    assert peer_allowed(("127.0.0.1", 5000), local)
    assert peer_allowed(("::1", 5000, 0, 0), local)
    assert peer_allowed(("::ffff:127.0.0.1", 5000, 0, 0), local)
    assert not peer_allowed(("192.0.2.7", 5000), local)
    assert not peer_allowed(("2001:db8::1", 5000, 0, 0), local)
    assert not peer_allowed("", local)


def test_the_command_serves_until_sigterm_and_stops_cleanly():
    """``manage.py lmtp_server`` as an operator runs it."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "lmtp_server", "--port", str(port)],
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test",
            "HELPDESK_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        },
    )
    try:
        first = process.stdout.readline().decode()
        assert f"LMTP listening on 127.0.0.1:{port}" in first
        with smtplib.LMTP("127.0.0.1", port, timeout=30) as client:
            answer = client.sendmail(
                "pat@customer.example", ["s@x.example"], mail().as_bytes()
            )
        assert answer == {}
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err.decode()
    assert "LMTP listener stopped." in out.decode()
    assert InboundEmail.objects.get().source == InboundEmail.Source.LMTP
    assert Ticket.objects.filter(subject="Printer on fire").exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
