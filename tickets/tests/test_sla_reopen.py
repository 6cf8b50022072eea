"""The resolution clock across solve and reopen: time spent solved does not
count, a target met at the solve stays met unless the resumed clock runs out,
and one missed at the solve stays missed."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations.tests.factories import DepartmentFactory
from tickets import business_time as bt
from tickets import services
from tickets.models import (
    BusinessCalendar,
    BusinessHours,
    SLANotice,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketEvent,
)
from tickets.services import sla
from tickets.services.sla_policies import calendar_for
from tickets.services.sla_sweep import sla_sweep
from tickets.tasks import sla_sweep as sla_sweep_task

from .factories import TicketFactory
from .office import berlin

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind
Status = Ticket.Status


def make_policy(calendar: BusinessCalendar, **fields) -> SLAPolicy:
    """Normal priority: first response 1 h, resolution 8 business hours."""
    policy = SLAPolicy.objects.create(
        name="Standard", calendar=calendar, is_default=True, **fields
    )
    SLATarget.objects.create(
        policy=policy,
        priority="normal",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=480,
    )
    return policy


@pytest.fixture
def policy(office):
    return make_policy(office, warn_before_minutes=30, escalate_priority=True)


@pytest.fixture
def around_the_clock():
    """A 24/7 policy that escalates: for tests that run at the real now."""
    calendar = BusinessCalendar.objects.create(name="24/7", timezone="UTC")
    BusinessHours.objects.bulk_create(
        BusinessHours(calendar=calendar, weekday=day, start=time(0), end=time(0))
        for day in range(7)
    )
    return make_policy(calendar, warn_before_minutes=30, escalate_priority=True)


def started(created_at: datetime, **fields) -> Ticket:
    """An open ticket created at a given moment, its first reply given at once
    (unless told otherwise), with its SLA applied."""
    fields.setdefault("first_response_at", created_at)
    ticket = TicketFactory(created_at=created_at, status=Status.OPEN, **fields)
    ticket.save(update_fields=sla.sla_start(ticket=ticket))
    ticket.refresh_from_db()
    return ticket


def move(ticket: Ticket, status: str, at: datetime) -> Ticket:
    """Move the status at a given moment, as ``status_set`` does at now."""
    old, ticket.status = ticket.status, status
    if status == Status.SOLVED:
        ticket.solved_at = at
    fields = sla.sla_on_status(ticket=ticket, old=old, new=status, at=at)
    ticket.save(update_fields=["status", "solved_at", *fields])
    ticket.refresh_from_db()
    return ticket


def breaches(ticket: Ticket, target: str = "resolution"):
    return SLANotice.objects.filter(ticket=ticket, target=target, stage="breach")


def sentences(ticket: Ticket, kind: str) -> list[str]:
    return list(ticket.events.filter(kind=kind).values_list("new_value", flat=True))


# --- (a) reopened before the original due time -------------------------------


def test_reopened_before_the_due_time_resumes_with_the_time_left(policy):
    ticket = started(berlin(2026, 11, 30, 9, 0))  # Monday
    assert ticket.resolution_due_at == berlin(2026, 11, 30, 17, 0)
    move(ticket, Status.SOLVED, berlin(2026, 11, 30, 11, 0))  # 6 h left

    move(ticket, Status.OPEN, berlin(2026, 11, 30, 14, 0))

    # 6 business hours from Monday 14:00: four on Monday, two on Tuesday.
    assert ticket.resolution_due_at == berlin(2026, 12, 1, 11, 0)
    calendar = calendar_for(policy.calendar)
    left = bt.business_minutes_between(
        calendar, berlin(2026, 11, 30, 14, 0), ticket.resolution_due_at
    )
    assert left == 360
    assert ticket.sla_paused_since is None
    assert ticket.sla_next_check_at == berlin(2026, 12, 1, 10, 30)  # the warning
    assert not breaches(ticket).exists()
    assert sla_sweep(now=berlin(2026, 11, 30, 14, 1)).breaches == 0
    assert sla_sweep(now=berlin(2026, 11, 30, 17, 1)).breaches == 0  # old due
    assert sla_sweep(now=berlin(2026, 12, 1, 10, 59)).breaches == 0
    # The resumed clock runs out: now it is a breach, at the moved due time.
    assert sla_sweep(now=berlin(2026, 12, 1, 11, 0)).breaches == 1
    assert list(breaches(ticket).values_list("due_at", flat=True)) == [
        berlin(2026, 12, 1, 11, 0)
    ]


# --- (b) reopened after the original due time --------------------------------


def test_reopened_after_the_due_time_gets_the_time_left_at_the_solve(policy):
    ticket = started(berlin(2026, 11, 30, 9, 0))
    move(ticket, Status.SOLVED, berlin(2026, 11, 30, 11, 0))  # 6 h left

    move(ticket, Status.OPEN, berlin(2026, 12, 2, 10, 0))  # Wednesday

    assert ticket.resolution_due_at == berlin(2026, 12, 2, 16, 0)
    assert sla_sweep(now=berlin(2026, 12, 2, 10, 1)).breaches == 0
    ticket.refresh_from_db()
    assert ticket.priority == "normal"  # not escalated
    assert sla_sweep(now=berlin(2026, 12, 2, 16, 0)).breaches == 1


# --- (c) an agent moves a solved ticket back to open -------------------------


def solved_in_time_long_ago(department) -> Ticket:
    """On the 24/7 policy: created 20 hours ago, due 12 hours ago, solved 15
    hours ago with 3 hours left."""
    now = timezone.now()
    ticket = started(now - timedelta(hours=20), department=department)
    return move(ticket, Status.SOLVED, now - timedelta(hours=15))


def assert_resumed_with_three_hours(ticket: Ticket, before: datetime) -> None:
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    after = timezone.now()
    assert before + timedelta(hours=3) <= ticket.resolution_due_at
    assert ticket.resolution_due_at <= after + timedelta(hours=3)
    assert sentences(ticket, Kind.SLA_RESUMED) == ["3 h left"]
    result = sla_sweep(now=after + timedelta(minutes=1))
    assert (result.breaches, result.escalations) == (0, 0)
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert not breaches(ticket).exists()


def test_an_agent_reopening_in_the_workspace_resumes_the_clock(
    around_the_clock, agent, login
):
    ticket = solved_in_time_long_ago(agent.departments.get())
    before = timezone.now()
    response = login(agent).post(
        reverse("tickets:agent_status", args=[ticket.number]), {"status": "open"}
    )
    assert response.status_code in (200, 302)
    assert_resumed_with_three_hours(ticket, before)


def test_an_agent_reopening_through_the_api_resumes_the_clock(
    around_the_clock, agent, api_as
):
    ticket = solved_in_time_long_ago(agent.departments.get())
    before = timezone.now()
    response = api_as(agent).post(
        f"/tickets/{ticket.number}/status", {"status": "open"}
    )
    assert response.status_code == 200, response.content
    assert_resumed_with_three_hours(ticket, before)


def test_the_customer_replying_to_a_solved_ticket_resumes_the_clock(
    around_the_clock, agent
):
    ticket = solved_in_time_long_ago(agent.departments.get())
    before = timezone.now()
    services.message_add(ticket=ticket, author=ticket.requester, body="Back again")
    assert_resumed_with_three_hours(ticket, before)


def test_an_agent_may_not_reopen_a_ticket_outside_their_departments(
    around_the_clock, agent, api_as
):
    ticket = solved_in_time_long_ago(DepartmentFactory())
    response = api_as(agent).post(
        f"/tickets/{ticket.number}/status", {"status": "open"}
    )
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert ticket.sla_paused_since is not None


# --- (d) solved after the due time -------------------------------------------


def test_a_ticket_solved_late_stays_breached_when_reopened(policy):
    ticket = started(berlin(2026, 11, 30, 9, 0))
    due = ticket.resolution_due_at
    move(ticket, Status.SOLVED, berlin(2026, 12, 1, 10, 0))  # due Monday 17:00
    assert breaches(ticket).count() == 1
    assert ticket.sla_paused_since is None

    move(ticket, Status.OPEN, berlin(2026, 12, 2, 10, 0))

    assert ticket.resolution_due_at == due
    assert not ticket.events.filter(kind__in=[Kind.SLA_MET, Kind.SLA_RESUMED])
    result = sla_sweep(now=berlin(2026, 12, 2, 10, 1))
    assert (result.breaches, result.escalations) == (0, 0)  # announced once
    assert breaches(ticket).count() == 1
    assert sla.nearest_deadline(ticket) == ("resolution", due)


# --- (e) several cycles -------------------------------------------------------


def test_several_solve_and_reopen_cycles_add_up(policy):
    ticket = started(berlin(2026, 11, 30, 9, 0))
    move(ticket, Status.SOLVED, berlin(2026, 11, 30, 10, 0))  # 7 h left
    move(ticket, Status.OPEN, berlin(2026, 11, 30, 12, 0))
    assert ticket.resolution_due_at == berlin(2026, 12, 1, 10, 0)
    move(ticket, Status.SOLVED, berlin(2026, 11, 30, 13, 0))  # 6 h left
    move(ticket, Status.OPEN, berlin(2026, 12, 1, 9, 0))
    assert ticket.resolution_due_at == berlin(2026, 12, 1, 15, 0)
    move(ticket, Status.PENDING, berlin(2026, 12, 1, 10, 0))  # waiting 1 h
    move(ticket, Status.SOLVED, berlin(2026, 12, 1, 11, 0))  # 5 h left
    move(ticket, Status.OPEN, berlin(2026, 12, 2, 17, 0))

    # Paused: 2 h + 5 h (Monday 13-18) + 1 h pending + 15 h (Tue 11-18, Wed 9-17).
    assert ticket.sla_paused_minutes == 23 * 60
    # 5 h from Wednesday 17:00: one on Wednesday, four on Thursday.
    assert ticket.resolution_due_at == berlin(2026, 12, 3, 13, 0)
    assert sentences(ticket, Kind.SLA_PAUSED) == ["7 h left", "6 h left", "5 h left"]
    assert sentences(ticket, Kind.SLA_RESUMED) == ["7 h left", "6 h left", "5 h left"]
    # The due time is still the target plus every pause, counted from creation.
    due = ticket.resolution_due_at
    ticket.save(update_fields=sla.sla_recompute(ticket=ticket, actor=None))
    assert ticket.resolution_due_at == due
    assert sla_sweep(now=berlin(2026, 12, 3, 12, 59)).breaches == 0


# --- (f) the sweep task -------------------------------------------------------


def test_the_sweep_task_leaves_a_ticket_reopened_in_time_alone(around_the_clock, agent):
    ticket = solved_in_time_long_ago(agent.departments.get())
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.OPEN)
    ticket.refresh_from_db()
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_next_check_at=timezone.now() - timedelta(minutes=1)
    )  # make the sweep read it

    result = sla_sweep_task.delay().get()

    assert result["breaches"] == 0 and result["escalations"] == 0
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert not ticket.events.filter(
        kind__in=[Kind.SLA_BREACHED, Kind.SLA_ESCALATED]
    ).exists()


# --- (g) the first response ---------------------------------------------------


def test_solve_and_reopen_leave_the_first_response_target_alone(policy):
    unanswered = started(berlin(2026, 11, 30, 9, 0), first_response_at=None)
    move(unanswered, Status.SOLVED, berlin(2026, 11, 30, 9, 30))
    move(unanswered, Status.OPEN, berlin(2026, 11, 30, 11, 0))
    assert unanswered.first_response_due_at == berlin(2026, 11, 30, 10, 0)
    sla_sweep(now=berlin(2026, 11, 30, 11, 1))
    assert breaches(unanswered, "first_response").count() == 1
    assert not breaches(unanswered).exists()

    answered = started(berlin(2026, 11, 30, 9, 0))
    move(answered, Status.SOLVED, berlin(2026, 11, 30, 9, 30))
    move(answered, Status.OPEN, berlin(2026, 12, 7, 9, 0))
    assert answered.first_response_due_at == berlin(2026, 11, 30, 10, 0)
    assert [c.target for c in sla.running_clocks(answered)] == ["resolution"]


# --- (h) the timeline ---------------------------------------------------------


def test_the_timeline_says_the_clock_paused_and_resumed(policy, agent, login):
    ticket = started(berlin(2026, 11, 30, 9, 0), department=agent.departments.get())
    move(ticket, Status.SOLVED, berlin(2026, 11, 30, 11, 20))  # 5 h 40 min left
    move(ticket, Status.OPEN, berlin(2026, 12, 2, 10, 0))

    page = login(agent).get(ticket.get_agent_url()).content.decode()

    assert "paused the resolution clock (solved): 5 h 40 min left" in page
    assert "resumed the resolution clock (reopened): 5 h 40 min left" in page
    labels = dict(Kind.choices)
    assert labels[Kind.SLA_PAUSED] == "Resolution clock paused (solved)"
    assert labels[Kind.SLA_RESUMED] == "Resolution clock resumed (reopened)"


def test_closing_a_solved_ticket_does_not_resume_the_clock(policy):
    ticket = started(berlin(2026, 11, 30, 9, 0))
    move(ticket, Status.SOLVED, berlin(2026, 11, 30, 11, 0))
    due = ticket.resolution_due_at
    move(ticket, Status.CLOSED, berlin(2026, 12, 7, 9, 0))
    assert ticket.resolution_due_at == due
    assert not ticket.events.filter(kind=Kind.SLA_RESUMED).exists()


def test_imported_solved_tickets_have_their_clock_stopped(policy):
    in_time = TicketFactory.build(
        created_at=berlin(2026, 11, 30, 9, 0),
        status=Status.SOLVED,
        solved_at=berlin(2026, 11, 30, 10, 0),
    )
    late = TicketFactory.build(
        created_at=berlin(2026, 11, 30, 9, 0),
        status=Status.SOLVED,
        solved_at=berlin(2026, 12, 4, 10, 0),
    )
    for ticket in (in_time, late):
        sla.sla_fields_for_import(ticket=ticket, policy=policy)
    assert in_time.sla_paused_since == berlin(2026, 11, 30, 10, 0)
    assert late.sla_paused_since is None


def test_the_migration_stops_the_clock_of_tickets_already_solved_in_time(policy):
    import importlib
    from pathlib import Path

    from django.apps import apps

    import tickets.migrations

    folder = Path(tickets.migrations.__file__).parent
    name = next(folder.glob("*_i11_sla.py")).stem  # renumbered at merge
    migration = importlib.import_module(f"tickets.migrations.{name}")
    in_time = started(berlin(2026, 11, 30, 9, 0))
    late = started(berlin(2026, 11, 30, 9, 0))
    for ticket, solved_at in [
        (in_time, berlin(2026, 11, 30, 10, 0)),
        (late, berlin(2026, 12, 4, 10, 0)),
    ]:
        Ticket.objects.filter(pk=ticket.pk).update(status="solved", solved_at=solved_at)

    migration.stop_the_clock_of_tickets_solved_in_time(apps, None)

    in_time.refresh_from_db()
    late.refresh_from_db()
    assert in_time.sla_paused_since == berlin(2026, 11, 30, 10, 0)
    assert late.sla_paused_since is None
    move(in_time, Status.OPEN, berlin(2026, 11, 30, 12, 0))
    assert in_time.resolution_due_at == berlin(2026, 12, 1, 10, 0)
