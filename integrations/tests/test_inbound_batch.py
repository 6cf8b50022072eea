"""The worker's side of the listener and the pipe: a batch of stored messages
is processed once each, in the order they arrived, within a bounded number
of queries per message."""

from email.message import EmailMessage

import pytest

from accounts.tests.factories import UserFactory
from integrations import tasks
from integrations.models import InboundEmail
from integrations.services import inbound_store
from tickets import services
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

# Queries a message may cost the worker, whatever it is (a reply, a new
# ticket from a new sender, one with a file), the services it calls included.
MAX_QUERIES_PER_MESSAGE = 30


def raw(sender, subject, message_id, *, body="Hello.", file=False) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@helpdesk.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    if file:
        message.add_attachment(
            b"%PDF-1.4 bench", maintype="application", subtype="pdf", filename="a.pdf"
        )
    return message.as_bytes()


def store(messages) -> list[str]:
    return [
        str(inbound_store(raw=item, source=InboundEmail.Source.LMTP).pk)
        for item in messages
    ]


def test_a_mixed_batch_is_processed_within_bounded_queries(
    department, django_assert_max_num_queries
):
    customer = UserFactory(email="pat@customer.example")
    ticket = services.ticket_create(
        requester=customer, subject="Printer", body="Broken.", department=department
    )
    mix = []
    for n in range(4):
        mix.append(
            raw(
                "Pat <pat@customer.example>",
                f"Re: [{ticket.reference}] Printer",
                f"<reply-{n}@customer.example>",
                file=n == 0,
            )
        )
        mix.append(
            raw(
                f"New <new-{n}@elsewhere.example>",
                f"Question {n}",
                f"<new-{n}@elsewhere.example>",
                file=n == 1,
            )
        )
    ids = store(mix)
    with django_assert_max_num_queries(MAX_QUERIES_PER_MESSAGE * len(mix)):
        counts = tasks.process_inbound(ids)
    assert counts == {"processed": len(mix)}
    assert Message.objects.filter(ticket=ticket).count() == 5
    assert Ticket.objects.filter(subject__startswith="Question").count() == 4


def test_processing_twice_changes_nothing_and_only_pending_mail_is_taken():
    ids = store(
        [
            raw("Pat <pat@customer.example>", "One", "<one@customer.example>"),
            raw("Pat <pat@customer.example>", "Two", "<two@customer.example>"),
        ]
    )
    InboundEmail.objects.filter(pk=ids[1]).update(status=InboundEmail.Status.FAILED)
    assert tasks.process_inbound(ids) == {"processed": 1}
    assert tasks.process_inbound(ids) == {}
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["One"]


def test_messages_of_a_batch_are_processed_in_the_order_they_arrived():
    """A reply that arrived after the request it answers must find its
    ticket, whatever order the ids were handed over in."""
    first = raw("Pat <pat@customer.example>", "Order", "<first@customer.example>")
    ids = store([first])
    reply = EmailMessage()
    reply["From"] = "Pat <pat@customer.example>"
    reply["Subject"] = "Re: Order"
    reply["Message-ID"] = "<second@customer.example>"
    reply["In-Reply-To"] = "<first@customer.example>"
    reply.set_content("And another thing.")
    ids += store([reply.as_bytes()])
    assert tasks.process_inbound(list(reversed(ids))) == {"processed": 2}
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 2


def test_a_thread_root_too_long_for_a_ticket_number_does_not_hide_the_token(
    department,
):
    """Our thread roots carry a ticket number; one with more digits than any
    ticket's is no root of ours, and the subject's [#N] still finds the
    ticket (it used to overflow the database's integer and fail the mail)."""
    customer = UserFactory(email="pat@customer.example")
    ticket = services.ticket_create(
        requester=customer, subject="Printer", body="Broken.", department=department
    )
    reply = EmailMessage()
    reply["From"] = "Pat <pat@customer.example>"
    reply["Subject"] = f"Re: [{ticket.reference}] Printer"
    reply["Message-ID"] = "<long-root@customer.example>"
    reply["References"] = f"<ticket-{'9' * 30}@helpdesk.example>"
    reply.set_content("Still broken.")

    assert tasks.process_inbound(store([reply.as_bytes()])) == {"processed": 1}
    assert ticket.messages.count() == 2
