"""Services that must be all-or-nothing leave nothing half-written when they
fail halfway, on SQLite, PostgreSQL and MongoDB alike (issue 13).

Each test makes something the service calls after its first write raise,
then reads the database back. The tests run in real transactions
(``transaction=True``), so SQL commits and rolls back as in production.
"""

import pytest
from django.core import mail

from accounts.models import User
from accounts.services import mfa as mfa_services
from accounts.services import mfa_device_pending
from accounts.tests.test_mfa import totp_for
from notifications import sending
from notifications.models import EmailLog
from tickets import services
from tickets.models import Message, SLANotice, Ticket, TicketEvent
from tickets.services import sla_sweep as sweep_module
from tickets.services import tickets as ticket_services

from .factories import TicketFactory
from .office import berlin
from .test_sla import policy, started  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)
Kind = TicketEvent.Kind


class Boom(Exception):
    """The failure injected halfway through a service."""


class Refused(services.InvalidTicketChange):
    """An injected refusal a bulk change reports per ticket."""


def fail(*args, **kwargs):
    raise Boom("injected")


def test_a_ticket_that_fails_after_its_first_message_leaves_nothing(
    customer, settings, monkeypatch
):
    settings.TICKET_NUMBER_START = 5001
    monkeypatch.setattr(ticket_services, "attachments_store", fail)
    with pytest.raises(Boom):
        services.ticket_create(requester=customer, subject="Printer", body="Jammed")
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
    assert not TicketEvent.objects.exists()
    monkeypatch.undo()

    ticket = services.ticket_create(requester=customer, subject="Again", body="Ok")
    assert ticket.number == 5001  # the failed ticket's number was rolled back


def test_a_merge_that_fails_halfway_changes_neither_ticket(customer, agent, department):
    source = TicketFactory(requester=customer, department=department)
    target = TicketFactory(requester=customer, department=department)
    messages_before = Message.objects.filter(ticket=target).count()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ticket_services, "status_set", fail)
        with pytest.raises(Boom):
            services.ticket_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()
    assert source.merged_into is None
    assert source.status != Ticket.Status.CLOSED
    assert Message.objects.filter(ticket=target).count() == messages_before
    assert not TicketEvent.objects.filter(
        kind__in=[Kind.MERGED_INTO, Kind.MERGED_FROM]
    ).exists()


def test_a_bulk_change_that_fails_on_one_ticket_changes_the_others(
    customer, agent, department, monkeypatch
):
    first = TicketFactory(requester=customer, department=department)
    second = TicketFactory(requester=customer, department=department)
    change_status = ticket_services.ticket_change_status

    def fails_on_second(*, ticket, **kwargs):
        if ticket.pk == second.pk:
            raise Refused("Injected refusal.")
        return change_status(ticket=ticket, **kwargs)

    monkeypatch.setattr(ticket_services, "ticket_change_status", fails_on_second)
    result = services.tickets_bulk_update(
        actor=agent,
        numbers=[first.number, second.number],
        priority=Ticket.Priority.URGENT,
        status=Ticket.Status.PENDING,
    )
    assert result.changed == [first.number]
    assert result.refused == [(second.number, "Injected refusal.")]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.priority, first.status) == (
        Ticket.Priority.URGENT,
        Ticket.Status.PENDING,
    )
    assert second.priority != Ticket.Priority.URGENT  # its update rolled back
    assert not TicketEvent.objects.filter(ticket=second, kind=Kind.PRIORITY).exists()


def test_an_mfa_confirmation_that_fails_before_the_backup_codes_enables_nothing(
    customer, monkeypatch
):
    device = mfa_device_pending(user=customer)
    monkeypatch.setattr(mfa_services, "mfa_backup_codes_regenerate", fail)
    with pytest.raises(Boom):
        mfa_services.mfa_confirm(user=customer, code=totp_for(device).now())
    device.refresh_from_db()
    assert device.confirmed is False
    assert User.objects.get(pk=customer.pk).mfa_enabled is False


def test_an_email_whose_send_fails_keeps_no_lease(customer, monkeypatch):
    entry = EmailLog.objects.create(
        recipient=customer.email,
        template_key="ticket_created",
        subject="Hello",
        body_text="Hello",
        message_id="<lease-test@helpdesk.example>",
    )

    class Down:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_messages(self, messages):
            raise OSError("relay down")

    monkeypatch.setattr(sending, "get_connection", lambda **kwargs: Down())
    with pytest.raises(OSError):
        sending.email_send(log_id=entry.pk)
    entry.refresh_from_db()
    assert entry.status == EmailLog.Status.RETRYING
    assert entry.lease_until is None
    assert entry.attempts == 1
    assert mail.outbox == []
    monkeypatch.undo()
    assert sending.email_send(log_id=entry.pk).status == EmailLog.Status.SENT


def test_an_sla_sweep_that_fails_halfway_announces_nothing(
    policy,  # noqa: F811
    monkeypatch,
):
    ticket = started(berlin(2026, 11, 30, 9, 0))
    next_check = ticket.sla_next_check_at
    monkeypatch.setattr(sweep_module, "on_commit_robust", fail)
    with pytest.raises(Boom):
        sweep_module.sla_sweep(now=berlin(2026, 11, 30, 10, 30))
    ticket.refresh_from_db()
    assert not SLANotice.objects.exists()
    assert not TicketEvent.objects.filter(
        kind__in=[Kind.SLA_WARNING, Kind.SLA_BREACHED, Kind.SLA_ESCALATED]
    ).exists()
    assert ticket.sla_next_check_at == next_check
    monkeypatch.undo()

    assert sweep_module.sla_sweep(now=berlin(2026, 11, 30, 10, 30)).breaches == 1
