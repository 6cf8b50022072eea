"""The SLA engine: policies, due times, pauses, the sweep and the badges."""

from datetime import date, datetime, timedelta

import pytest
from bson import ObjectId
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.models import EmailLog
from notifications.services import notifications_dispatch
from organizations.tests.factories import OrganizationFactory, TeamFactory
from tickets import services
from tickets.models import (
    SLANotice,
    SLAPolicy,
    SLATarget,
    Ticket,
    TicketCount,
    TicketEvent,
)
from tickets.services import sla, sla_policies
from tickets.services.counts import ticket_counts_differences
from tickets.services.sla_sweep import sla_sweep
from tickets.signals import events_unannounced
from tickets.templatetags.ticket_tags import sla_badge

from .factories import CategoryFactory, TicketFactory
from .office import berlin

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind


@pytest.fixture
def policy(office):
    policy = SLAPolicy.objects.create(
        name="Standard", calendar=office, is_default=True, warn_before_minutes=30
    )
    for priority, first, following, resolution in [
        ("low", 480, 960, 2880),
        ("normal", 60, 120, 480),
        ("high", 30, 60, 240),
        ("urgent", 15, 30, 120),
    ]:
        SLATarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=following,
            resolution_minutes=resolution,
        )
    return policy


def started(created_at: datetime, **fields) -> Ticket:
    """A ticket created at a given moment, with its SLA applied."""
    ticket = TicketFactory(created_at=created_at, **fields)
    ticket.save(update_fields=sla.sla_start(ticket=ticket))
    ticket.refresh_from_db()
    return ticket


# --- due times --------------------------------------------------------------


def test_friday_evening_ticket_is_due_monday_morning(policy):
    ticket = started(berlin(2026, 11, 27, 17, 55))  # a Friday
    assert ticket.sla_policy == policy
    assert ticket.first_response_due_at == berlin(2026, 11, 30, 9, 55)
    # 5 minutes on Friday, the other 475 on Monday from 09:00.
    assert ticket.resolution_due_at == berlin(2026, 11, 30, 16, 55)
    assert ticket.sla_next_due_at == ticket.first_response_due_at
    # Warned 30 business minutes ahead: Monday 09:25.
    assert ticket.sla_next_check_at == berlin(2026, 11, 30, 9, 25)


def test_new_tickets_get_the_policy_through_the_service(policy, customer):
    ticket = services.ticket_create(requester=customer, subject="S", body="B")
    assert ticket.sla_policy == policy
    assert ticket.first_response_due_at is not None
    assert ticket.events.filter(kind=Kind.SLA_POLICY, new_value="Standard").exists()


def test_no_policy_no_clock(customer):
    ticket = services.ticket_create(requester=customer, subject="S", body="B")
    assert ticket.sla_policy is None and ticket.first_response_due_at is None


def test_first_matching_policy_wins_else_the_default(policy, office):
    vip = OrganizationFactory()
    outage = CategoryFactory()
    SLAPolicy.objects.create(name="Inactive", calendar=office, order=1, active=False)
    vip_policy = SLAPolicy.objects.create(
        name="VIP", calendar=office, order=5, organization=vip
    )
    outage_policy = SLAPolicy.objects.create(
        name="Outage", calendar=office, order=10, category=outage
    )
    urgent_policy = SLAPolicy.objects.create(
        name="Urgent", calendar=office, order=20, priority="urgent"
    )

    def chosen(**fields):
        return sla_policies.policy_for(TicketFactory.build(**fields))

    assert (
        chosen(requester=UserFactory(organization=vip), category=outage) == vip_policy
    )
    assert chosen(category=outage, priority="urgent") == outage_policy
    assert chosen(priority="urgent") == urgent_policy
    assert chosen(priority="low") == policy


def test_pending_for_two_hours_moves_resolution_by_two_business_hours(policy):
    ticket = started(berlin(2026, 11, 30, 9, 0), status="open")  # Monday
    assert ticket.resolution_due_at == berlin(2026, 11, 30, 17, 0)

    sla.sla_on_status(
        ticket=ticket, old="open", new="pending", at=berlin(2026, 11, 30, 10)
    )
    assert ticket.sla_paused_since == berlin(2026, 11, 30, 10)
    sla.sla_on_status(
        ticket=ticket, old="pending", new="open", at=berlin(2026, 11, 30, 12)
    )

    assert ticket.sla_paused_minutes == 120
    assert ticket.sla_paused_since is None
    # 17:00 + 120 business minutes = 18:00 Monday, then 09:00-10:00 Tuesday.
    assert ticket.resolution_due_at == berlin(2026, 12, 1, 10, 0)


def test_only_the_business_part_of_a_pause_counts(policy):
    ticket = started(berlin(2026, 11, 30, 9, 0), status="open")
    sla.sla_on_status(
        ticket=ticket, old="open", new="on_hold", at=berlin(2026, 11, 30, 17)
    )
    sla.sla_on_status(
        ticket=ticket, old="on_hold", new="open", at=berlin(2026, 11, 30, 19)
    )
    assert ticket.sla_paused_minutes == 60  # 17:00-18:00 only
    assert ticket.resolution_due_at == berlin(2026, 11, 30, 18, 0)


def test_pause_and_resume_through_the_services(policy, agent):
    ticket = started(
        berlin(2026, 11, 30, 9, 0), status="open", department=agent.departments.get()
    )
    due = ticket.resolution_due_at
    services.ticket_change_status(ticket=ticket, actor=agent, status="pending")
    ticket.refresh_from_db()
    assert ticket.sla_paused_since is not None
    assert ticket.sla_next_due_at == ticket.first_response_due_at  # resolution stopped
    services.ticket_change_status(ticket=ticket, actor=agent, status="open")
    ticket.refresh_from_db()
    assert ticket.sla_paused_since is None
    assert ticket.resolution_due_at >= due


def test_priority_change_recomputes_from_creation(policy, agent):
    ticket = started(berlin(2026, 11, 30, 9, 0), department=agent.departments.get())
    services.ticket_update(ticket=ticket, actor=agent, priority="urgent")
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == berlin(2026, 11, 30, 9, 15)
    assert ticket.resolution_due_at == berlin(2026, 11, 30, 11, 0)


def test_responses_meet_targets_and_a_customer_reply_starts_the_next_clock(
    policy, agent
):
    ticket = TicketFactory(department=agent.departments.get())
    ticket.save(update_fields=sla.sla_start(ticket=ticket))
    services.message_add(ticket=ticket, author=agent, body="Hello")
    ticket.refresh_from_db()
    assert ticket.events.filter(kind=Kind.SLA_MET, new_value="first response").exists()
    assert ticket.next_response_due_at is None

    services.message_add(ticket=ticket, author=ticket.requester, body="Still broken")
    ticket.refresh_from_db()
    assert ticket.next_response_since is not None
    assert ticket.next_response_due_at > ticket.next_response_since

    services.message_add(ticket=ticket, author=agent, body="Try this")
    ticket.refresh_from_db()
    assert ticket.next_response_due_at is None
    assert ticket.events.filter(kind=Kind.SLA_MET, new_value="next response").exists()


def test_a_late_first_response_is_recorded_as_a_breach_once(policy, agent):
    ticket = started(berlin(2026, 11, 2, 9, 0), department=agent.departments.get())
    sla_sweep(now=berlin(2026, 11, 3, 9, 0))  # the sweep saw the breach
    services.message_add(ticket=ticket, author=agent, body="Sorry for the wait")
    breaches = ticket.events.filter(kind=Kind.SLA_BREACHED, new_value="first response")
    assert breaches.count() == 1


# --- the sweep --------------------------------------------------------------


def test_the_sweep_sends_exactly_one_warning_and_one_breach(policy, agent):
    ticket = started(
        berlin(2026, 11, 30, 9, 0), department=agent.departments.get(), assignee=agent
    )
    # First response due 10:00, warning from 09:30.
    for minute in (0, 10, 20):
        assert sla_sweep(now=berlin(2026, 11, 30, 9, minute)).warnings == 0
    warned = [sla_sweep(now=berlin(2026, 11, 30, 9, m)).warnings for m in (31, 40, 59)]
    breached = [sla_sweep(now=berlin(2026, 11, 30, 10, m)).breaches for m in (0, 5, 30)]
    assert warned == [1, 0, 0]
    assert breached == [1, 0, 0]

    notices = SLANotice.objects.filter(ticket=ticket, target="first_response")
    assert sorted(notices.values_list("stage", flat=True)) == ["breach", "warning"]
    for event in TicketEvent.objects.filter(
        ticket=ticket, kind__in=[Kind.SLA_WARNING, Kind.SLA_BREACHED]
    ):
        notifications_dispatch(event_id=event.pk)
        notifications_dispatch(event_id=event.pk)  # twice: still one email each
    emails = EmailLog.objects.filter(ticket=ticket).order_by("pk")
    assert [(e.recipient, e.template_key) for e in emails] == [
        (agent.email, "sla_warning"),
        (agent.email, "sla_breach"),
    ]
    assert "first response" in emails[1].subject


def test_breach_escalates_priority_and_team_but_keeps_the_deadline(policy, agent):
    escalations = TeamFactory(department=agent.departments.get(), name="Escalations")
    policy.escalate_priority = True
    policy.escalate_to_team = escalations
    policy.save()
    ticket = started(berlin(2026, 11, 30, 9, 0), department=agent.departments.get())
    due = ticket.first_response_due_at

    result = sla_sweep(now=berlin(2026, 11, 30, 10, 1))

    assert result.escalations == 1
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team) == ("high", escalations)
    assert ticket.first_response_due_at == due
    event = ticket.events.get(kind=Kind.SLA_ESCALATED)
    assert "priority Normal → High" in event.new_value
    # The workspace's kept counts moved the ticket to the team with it.
    assert ticket_counts_differences() == []
    kept = TicketCount.objects.filter(team=escalations).values_list("count", flat=True)
    assert sum(kept) == 1
    # Escalating again later does not happen: one breach, one escalation.
    assert sla_sweep(now=berlin(2026, 11, 30, 12)).escalations == 0


def test_the_sweep_reads_in_batches_with_a_fixed_number_of_queries(
    policy, agent, django_assert_max_num_queries
):
    department = agent.departments.get()

    def load(count):
        for _ in range(count):
            started(berlin(2026, 11, 30, 9, 0), department=department)

    load(5)
    # The sweep's own reads and writes are counted: where each batch commits
    # at once (MongoDB, no test-wide transaction) the emails its events
    # announce would otherwise be sent, and counted, inside the block.
    with events_unannounced(), django_assert_max_num_queries(40) as few:
        assert sla_sweep(now=berlin(2026, 11, 30, 9, 45)).warnings == 5
    load(50)
    with (
        events_unannounced(),
        django_assert_max_num_queries(len(few.captured_queries)),
    ):
        assert sla_sweep(now=berlin(2026, 11, 30, 9, 45)).warnings == 50


def test_the_sweep_assumes_nothing_about_the_smallest_key(policy):
    """Keys are opaque (object ids on MongoDB): the sweep pages from no lower
    bound, so a ticket whose key sorts below any it might start from (a key
    below zero; the all-zero object id) is still read."""
    smallest = ObjectId("0" * 24) if connection.vendor == "mongodb" else -5
    started(berlin(2026, 11, 30, 9, 0), pk=smallest)
    started(berlin(2026, 11, 30, 9, 0))
    result = sla_sweep(now=berlin(2026, 11, 30, 9, 45), batch_size=1)
    assert (result.examined, result.warnings, result.batches) == (2, 2, 2)
    assert SLANotice.objects.filter(ticket_id=smallest, stage="warning").exists()


def test_only_due_tickets_are_read(policy):
    started(berlin(2026, 11, 30, 9, 0))
    started(berlin(2026, 12, 7, 9, 0))  # next week
    assert sla_sweep(now=berlin(2026, 11, 30, 9, 45)).examined == 1


# --- the workspace ----------------------------------------------------------


def test_badges_say_what_is_due_in_words(policy, office):
    ticket = started(berlin(2030, 1, 7, 9, 0))  # far in the future
    assert "First reply in" in str(sla_badge(ticket))
    overdue = started(berlin(2020, 1, 6, 9, 0))
    badge = str(sla_badge(overdue))
    assert "First reply overdue" in badge and "text-bg-danger" in badge
    paused = started(berlin(2030, 1, 7, 9, 0))
    services.message_add(ticket=paused, author=UserFactory(admin=True), body="Hi")
    sla.sla_on_status(
        ticket=paused, old="open", new="pending", at=berlin(2030, 1, 7, 9)
    )
    paused.status = "pending"
    assert "SLA paused" in str(sla_badge(paused))
    assert str(sla_badge(TicketFactory())) == ""


def test_at_risk_view_and_sorting_by_next_due(login, agent, policy):
    department = agent.departments.get()
    overdue = started(berlin(2020, 1, 6, 9, 0), department=department)
    later = started(berlin(2030, 1, 7, 9, 0), department=department)
    no_sla = TicketFactory(department=department)
    client = login(agent)

    risky = client.get(reverse("tickets:agent_list"), {"view": "at_risk"})
    assert [t.number for t in risky.context["page"].object_list] == [overdue.number]
    assert "First reply overdue" in risky.content.decode()

    by_due = client.get(reverse("tickets:agent_list"), {"sort": "sla"})
    assert [t.number for t in by_due.context["page"].object_list] == [
        overdue.number,
        later.number,
        no_sla.number,
    ]


def test_admin_loads_a_countrys_public_holidays(login, office):
    admin = login(UserFactory(admin=True))
    url = reverse("admin:tickets_businesscalendar_holidays", args=[office.pk])
    response = admin.post(url, {"country": "de", "years": "2026"}, follow=True)
    assert "Loaded" in response.content.decode()
    assert office.holidays.filter(date=date(2026, 12, 25)).exists()
    again = admin.post(url, {"country": "DE", "years": "2026"}, follow=True)
    assert "Loaded 0 holiday(s)" in again.content.decode()
    bad = admin.post(url, {"country": "XX", "years": "2026"})
    assert bad.status_code == 200
    assert "XX" in bad.content.decode()


def test_holidays_close_the_clock(policy, office):
    office.holidays.create(date=date(2026, 11, 30))  # the Monday
    office.save()
    ticket = started(berlin(2026, 11, 27, 17, 55))
    assert ticket.first_response_due_at == berlin(2026, 12, 1, 9, 55)


def test_due_times_survive_a_round_trip_through_the_database(policy):
    ticket = started(berlin(2026, 11, 27, 17, 55))
    fetched = Ticket.objects.get(pk=ticket.pk)
    assert fetched.first_response_due_at - ticket.first_response_due_at == timedelta(0)
