"""Ids cross into Celery as text (issue 13 groundwork).

A task's arguments travel as JSON, and a primary key need not be an integer
(MongoDB's are object ids, which JSON cannot encode). So every task that
takes an id takes it as ``str`` and looks its row up with it, and every place
that queues one passes ``str(pk)``. The tasks are read from the Celery app's
registry, so a new task that takes an id cannot slip past these checks.
"""

import inspect
import json
import typing
from datetime import timedelta

import pytest
from celery.app.task import Task
from django.core import mail
from django.utils import timezone

from accounts.services import customer_register, mfa_enrolment_code_send
from accounts.tests.factories import UserFactory
from helpdesk.backup.service import BackupResult
from helpdesk.celery import app
from integrations.models import InboundEmail, Mailbox
from integrations.services import inbound_receive, inbound_store
from knowledge.models import ChatConversation
from knowledge.services.chat import chat_start
from knowledge.services.handover import handover_link_sign
from notifications.models import EmailLog
from notifications.receivers import on_ticket_events
from tickets import services
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def registered_tasks() -> dict[str, Task]:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if "celery." not in name}


def id_parameters(task: Task) -> dict[str, object]:
    """The task's parameters that carry ids (``*_id``, ``*_ids``), with their
    declared types."""
    hints = typing.get_type_hints(task.run)
    return {
        name: hints.get(name)
        for name in inspect.signature(task.run).parameters
        if name.endswith(("_id", "_ids"))
    }


def test_every_task_declares_its_ids_as_text():
    tasks = registered_tasks()
    assert "notifications.tasks.send_email" in tasks  # the registry is loaded
    for name, task in tasks.items():
        for parameter, declared in id_parameters(task).items():
            wanted = list[str] if parameter.endswith("_ids") else str
            assert declared == wanted, (name, parameter, declared)


# --- Each task, called with a text id, finds its row ---------------------------


@pytest.fixture
def ticket(customer, department):
    return services.ticket_create(
        requester=customer, subject="Printer", body="It jams.", department=department
    )


def _queued_email(ticket) -> EmailLog:
    return EmailLog.objects.create(
        recipient="someone@example.com",
        template_key="test",
        ticket=ticket,
        subject="Hello",
        body_text="Hello there.",
        status=EmailLog.Status.QUEUED,
        scheduled_for=timezone.now() - timedelta(hours=1),
    )


def _call_confirmation(ticket):
    user = UserFactory(email_verified=False)
    return {"user_id": str(user.pk)}, True


def _call_registration_notice(ticket):
    return {"user_id": str(ticket.requester.pk)}, True


def _call_mfa_code(ticket):
    return {"user_id": str(ticket.requester.pk), "code": "123456"}, True


def _call_dispatch(ticket):
    event = TicketEvent.objects.filter(ticket=ticket).earliest("pk")
    expected = len(EmailLog.objects.filter(event=event)) or None
    return {"event_id": str(event.pk)}, expected


def _call_dispatch_many(ticket):
    ids = [str(pk) for pk in TicketEvent.objects.values_list("pk", flat=True)]
    return {"event_ids": ids}, None


def _call_send_email(ticket):
    return {"log_id": str(_queued_email(ticket).pk)}, EmailLog.Status.SENT


def _call_poll_mailbox(ticket):
    box = Mailbox.objects.create(
        name="support", host="imap.example.com", username="u", enabled=True
    )
    return {"mailbox_id": str(box.pk)}, {"polled": str(box.pk)}


def _call_retry_inbound(ticket):
    raw = (
        b"From: stranger@example.net\r\nTo: support@example.com\r\n"
        b"Subject: Hi\r\nMessage-ID: <x1@example.net>\r\n\r\nHello\r\n"
    )
    inbound = inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)
    return {"inbound_id": str(inbound.pk)}, inbound.status


def _call_process_inbound(ticket):
    raw = (
        b"From: stranger@example.net\r\nTo: support@example.com\r\n"
        b"Subject: Hi\r\nMessage-ID: <x2@example.net>\r\n\r\nHello\r\n"
    )
    inbound = inbound_store(raw=raw, source=InboundEmail.Source.LMTP)
    return {"inbound_ids": [str(inbound.pk)]}, {InboundEmail.Status.PROCESSED: 1}


def _call_events_announce(ticket):
    events = [str(pk) for pk in ticket.events.values_list("pk", flat=True)]
    assert events  # the creation at least
    return {"event_ids": events}, len(events)


def _call_chat_handover_link(ticket):
    conversation = chat_start(user=None, channel=ChatConversation.Channel.HELP_CENTER)
    ChatConversation.objects.filter(pk=conversation.pk).update(
        visitor_email="visitor@example.com",
        handover_key="a-random-key",
        handover_requested_at=timezone.now(),
    )
    signed = handover_link_sign("a-random-key")
    return {"conversation_id": str(conversation.pk), "signed": signed}, True


def _call_dispatch_teams_cards(ticket):
    from integrations.models import TeamsConnector
    from notifications.models import AutomationRule

    # No webhook URL: the card is queued and fails without any HTTP.
    TeamsConnector.objects.create(name="Ops", is_default=True)
    AutomationRule.objects.create(
        name="Every new ticket to Teams", event="ticket_created", action="teams"
    )
    event = TicketEvent.objects.filter(ticket=ticket).earliest("pk")
    return {"event_ids": [str(event.pk)]}, 1


def _call_post_teams_card(ticket):
    from integrations.models import TeamsConnector, TeamsPost

    connector = TeamsConnector.objects.create(name="Ops")  # no URL: no HTTP
    post = TeamsPost.objects.create(connector=connector, ticket=ticket, card="{}")
    return {"post_id": str(post.pk)}, TeamsPost.Status.FAILED


def _webhook_delivery():
    from integrations.models import WebhookDelivery, WebhookEndpoint

    # Port 9 (discard) on loopback: nothing answers, the delivery retries.
    endpoint = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/in")
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type="webhook.ping",
        webhook_id="msg_t",
        payload="{}",
    )


def _call_dispatch_webhook(ticket):
    from integrations.models import WebhookEndpoint

    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/in")
    event = TicketEvent.objects.get(ticket=ticket, kind="created")
    return {"event_id": str(event.pk)}, 1


def _call_dispatch_webhooks(ticket):
    kwargs, answer = _call_dispatch_webhook(ticket)
    return {"event_ids": [kwargs["event_id"]]}, answer


def _call_deliver_webhook(ticket):
    return {"delivery_id": str(_webhook_delivery().pk)}, "retrying"


def _call_backup_job(ticket):
    from helpdesk.backup.store import job_create

    job = job_create(requested_by=UserFactory(admin=True))
    return {"job_id": job["id"]}, "done"


# One way to call each task that takes an id, and what it answers when it found
# the row (None: it ran, whatever it answered).
CALLS = {
    "accounts.tasks.send_confirmation_email": _call_confirmation,
    "accounts.tasks.send_registration_notice": _call_registration_notice,
    "accounts.tasks.send_mfa_enrolment_code": _call_mfa_code,
    "notifications.tasks.dispatch_ticket_event": _call_dispatch,
    "notifications.tasks.dispatch_ticket_events": _call_dispatch_many,
    "notifications.tasks.send_email": _call_send_email,
    "integrations.tasks.poll_mailbox": _call_poll_mailbox,
    "integrations.tasks.retry_inbound": _call_retry_inbound,
    "integrations.tasks.process_inbound": _call_process_inbound,
    "tickets.tasks.events_announce": _call_events_announce,
    "integrations.tasks.dispatch_teams_cards": _call_dispatch_teams_cards,
    "integrations.tasks.post_teams_card": _call_post_teams_card,
    "integrations.tasks.dispatch_webhook": _call_dispatch_webhook,
    "integrations.tasks.dispatch_webhooks": _call_dispatch_webhooks,
    "integrations.tasks.deliver_webhook": _call_deliver_webhook,
    "knowledge.tasks.send_chat_handover_link": _call_chat_handover_link,
    "helpdesk.tasks.backup_job": _call_backup_job,
}


def test_every_task_that_takes_an_id_is_called_below():
    taking_ids = {name for name, t in registered_tasks().items() if id_parameters(t)}
    assert taking_ids == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_task_finds_its_row_by_a_text_id(name, ticket, monkeypatch):
    monkeypatch.setattr(
        "integrations.tasks.mailbox_poll",
        lambda *, mailbox: {"polled": str(mailbox.pk)},
    )
    monkeypatch.setattr(  # a job's own backup is tested in helpdesk/backup
        "helpdesk.backup.service.backup_create",
        lambda **options: BackupResult(name="helpdesk-backup", size=0, manifest={}),
    )
    kwargs, expected = CALLS[name](ticket)
    json.dumps(kwargs)
    outbox = len(mail.outbox)
    answer = registered_tasks()[name].apply(kwargs=kwargs).get()
    if expected is not None:
        assert answer == expected
    if name in {
        "notifications.tasks.send_email",
        "knowledge.tasks.send_chat_handover_link",
    }:
        assert len(mail.outbox) == outbox + 1


# --- Each place that queues a task passes text ---------------------------------


@pytest.fixture
def queued(monkeypatch):
    """Every task queued, as (name, args, kwargs), instead of being run."""
    calls = []

    def record(task, args=None, kwargs=None, **options):
        calls.append((task.name, list(args or ()), dict(kwargs or {})))

    monkeypatch.setattr(Task, "apply_async", record)
    return calls


def assert_text_ids(calls, expected_names):
    assert {name for name, _, _ in calls} >= set(expected_names), calls
    for name, args, kwargs in calls:
        json.dumps([args, kwargs])  # what the broker would be sent
        for value in [*args, *kwargs.values()]:
            items = value if isinstance(value, list) else [value]
            assert all(isinstance(item, str) for item in items), (name, value)


def test_sign_ups_queue_text_ids(queued, django_capture_on_commit_callbacks):
    known = UserFactory(email="known@example.com", email_verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        customer_register(email="new@example.com", full_name="New", password="x" * 20)
        customer_register(email=known.email, full_name="Known", password="x" * 20)
        mfa_enrolment_code_send(user=known)
    assert_text_ids(
        queued,
        [
            "accounts.tasks.send_confirmation_email",
            "accounts.tasks.send_registration_notice",
            "accounts.tasks.send_mfa_enrolment_code",
        ],
    )


def test_ticket_events_queue_text_ids(queued, ticket):
    events = list(TicketEvent.objects.values_list("pk", flat=True))
    on_ticket_events(sender=TicketEvent, event_ids=events)
    assert_text_ids(queued, ["notifications.tasks.dispatch_ticket_events"])


def test_dispatch_and_sweeps_queue_text_ids(queued, ticket, agent):
    from integrations.tasks import poll_mailboxes
    from notifications.tasks import dispatch_ticket_event, send_due_emails

    services.message_reply_or_follow_up(ticket=ticket, author=agent, body="Fixed.")
    for event in TicketEvent.objects.all():
        dispatch_ticket_event(str(event.pk))
    assert any(name.endswith("send_email") for name, _, _ in queued)
    _queued_email(ticket)
    send_due_emails()
    Mailbox.objects.create(name="box", host="imap.example.com", username="u")
    poll_mailboxes()
    assert_text_ids(
        queued,
        ["notifications.tasks.send_email", "integrations.tasks.poll_mailbox"],
    )


def test_email_retry_queues_a_text_id(
    queued, ticket, admin_user, django_capture_on_commit_callbacks
):
    from notifications.editing import email_log_retry

    entry = _queued_email(ticket)
    EmailLog.objects.filter(pk=entry.pk).update(status=EmailLog.Status.FAILED)
    entry.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        email_log_retry(actor=admin_user, entry=entry)
    assert_text_ids(queued, ["notifications.tasks.send_email"])
