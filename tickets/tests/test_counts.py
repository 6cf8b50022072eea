"""The kept view counts (``TicketCount``) agree with a direct count after
every kind of change, and ``manage.py ticket_counts`` checks and rebuilds."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.tests.factories import UserFactory
from helpdesk.errors import ApplicationError
from organizations.tests.factories import DepartmentFactory, TeamFactory
from tickets import selectors, services
from tickets.models import Ticket, TicketCount
from tickets.selectors import counts as counts_selectors
from tickets.services.counts import ticket_counts_differences

from .factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status


def assert_counts_agree():
    assert ticket_counts_differences() == []


@pytest.fixture
def people(department):
    other = DepartmentFactory()
    agents = [UserFactory(agent=True) for _ in range(2)]
    for agent in agents:
        department.agents.add(agent)
    return {
        "departments": [department, other],
        "teams": [TeamFactory(department=department), TeamFactory(department=other)],
        "agents": agents,
    }


def test_every_kind_of_change_keeps_the_counts(people, customer):
    department, other = people["departments"]
    agent, colleague = people["agents"]
    category = CategoryFactory(default_department=department)
    ticket = services.ticket_create(
        requester=customer, subject="Printer", body="Jammed", category=category
    )
    assert_counts_agree()
    services.ticket_take(ticket=ticket, actor=agent)  # opens it too
    assert_counts_agree()
    services.ticket_update(ticket=ticket, actor=agent, team=people["teams"][0])
    assert_counts_agree()
    services.message_add(
        ticket=ticket, author=agent, body="Done?", status=Status.PENDING
    )
    assert_counts_agree()
    services.message_add(ticket=ticket, author=customer, body="Not yet")  # reopens
    assert_counts_agree()
    services.ticket_update(ticket=ticket, actor=agent, department=other)  # drops team
    assert_counts_agree()
    services.ticket_assign(ticket=ticket, actor=agent, assignee=None)
    assert_counts_agree()
    ticket = Ticket.objects.get(pk=ticket.pk)
    services.ticket_change_status(ticket=ticket, actor=None, status=Status.SOLVED)
    assert_counts_agree()
    services.tickets_close_solved(older_than_days=-1)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED
    assert_counts_agree()
    follow_up = services.message_reply_or_follow_up(
        ticket=Ticket.objects.get(pk=ticket.pk), author=customer, body="Again"
    ).ticket
    assert follow_up.pk != ticket.pk
    assert_counts_agree()

    source = services.ticket_create(requester=customer, subject="Dup", body="Same")
    target = services.ticket_create(requester=customer, subject="Orig", body="Same")
    services.ticket_merge(source=source, target=target, actor=agent)
    assert Ticket.objects.get(pk=source.pk).status == Status.CLOSED
    assert Ticket.objects.get(pk=target.pk).status == Status.OPEN
    assert_counts_agree()

    numbers = [
        services.ticket_create(
            requester=customer, subject=f"Bulk {n}", body="x", department=department
        ).number
        for n in range(3)
    ]
    services.tickets_bulk_update(actor=agent, numbers=numbers, assignee=colleague)
    assert_counts_agree()
    services.tickets_bulk_update(actor=agent, numbers=numbers, status=Status.ON_HOLD)
    assert_counts_agree()
    assert TicketCount.objects.count() < 20  # rows per combination, not per ticket


def test_view_counts_are_sums_of_kept_counts(people, agent, customer):
    department, other = people["departments"]
    TicketFactory.create_batch(3, department=department, requester=customer)
    TicketFactory(department=department, requester=customer, assignee=agent, open=True)
    TicketFactory(department=department, requester=customer, solved=True)
    TicketFactory(department=other, requester=customer)  # not the agent's
    TicketFactory(department=None, requester=customer)  # unrouted: everyone's
    counts = selectors.agent_view_counts(agent, statuses=True)
    assert counts["all"] == 5
    assert counts["unassigned"] == 4
    assert counts["mine"] == 1
    assert counts["solved"] == 1
    assert counts["department"] == 4
    assert counts["status_new"] == 4 and counts["unsolved"] == 5


def test_deleting_a_department_team_or_agent_keeps_the_counts(people, customer):
    department, other = people["departments"]
    team = people["teams"][1]
    leaving = UserFactory(agent=True)
    tickets = [
        TicketFactory(department=other, team=team, assignee=leaving, requester=customer)
        for _ in range(3)
    ]
    TicketFactory(department=None, requester=customer)
    other.delete()  # tickets and counts lose it alike (SET_NULL)
    team.delete()
    leaving.delete()
    assert_counts_agree()
    # A later change meets the row that kept its old name.
    for ticket in tickets:
        ticket = Ticket.objects.get(pk=ticket.pk)
        services.ticket_update(ticket=ticket, actor=None, department=department)
        assert_counts_agree()
    again = TicketFactory(department=None, requester=customer)
    services.ticket_update(ticket=again, actor=None, department=department)
    assert_counts_agree()


def test_check_reports_and_rebuild_mends(people, customer, capsys):
    TicketFactory.create_batch(4, department=people["departments"][0])
    call_command("ticket_counts", "--check")
    assert "agree" in capsys.readouterr().out
    TicketCount.objects.update(count=0)
    Ticket.objects.filter(pk=Ticket.objects.first().pk).update(status=Status.OPEN)
    with pytest.raises(CommandError, match="disagree"):
        call_command("ticket_counts", "--check")
    assert "kept 0, counted" in capsys.readouterr().err
    call_command("ticket_counts", "--rebuild")
    call_command("ticket_counts", "--check")
    assert_counts_agree()


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["create", "assign", "department", "team", "status", "merge"]),
        st.integers(min_value=0, max_value=50),
        st.integers(min_value=0, max_value=50),
    ),
    min_size=1,
    max_size=12,
)


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(actions=ACTIONS)
def test_any_sequence_of_changes_keeps_the_counts(actions, people, customer):
    departments, teams = people["departments"], people["teams"]
    agents = [*people["agents"], None]
    statuses = [Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED]
    actor = people["agents"][0]
    tickets = list(Ticket.objects.filter(requester=customer))
    for action, first, second in actions:
        if action == "create" or not tickets:
            tickets.append(
                services.ticket_create(
                    requester=customer,
                    subject="Generated",
                    body="x",
                    department=[*departments, None][first % 3],
                    assignee=agents[second % len(agents)],
                )
            )
            assert_counts_agree()
            continue
        ticket = Ticket.objects.get(pk=tickets[first % len(tickets)].pk)
        try:
            if action == "assign":
                services.ticket_update(
                    ticket=ticket, actor=None, assignee=agents[second % len(agents)]
                )
            elif action == "department":
                services.ticket_update(
                    ticket=ticket,
                    actor=None,
                    department=[*departments, None][second % 3],
                )
            elif action == "team":
                services.ticket_update(
                    ticket=ticket, actor=None, team=teams[second % len(teams)]
                )
            elif action == "status":
                services.ticket_change_status(
                    ticket=ticket, actor=None, status=statuses[second % len(statuses)]
                )
            else:
                target = Ticket.objects.get(pk=tickets[second % len(tickets)].pk)
                services.ticket_merge(source=ticket, target=target, actor=actor)
        except ApplicationError:
            pass  # refused (a closed ticket, a status already set): no change
        assert_counts_agree()


THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_rows_lose_no_increment(department):
    """Several transactions moving tickets to one new combination at once all
    count: the first makes the row, the others add to it (PostgreSQL waits on
    the unique key and retries; SQLite runs one writer at a time)."""
    customer = UserFactory()
    newcomer = UserFactory(agent=True)
    tickets = [
        TicketFactory(department=department, requester=customer) for _ in range(THREADS)
    ]
    start = threading.Barrier(THREADS)
    errors = []

    def assign(ticket):
        try:
            start.wait()
            services.ticket_update(ticket=ticket, actor=None, assignee=newcomer)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(t,)) for t in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert TicketCount.objects.get(assignee=newcomer).count == THREADS
    assert_counts_agree()


def test_at_risk_counts_from_the_clock_and_stops_at_its_limit(
    login, agent, customer, monkeypatch
):
    department = agent.departments.get()
    past = timezone.now() - timedelta(hours=1)
    TicketFactory.create_batch(
        3, department=department, requester=customer, sla_next_due_at=past
    )
    TicketFactory(department=department, requester=customer)  # no deadline
    TicketFactory(department=department, solved=True, sla_next_due_at=past)
    TicketFactory(department=DepartmentFactory(), sla_next_due_at=past)  # not hers
    assert selectors.agent_view_counts(agent)["at_risk"] == 3
    monkeypatch.setattr(counts_selectors, "AT_RISK_COUNT_LIMIT", 2)
    counts = selectors.agent_view_counts(agent)
    assert str(counts["at_risk"]) == "2+"
    response = login(agent).get(reverse("tickets:agent_list") + "?view=at_risk")
    assert "2+" in response.text
    page = response.context["page"]
    assert page.count == 3 and len(page.object_list) == 3  # the list counts them
