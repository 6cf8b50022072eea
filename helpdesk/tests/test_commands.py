import io
import logging

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from organizations.models import Department, Organization, Team
from tickets.models import (
    BusinessHoliday,
    CannedResponse,
    Category,
    Message,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db

STRONG = "a-long-and-unusual-passphrase"


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


# --- create_admin -----------------------------------------------------------


def test_create_admin_creates_once_and_is_idempotent():
    first = run(
        "create_admin", email="Boss@Example.com", password=STRONG, no_input=True
    )
    second = run(
        "create_admin", email="boss@example.com", password=STRONG, no_input=True
    )

    assert "Created admin boss@example.com" in first
    assert "already exists; nothing to change" in second
    admin = User.objects.get()
    assert admin.is_admin
    assert admin.check_password(STRONG)


def test_create_admin_reads_the_environment(monkeypatch):
    monkeypatch.setenv("HELPDESK_ADMIN_EMAIL", "ops@example.com")
    monkeypatch.setenv("HELPDESK_ADMIN_PASSWORD", STRONG)
    run("create_admin", no_input=True)
    assert User.objects.get(email="ops@example.com").is_admin


def test_create_admin_promotes_an_existing_user():
    User.objects.create_user("lead@example.com", STRONG)
    output = run("create_admin", email="lead@example.com", no_input=True)
    assert "Updated admin lead@example.com: role" in output
    assert User.objects.get().role == User.Role.ADMIN


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "Give --email"),
        ({"email": "not-an-address"}, "not a valid email"),
        ({"email": "x@example.com"}, "Give --password"),
        ({"email": "x@example.com", "password": "123"}, "too short"),
    ],
)
def test_create_admin_explains_what_is_missing(options, message, monkeypatch):
    monkeypatch.delenv("HELPDESK_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("HELPDESK_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError, match=message):
        run("create_admin", no_input=True, **options)
    assert not User.objects.exists()


# --- init_demo_data ---------------------------------------------------------


def snapshot():
    return {
        model.__name__: model.objects.count()
        for model in (User, Organization, Department, Team, Category, Ticket, Message)
    }


def test_demo_data_has_the_promised_shape_and_is_idempotent():
    output = run("init_demo_data")
    counts = snapshot()

    assert counts["Organization"] == 3
    assert set(Department.objects.values_list("name", flat=True)) == {
        "Support",
        "Billing",
    }
    assert Team.objects.count() == 3
    assert User.objects.filter(role=User.Role.AGENT).count() == 6
    assert User.objects.filter(role=User.Role.ADMIN).count() == 1
    assert User.objects.filter(role=User.Role.CUSTOMER).count() == 20
    assert counts["Ticket"] == 60
    assert set(Ticket.objects.values_list("status", flat=True)) == set(
        Ticket.Status.values
    )
    assert set(Ticket.objects.values_list("priority", flat=True)) == set(
        Ticket.Priority.values
    )
    assert Message.objects.filter(internal=True).exists()
    assert CannedResponse.objects.filter(shared=True).count() == 3
    # A default service level applies to every demo ticket.
    assert not Ticket.objects.filter(sla_policy__isnull=True).exists()
    open_tickets = Ticket.objects.filter(status__in=["new", "open"])
    assert all(t.resolution_due_at for t in open_tickets)
    # Its calendar's public holidays have names ("New Year's Day").
    holidays = BusinessHoliday.objects.filter(calendar__name="Office hours (Berlin)")
    assert holidays.exists() and not holidays.filter(name="").exists()
    # Tickets solved in time have their resolution clock stopped, so
    # reopening one resumes it rather than breaching it.
    for ticket in Ticket.objects.filter(status="solved"):
        in_time = ticket.solved_at <= ticket.resolution_due_at
        assert (ticket.sla_paused_since == ticket.solved_at) is in_time, ticket
    assert "admin@helpdesk.example" in output
    assert "customer@acme.example" in output
    assert "helpdesk-demo" in output

    # Demo logins work.
    agent = User.objects.get(email="agent@helpdesk.example")
    assert agent.check_password("helpdesk-demo")
    assert agent.departments.filter(slug="support").exists()

    run("init_demo_data")
    assert snapshot() == counts


def test_demo_history_emails_nobody(mailoutbox, django_capture_on_commit_callbacks):
    from notifications.models import EmailLog
    from notifications.seed import seed_defaults
    from tickets.models import TicketEvent

    seed_defaults()  # the standard rules: without the quiet, 60 tickets mail
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run("init_demo_data")
    assert callbacks, "the commit hooks ran, as after a real commit"
    assert TicketEvent.objects.count() > 60
    assert not EmailLog.objects.exists()
    assert mailoutbox == []


def test_demo_history_is_in_order_and_consistent():
    run("init_demo_data")
    for ticket in Ticket.objects.all():
        stamps = [ticket.created_at]
        stamps += [m.created_at for m in ticket.messages.all()]
        assert stamps == sorted(stamps), ticket
        assert ticket.updated_at <= timezone.now(), "history in the future"
        assert ticket.updated_at >= ticket.created_at
        if ticket.status == Ticket.Status.CLOSED:
            assert ticket.closed_at and ticket.solved_at
        if ticket.status == Ticket.Status.NEW:
            assert ticket.assignee is None
            # Nobody acted on it; the SLA sweep may have announced it.
            assert not ticket.events.exclude(
                kind__in=[
                    TicketEvent.Kind.CREATED,
                    TicketEvent.Kind.SLA_POLICY,
                    TicketEvent.Kind.SLA_WARNING,
                    TicketEvent.Kind.SLA_BREACHED,
                    TicketEvent.Kind.SLA_ESCALATED,
                ]
            ).exists()


def test_demo_bulk_tickets_add_three_messages_each():
    run("init_demo_data")
    before = snapshot()
    output = run("init_demo_data", tickets=250)
    after = snapshot()

    assert after["Ticket"] == before["Ticket"] + 250
    assert after["Message"] == before["Message"] + 750
    assert "Added 250 tickets with 750 messages" in output
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    bulk = Ticket.objects.order_by("-number")[:250]
    assert all(t.messages.count() == 3 for t in bulk[:5])
    # Their history is spread out, not all "just now".
    assert len({t.updated_at.date() for t in bulk}) > 30


def test_optimize_db_refreshes_planner_statistics():
    from django.db import connection

    output = run("optimize_db")
    assert output.startswith(f"{connection.vendor}:")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name='sqlite_stat1'"
            )
            assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize("vendor", ["oracle", "mysql"])
def test_optimize_db_skips_a_database_it_does_not_know(monkeypatch, caplog, vendor):
    """Housekeeping knows SQLite, PostgreSQL and MongoDB; on any other engine
    it opens no cursor, says so on the console and in the log."""
    from django.db import connection

    def no_cursor(*args, **kwargs):
        raise AssertionError("no cursor on a database we do not know")

    monkeypatch.setattr(connection, "vendor", vendor)
    monkeypatch.setattr(connection, "cursor", no_cursor)
    caplog.set_level(logging.INFO, logger="helpdesk.maintenance")
    output = run("optimize_db")
    assert output.strip() == (
        f"{vendor}: skipped (no housekeeping is known for this database engine)"
    )
    assert [
        r.getMessage() for r in caplog.records if r.name == "helpdesk.maintenance"
    ] == [f"Database housekeeping skipped: unknown engine {vendor!r}."]


def test_optimize_db_on_postgresql_leaves_it_to_autovacuum(monkeypatch):
    from django.db import connection

    def no_cursor(*args, **kwargs):
        raise AssertionError("PostgreSQL keeps its own statistics")

    monkeypatch.setattr(connection, "vendor", "postgresql")
    monkeypatch.setattr(connection, "cursor", no_cursor)
    assert run("optimize_db").strip() == (
        "postgresql: nothing to do (autovacuum keeps the statistics)"
    )
