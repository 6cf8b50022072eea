"""Every message of the corpus through the same pipeline the poller and the
MTA pipe use: stored first, then processed to its expected outcome."""

import importlib
import pathlib

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from integrations.models import InboundEmail
from integrations.services import inbound_receive
from notifications.models import EmailLog
from notifications.services import notifications_dispatch
from organizations.tests.factories import OrganizationFactory
from tickets import services
from tickets.models import Message, Ticket
from tickets.tests.factories import TicketFactory

from .corpus import CASES as BASE_CASES
from .corpus import World

# Each topic keeps its cases in its own ``corpus_<topic>.py`` module with a
# ``CASES`` list; they all run through the same test below.
CASES = list(BASE_CASES)
for _module in sorted(
    pathlib.Path(__file__).parent.glob("corpus_*.py"), key=lambda path: path.name
):
    CASES += importlib.import_module(f"{__package__}.{_module.stem}").CASES

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(agent, settings) -> World:
    settings.INBOUND_TRUSTED_AUTHSERV_IDS = [World.trusted_mx]
    acme = OrganizationFactory(share_tickets=True)
    alice = UserFactory(email="alice@acme.example", organization=acme)
    UserFactory(email="bob@acme.example", organization=acme)
    UserFactory(email="gone@acme.example", organization=acme, inactive=True)
    User.objects.filter(pk=agent.pk).update(email="agent@helpdesk.example")
    agent.refresh_from_db()
    department = agent.departments.get()
    ticket = services.ticket_create(
        requester=alice, subject="Printer", body="It jams.", department=department
    )
    notifications_dispatch(event_id=ticket.events.get(kind="created").pk)
    reply = services.message_add(ticket=ticket, author=agent, body="Restart it.")
    notifications_dispatch(event_id=ticket.events.get(kind="reply").pk)
    agent_notice = EmailLog.objects.get(recipient=agent.email)
    our_message_id = EmailLog.objects.get(ticket=ticket, template_key="agent_reply")
    closed = TicketFactory(requester=alice, department=department, closed=True)
    assert reply.pk
    return World(
        ticket_number=ticket.number,
        closed_number=closed.number,
        our_message_id=our_message_id.message_id,
        instance_id=settings.HELPDESK_INSTANCE_ID,
        agent_notice_id=agent_notice.message_id,
    )


def test_the_corpus_is_big_and_varied():
    assert len(CASES) >= 30
    outcomes = {case.outcome for case in CASES}
    assert outcomes == {"new", "reply", "follow_up", "ignored", "failed", "suspended"}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_message(case, world):
    tickets_before = set(Ticket.objects.values_list("pk", flat=True))
    messages_before = Message.objects.count()
    raw = case.build(world)

    inbound = inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)

    # Whatever happened, the raw message is kept, byte for byte.
    inbound.refresh_from_db()
    assert inbound.raw.open("rb").read() == raw
    new_tickets = Ticket.objects.exclude(pk__in=tickets_before)
    expected_status = {
        "new": "processed",
        "reply": "processed",
        "follow_up": "processed",
        "ignored": "ignored",
        "failed": "failed",
        "suspended": "suspended",
    }[case.outcome]
    assert inbound.status == expected_status, (inbound.outcome, inbound.error[:500])
    if case.verification is not None:
        assert inbound.sender_verification == case.verification, inbound.outcome

    if case.outcome == "suspended":
        # Held for an agent: nothing added anywhere, the ticket it claims noted.
        assert not new_tickets.exists()
        assert Message.objects.count() == messages_before
        assert inbound.message is None
        assert inbound.outcome.startswith("Suspended")
        return

    if case.outcome in ("ignored", "failed"):
        assert not new_tickets.exists()
        assert inbound.outcome
        if case.outcome == "failed":
            assert inbound.error
        return

    message = inbound.message
    assert message is not None
    if case.outcome == "new":
        assert new_tickets.count() == 1
        assert message.ticket == new_tickets.get()
        assert message.ticket.channel == Ticket.Channel.EMAIL
    elif case.outcome == "reply":
        assert not new_tickets.exists()
        assert message.ticket.number == world.ticket_number
    else:
        follow_up = new_tickets.get()
        assert follow_up.follow_up_of.number == world.closed_number
        assert message.ticket == follow_up

    for needle in case.body_has:
        assert needle in message.body, (needle, message.body[:500])
    for needle in case.body_lacks:
        assert needle not in message.body, (needle, message.body[:500])
    if case.subject is not None:
        assert message.ticket.subject == case.subject
    if case.attachments is not None:
        assert message.attachments.count() == case.attachments
    if case.author is not None:
        assert message.author.email == getattr(world, case.author)
    assert message.internal == case.internal
    if case.verification is not None:
        assert message.sender_verification == case.verification
    if case.attachment_names is not None:
        names = sorted(a.original_name for a in message.attachments.all())
        assert names == sorted(case.attachment_names)
    if case.notes_have:
        notes = " ".join(
            [
                *message.ticket.messages.filter(internal=True).values_list(
                    "body", flat=True
                ),
                # The intake's note for agents on each message (never shown
                # to customers) is where the system lists set-aside files.
                *message.ticket.messages.values_list("intake_note", flat=True),
            ]
        )
        for needle in case.notes_have:
            assert needle in notes, (needle, notes[:500])
    if case.check is not None:
        case.check(message, inbound)


def test_stranger_never_lands_on_someone_elses_ticket(world):
    from .corpus import stranger_in_reply_to, stranger_token

    for build in (stranger_token, stranger_in_reply_to):
        inbound_receive(raw=build(world), source=InboundEmail.Source.PIPE)
    original = Ticket.objects.get(number=world.ticket_number)
    assert not original.messages.filter(author__email=world.stranger).exists()
    assert Ticket.objects.filter(requester__email=world.stranger).count() == 2


def test_agent_reply_by_email_counts_as_the_first_response(world):
    from .corpus import agent_by_email

    ticket = Ticket.objects.get(number=world.ticket_number)
    first_response = ticket.first_response_at
    inbound_receive(raw=agent_by_email(world), source=InboundEmail.Source.PIPE)
    message = Message.objects.get(body__contains="new toner")
    assert message.author.email == world.agent
    assert not message.internal
    ticket.refresh_from_db()
    assert ticket.first_response_at == first_response  # already answered by then


def test_bounce_marks_the_sent_email_failed(world):
    from .corpus import bounce_report

    inbound = inbound_receive(raw=bounce_report(world), source=InboundEmail.Source.PIPE)
    email = EmailLog.objects.get(message_id=world.our_message_id)
    assert email.status == EmailLog.Status.FAILED
    assert email.error.startswith("Bounced:")
    assert "marked 1 sent email(s) as bounced" in inbound.outcome


def test_the_same_message_twice_is_processed_once(world):
    from .corpus import plain_new

    first = inbound_receive(raw=plain_new(world), source=InboundEmail.Source.PIPE)
    second = inbound_receive(raw=plain_new(world), source=InboundEmail.Source.PIPE)
    assert first.status == "processed"
    assert second.status == "ignored"
    assert f"inbound #{first.pk}" in second.outcome
    assert Ticket.objects.filter(subject="Cannot print invoices").count() == 1


def test_oversized_message_is_kept_and_reported(world, settings):
    from .corpus import plain_new

    settings.INBOUND_MAX_BYTES = 100
    inbound = inbound_receive(raw=plain_new(world), source=InboundEmail.Source.PIPE)
    assert inbound.status == "failed"
    assert "INBOUND_MAX_BYTES" in inbound.error
    assert inbound.raw.open("rb").read() == plain_new(world)


def test_unknown_senders_are_refused_politely_when_configured(
    world, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from .corpus import plain_new

    settings.INBOUND_CREATE_CUSTOMERS = False
    with django_capture_on_commit_callbacks(execute=True):
        inbound = inbound_receive(raw=plain_new(world), source=InboundEmail.Source.PIPE)
    assert inbound.status == "ignored"
    assert "Refused: unknown sender" in inbound.outcome
    assert not User.objects.filter(email="newbie@customer.example").exists()
    assert [m.to for m in mailoutbox] == [["newbie@customer.example"]]
    assert "registered customers" in mailoutbox[0].body


def test_a_new_customer_joins_their_organization_once_proven(world):
    """A From header proves nothing: the sender joins the organization of
    their domain only when they prove the address (issue 10)."""
    from accounts.services import user_confirm_email
    from organizations.tests.factories import OrganizationDomainFactory

    from .corpus import plain_new

    domain = OrganizationDomainFactory(domain="customer.example")
    inbound_receive(raw=plain_new(world), source=InboundEmail.Source.PIPE)
    newbie = User.objects.get(email="newbie@customer.example")
    assert newbie.organization is None
    user_confirm_email(user=newbie)
    assert newbie.organization == domain.organization
    assert newbie.full_name == "Sender Name"
    assert not newbie.has_usable_password()


def test_a_spoofed_agent_address_never_reaches_the_customer(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from .corpus import spoofed_agent

    with django_capture_on_commit_callbacks(execute=True):
        inbound_receive(raw=spoofed_agent(world), source=InboundEmail.Source.PIPE)
    note = Message.objects.get(body__contains="evil.example")
    assert note.internal
    assert not any("evil.example" in mail.body for mail in mailoutbox)


def test_refusals_go_once_a_day_per_address(
    world, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from .corpus import plain_new

    settings.INBOUND_CREATE_CUSTOMERS = False
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(3):
            raw = plain_new(world).replace(
                b"Message-ID: <", f"Message-ID: <{index}".encode()
            )
            inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)
    assert len(mailoutbox) == 1


def test_an_agent_answering_a_closed_ticket_by_email_is_kept_with_the_reason(world):
    from .corpus import agent_by_email

    Ticket.objects.filter(number=world.ticket_number).update(status="closed")
    inbound = inbound_receive(
        raw=agent_by_email(world), source=InboundEmail.Source.PIPE
    )
    assert inbound.status == "failed"
    assert inbound.error == "This ticket is closed and cannot take replies."
    assert inbound.outcome == f"Could not add to #{world.ticket_number}"


def test_unverified_replies_are_suspended_when_verification_is_required(
    world, settings
):
    from .corpus import plain_new, reply_dmarc_pass, reply_token_only

    settings.INBOUND_REQUIRE_SENDER_AUTH = True
    unverified = inbound_receive(
        raw=reply_token_only(world), source=InboundEmail.Source.PIPE
    )
    assert unverified.status == "suspended"
    assert unverified.sender_verification == "none"
    verified = inbound_receive(
        raw=reply_dmarc_pass(world).replace(b"Message-ID: <", b"Message-ID: <v"),
        source=InboundEmail.Source.PIPE,
    )
    assert verified.status == "processed"
    # A new request is still opened (marked): no one else's conversation.
    new = inbound_receive(raw=plain_new(world), source=InboundEmail.Source.PIPE)
    assert new.status == "processed"
    assert new.message.sender_verification == "none"


def test_a_forged_unknown_sender_is_not_sent_a_refusal(
    world, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from .corpus import new_request_dmarc_fail

    settings.INBOUND_CREATE_CUSTOMERS = False
    with django_capture_on_commit_callbacks(execute=True):
        inbound = inbound_receive(
            raw=new_request_dmarc_fail(world), source=InboundEmail.Source.PIPE
        )
    assert inbound.status == "ignored"
    assert "not told" in inbound.outcome
    assert mailoutbox == []


def test_a_forged_reply_does_not_reach_the_ticket_or_its_people(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from .corpus import forged_reply_dmarc_fail

    ticket = Ticket.objects.get(number=world.ticket_number)
    before = ticket.messages.count()
    with django_capture_on_commit_callbacks(execute=True):
        inbound = inbound_receive(
            raw=forged_reply_dmarc_fail(world), source=InboundEmail.Source.PIPE
        )
    assert inbound.status == "suspended"
    assert inbound.ticket == ticket
    assert ticket.messages.count() == before
    assert not any("Wire the refund" in mail.body for mail in mailoutbox)


def test_a_forged_new_request_is_not_acknowledged_to_its_claimed_sender(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    """The acknowledgement would carry the forger's subject and text from our
    servers to an address that never wrote; a verified sender still gets it."""
    from .corpus import new_request_dmarc_fail, plain_new, stamped

    with django_capture_on_commit_callbacks(execute=True):
        forged = inbound_receive(
            raw=new_request_dmarc_fail(world), source=InboundEmail.Source.PIPE
        )
    assert forged.status == "processed"
    assert forged.ticket is not None
    assert not EmailLog.objects.filter(
        ticket=forged.ticket, recipient="ceo@customer.example"
    ).exists()
    assert not any("bank details" in mail.subject for mail in mailoutbox)

    verified = stamped(
        plain_new(world), f"{world.trusted_mx}; dmarc=pass header.from=customer.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        genuine = inbound_receive(raw=verified, source=InboundEmail.Source.PIPE)
    assert genuine.message.sender_verification == "pass"
    assert EmailLog.objects.filter(
        ticket=genuine.ticket, template_key="ticket_created"
    ).exists()
