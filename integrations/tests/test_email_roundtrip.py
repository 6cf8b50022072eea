"""Mail out through a real SMTP server and back in through the MTA pipe."""

import io
import os
import subprocess
import sys
from email import policy
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from accounts.tests.factories import UserFactory
from integrations.models import InboundEmail
from notifications.models import EmailLog
from tickets import services
from tickets.models import Message, Ticket


def customer_reply_to(original: EmailMessage, text: str) -> bytes:
    """What a mail program sends when the customer hits Reply."""
    reply = EmailMessage(policy=policy.SMTP)
    reply["From"] = f"Alice <{original['To']}>"
    reply["To"] = original["Reply-To"] or original["From"]
    reply["Subject"] = f"Re: {original['Subject']}"
    reply["Message-ID"] = "<reply-1@alice.example>"
    reply["In-Reply-To"] = original["Message-ID"]
    reply["References"] = f"{original['References']} {original['Message-ID']}"
    quoted = "\n".join(
        f"> {line}" for line in original.get_body(("plain",)).get_content().splitlines()
    )
    reply.set_content(f"{text}\n\nOn Tue, Nov 24, 2026, Support wrote:\n{quoted}\n")
    return reply.as_bytes()


@pytest.mark.django_db
def test_agent_reply_goes_out_and_the_customers_answer_comes_back(
    smtp_server, agent, monkeypatch, django_capture_on_commit_callbacks
):
    customer = UserFactory(email="alice@customer.example")
    ticket = services.ticket_create(
        requester=customer,
        subject="VPN drops every hour",
        body="It drops.",
        department=agent.departments.get(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(ticket=ticket, author=agent, body="Update the client.")

    received = smtp_server.wait_for(1)
    reply_mail = next(m["message"] for m in received if m["rcpt"] == [customer.email])
    logged = EmailLog.objects.get(ticket=ticket, template_key="agent_reply")
    assert reply_mail["Subject"] == f"[{ticket.reference}] Re: VPN drops every hour"
    assert reply_mail["Message-ID"] == logged.message_id
    assert reply_mail["X-Helpdesk-Ticket"] == str(ticket.number)
    assert reply_mail["Reply-To"] == agent.departments.get().inbound_email
    assert "Update the client." in reply_mail.get_body(("plain",)).get_content()
    assert logged.status == EmailLog.Status.SENT

    raw = customer_reply_to(reply_mail, "Updated, it works now.")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        call_command("ingest_email", stdout=out)

    inbound = InboundEmail.objects.get()
    assert out.getvalue() == f"inbound #{inbound.pk}: queued\n"
    # Processing went to the worker (eager in tests), after the commit.
    assert queued[0].__name__ == "inbound_enqueue"
    assert inbound.outcome == f"Reply added to {ticket.reference}"
    message = Message.objects.get(email_message_id="<reply-1@alice.example>")
    assert message.ticket == ticket
    assert message.author == customer
    assert message.body == "Updated, it works now."  # the quoted history is cut


@pytest.mark.django_db(transaction=True)
def test_ingest_email_as_an_mta_pipe(tmp_path):
    """The command as a mail server runs it: a process with the mail on stdin."""
    customer = UserFactory(email="pipe@customer.example")
    raw = (
        b"From: Pipe Person <pipe@customer.example>\r\n"
        b"To: support@helpdesk.example\r\nSubject: Through the pipe\r\n"
        b"Message-ID: <pipe-1@customer.example>\r\n\r\nHello from the MTA.\r\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "ingest_email"],
        input=raw,
        capture_output=True,
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test",
            "HELPDESK_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        },
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    ticket = Ticket.objects.get(subject="Through the pipe")
    assert ticket.requester == customer
    assert result.stdout.decode().endswith(": queued\n")
    assert InboundEmail.objects.get().source == InboundEmail.Source.PIPE


@pytest.mark.django_db
def test_ingest_email_only_stores_and_queues(
    monkeypatch, django_capture_on_commit_callbacks
):
    """The pipe hands the message to the worker; nothing is processed in the
    MTA's process."""
    from integrations import tasks

    sent = []
    monkeypatch.setattr(tasks.process_inbound, "delay", sent.append)
    raw = b"From: Pat <pat@customer.example>\r\nSubject: Queued\r\n\r\nHi\r\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_email", stdout=out)
    inbound = InboundEmail.objects.get()
    assert sent == [[str(inbound.pk)]]
    assert inbound.status == InboundEmail.Status.PENDING
    assert inbound.source == InboundEmail.Source.PIPE
    assert not Ticket.objects.exists()
    assert out.getvalue() == f"inbound #{inbound.pk}: queued\n"
    assert tasks.process_inbound([str(inbound.pk)]) == {"processed": 1}
    assert Ticket.objects.get().subject == "Queued"
    assert tasks.process_inbound([str(inbound.pk)]) == {}  # safe to run twice


@pytest.mark.django_db
def test_ingest_email_exits_75_when_the_message_cannot_be_stored(
    monkeypatch, settings, tmp_path
):
    """EX_TEMPFAIL tells the mail server to keep the message and retry."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage folder should be")
    settings.PRIVATE_MEDIA_ROOT = blocker / "private"
    raw = b"From: Pat <pat@customer.example>\r\nSubject: Hi\r\n\r\nHi\r\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("ingest_email", stderr=err)
    assert exit_.value.code == 75
    assert "Could not store the message" in err.getvalue()
    assert not InboundEmail.objects.exists()


@pytest.mark.django_db
def test_ingest_email_refuses_empty_input_and_unknown_mailboxes(monkeypatch):
    from django.core.management import CommandError

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    with pytest.raises(CommandError, match="empty"):
        call_command("ingest_email")
    with pytest.raises(CommandError, match="no mailbox named"):
        call_command("ingest_email", mailbox="nope")
    assert not InboundEmail.objects.exists()
