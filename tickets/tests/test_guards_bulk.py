"""Guards in the workspace (issue 12): only admins close by hand, a bulk
change that emails customers is confirmed first, and a sidebar change that
routes a ticket away from its agent is asked about and then reported."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from helpdesk.errors import PermissionDeniedError
from notifications.seed import seed_defaults
from organizations.tests.factories import DepartmentFactory, TeamFactory
from tickets import services
from tickets.models import Ticket
from tickets.selectors.guards import (
    CUSTOMER_NOTICE_STATUSES,
    bulk_status_preview,
    ticket_routing_preview,
)

from .factories import TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status
LIST = reverse("tickets:agent_list")
BULK = reverse("tickets:agent_bulk")


@pytest.fixture(autouse=True)
def _default_rules(db):
    """The shipped automation rules (solved and closed email the requester);
    a transactional test run earlier may have emptied the seeded rows."""
    seed_defaults()


@pytest.fixture
def queue(agent):
    return agent.departments.get()


@pytest.fixture
def agent_client(login, agent):
    return login(agent)


@pytest.fixture
def admin_in_queue(admin_user, queue):
    queue.agents.add(admin_user)
    return admin_user


def text(response) -> str:
    return response.content.decode()


def bulk_statuses(response) -> dict:
    return dict(response.context["bulk_form"].fields["status"].choices)


def statuses(queryset) -> list[str]:
    return [ticket.status for ticket in queryset.order_by("number")]


# --- closing is an admin's --------------------------------------------------


@pytest.mark.parametrize("old", [Status.NEW, Status.OPEN, Status.SOLVED])
def test_the_service_refuses_an_agent_closing(agent, queue, old):
    ticket = TicketFactory(department=queue, status=old)
    with pytest.raises(PermissionDeniedError) as error:
        services.ticket_change_status(ticket=ticket, actor=agent, status=Status.CLOSED)
    assert error.value.code == "close_not_allowed"
    assert "mark it solved instead" in error.value.message
    ticket.refresh_from_db()
    assert (ticket.status, ticket.closed_at) == (old, None)
    assert not ticket.events.filter(kind="status").exists()


def test_an_admin_and_the_system_may_close(admin_user, queue):
    by_admin = TicketFactory(department=queue, open=True)
    services.ticket_change_status(
        ticket=by_admin, actor=admin_user, status=Status.CLOSED
    )
    by_system = TicketFactory(department=queue, solved=True)
    services.ticket_change_status(ticket=by_system, actor=None, status=Status.CLOSED)
    for ticket in (by_admin, by_system):
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED


def test_an_agent_cannot_close_by_replying_either(agent, queue):
    ticket = TicketFactory(department=queue, open=True)
    with pytest.raises(PermissionDeniedError):
        services.message_add(
            ticket=ticket, author=agent, body="Bye", status=Status.CLOSED
        )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert not ticket.messages.exists()


def test_the_api_refuses_an_agent_closing_with_a_403_body(api_as, agent, queue):
    ticket = TicketFactory(department=queue, open=True)
    response = api_as(agent).post(
        f"/tickets/{ticket.number}/status", {"status": "closed"}
    )
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "close_not_allowed"
    assert "Agents cannot close tickets" in body["detail"]
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_the_api_lets_an_admin_close(api_as, admin_user, queue):
    ticket = TicketFactory(department=queue, open=True)
    response = api_as(admin_user).post(
        f"/tickets/{ticket.number}/status", {"status": "closed"}
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_the_sidebar_status_post_refuses_an_agent_closing(agent_client, queue):
    ticket = TicketFactory(department=queue, open=True)
    response = agent_client.post(
        reverse("tickets:agent_status", args=[ticket.number]),
        {"status": "closed"},
        follow=True,
    )
    assert "Agents cannot close tickets" in text(response)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_agents_are_not_offered_closed_but_admins_are(
    agent_client, login, admin_in_queue, queue
):
    ticket = TicketFactory(department=queue, open=True)
    TicketFactory(department=queue)
    agent_page = agent_client.get(ticket.get_agent_url())
    assert ("closed", "Closed") not in agent_page.context["statuses"]
    assert ("solved", "Solved") in agent_page.context["statuses"]
    assert "closed" not in bulk_statuses(agent_client.get(LIST))

    admin = login(admin_in_queue)
    assert ("closed", "Closed") in admin.get(ticket.get_agent_url()).context["statuses"]
    assert "closed" in bulk_statuses(admin.get(LIST))


def test_a_bulk_close_posted_by_an_agent_changes_nothing(
    agent_client, queue, mailoutbox, django_capture_on_commit_callbacks
):
    tickets = TicketFactory.create_batch(2, department=queue, open=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            BULK,
            {
                "tickets": [t.number for t in tickets],
                "action": "status",
                "status": "closed",
                "confirmed": "1",
            },
            follow=True,
        )
    assert "Nothing was changed: Only admins close tickets" in text(response)
    assert statuses(Ticket.objects.all()) == [Status.OPEN, Status.OPEN]
    assert mailoutbox == []


def test_the_bulk_service_refuses_an_agent_closing_ticket_by_ticket(agent, queue):
    ticket = TicketFactory(department=queue, open=True)
    result = services.tickets_bulk_update(
        actor=agent, numbers=[ticket.number], status=Status.CLOSED
    )
    assert result.changed == []
    assert result.refused[0][0] == ticket.number
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


# --- which bulk changes email customers ------------------------------------


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.NEW])
def test_the_confirmed_statuses_are_exactly_those_that_email_the_customer(
    admin_user, queue, status, mailoutbox, django_capture_on_commit_callbacks
):
    """CUSTOMER_NOTICE_STATUSES stands in for the notification rules (which
    tickets may not import): check it against the mail really sent."""
    ticket = TicketFactory(department=queue, open=status != Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        services.tickets_bulk_update(
            actor=admin_user, numbers=[ticket.number], status=status
        )
    to_customer = [m for m in mailoutbox if m.to == [ticket.requester.email]]
    assert bool(to_customer) == (status in CUSTOMER_NOTICE_STATUSES)


def test_the_preview_counts_tickets_and_distinct_customers(agent, queue):
    alice, bob = UserFactory(), UserFactory()
    alices = TicketFactory.create_batch(3, department=queue, requester=alice)
    bobs = TicketFactory(department=queue, requester=bob, open=True)
    already = TicketFactory(department=queue, solved=True)
    closed = TicketFactory(department=queue, closed=True)
    foreign = TicketFactory(department=DepartmentFactory())
    numbers = [t.number for t in [*alices, bobs, already, closed, foreign]]

    preview = bulk_status_preview(agent, numbers, Status.SOLVED)

    assert [t.number for t in preview.changing] == numbers[:4]
    assert preview.customer_count == 2
    assert preview.emails_customers
    assert dict(preview.skipped) == {
        already.number: "already solved",
        closed.number: "a closed ticket cannot become solved",
        foreign.number: "not found, or not yours to change",
    }
    assert not bulk_status_preview(agent, numbers, Status.PENDING).emails_customers


def _bulk_solve(client, numbers, **extra):
    return client.post(
        BULK,
        {
            "tickets": numbers,
            "action": "status",
            "status": "solved",
            "next": f"{LIST}?view=all",
            **extra,
        },
    )


def test_a_bulk_solve_asks_first_without_javascript(
    agent_client, queue, mailoutbox, django_capture_on_commit_callbacks
):
    alice, bob = UserFactory(), UserFactory()
    tickets = [
        *TicketFactory.create_batch(3, department=queue, requester=alice),
        TicketFactory(department=queue, requester=bob, open=True),
    ]
    numbers = [t.number for t in tickets]

    with django_capture_on_commit_callbacks(execute=True):
        response = _bulk_solve(agent_client, numbers)

    assert response.status_code == 200
    assert response.templates[0].name == "tickets/agent/bulk_confirm.html"
    page = text(response)
    assert "This will email 2 customers about 4 tickets." in page
    assert page.count('name="tickets"') == 4
    assert 'name="confirmed" value="1"' in page
    assert f'href="{LIST}?view=all"' in page  # Cancel: back to the list
    # Asking changed nothing and sent nothing.
    assert statuses(Ticket.objects.all()) == [Status.NEW] * 3 + [Status.OPEN]
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = _bulk_solve(agent_client, numbers, confirmed="1")

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?view=all"
    assert statuses(Ticket.objects.all()) == [Status.SOLVED] * 4
    # Each requester hears that the ticket is solved, and gets the survey.
    surveys = [m.to[0] for m in mailoutbox if "How did we do?" in m.subject]
    notices = [m.to[0] for m in mailoutbox if "How did we do?" not in m.subject]
    expected = sorted([alice.email] * 3 + [bob.email])
    assert sorted(notices) == expected
    assert sorted(surveys) == expected


def test_a_bulk_change_that_emails_nobody_is_made_at_once(
    agent_client, queue, mailoutbox, django_capture_on_commit_callbacks
):
    tickets = TicketFactory.create_batch(2, department=queue, open=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            BULK,
            {
                "tickets": [t.number for t in tickets],
                "action": "status",
                "status": "pending",
            },
        )
    assert response.status_code == 302
    assert statuses(Ticket.objects.all()) == [Status.PENDING] * 2
    assert mailoutbox == []


def test_a_bulk_solve_of_tickets_already_solved_asks_nothing(agent_client, queue):
    ticket = TicketFactory(department=queue, solved=True)
    response = _bulk_solve(agent_client, [ticket.number])
    assert response.status_code == 302


def test_a_bulk_solve_for_inactive_customers_only_asks_nothing(agent_client, queue):
    ticket = TicketFactory(
        department=queue, open=True, requester=UserFactory(is_active=False)
    )
    response = _bulk_solve(agent_client, [ticket.number])
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


def test_the_confirmation_lists_what_will_not_change(agent_client, queue):
    ticket = TicketFactory(department=queue, open=True)
    foreign = TicketFactory(department=DepartmentFactory(), open=True)
    page = text(_bulk_solve(agent_client, [ticket.number, foreign.number]))
    assert "This will email 1 customer about 1 ticket." in page
    assert f"#{foreign.number}: not found, or not yours to change" in page
    foreign.refresh_from_db()
    assert foreign.status == Status.OPEN


def test_an_admins_bulk_close_is_confirmed_too(
    login, admin_in_queue, queue, mailoutbox, django_capture_on_commit_callbacks
):
    tickets = TicketFactory.create_batch(2, department=queue, open=True)
    numbers = [t.number for t in tickets]
    client = login(admin_in_queue)
    data = {"tickets": numbers, "action": "status", "status": "closed"}
    page = text(client.post(BULK, data))
    assert "This will email 2 customers about 2 tickets." in page
    assert "a closed ticket is read-only for good" in page
    assert statuses(Ticket.objects.all()) == [Status.OPEN] * 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(BULK, {**data, "confirmed": "1"})
    assert statuses(Ticket.objects.all()) == [Status.CLOSED] * 2
    assert len(mailoutbox) == 2


# --- routing a ticket away --------------------------------------------------


@pytest.fixture
def elsewhere():
    department = DepartmentFactory(name="Billing")
    return department, TeamFactory(department=department, name="Refunds")


def test_the_routing_preview_follows_the_services_rules(agent, queue, elsewhere):
    billing, refunds = elsewhere
    own_team = TeamFactory(department=queue)
    ticket = TicketFactory(department=queue, team=own_team)

    to_team = ticket_routing_preview(agent, ticket, {"team": refunds})
    assert (to_team.department, to_team.team, to_team.still_visible) == (
        billing,
        refunds,
        False,
    )
    assert to_team.destination == "Billing / Refunds"
    to_department = ticket_routing_preview(agent, ticket, {"department": billing})
    assert (to_department.team, to_department.destination) == (None, "Billing")
    assert ticket_routing_preview(agent, ticket, {"department": None}).still_visible
    assert ticket_routing_preview(
        agent, ticket, {"department": billing, "assignee": agent}
    ).still_visible


def _properties(ticket, **changes):
    data = {
        "priority": ticket.priority,
        "category": "",
        "department": ticket.department_id or "",
        "team": ticket.team_id or "",
        "assignee": ticket.assignee_id or "",
    }
    data.update(changes)
    return data


def test_routing_away_asks_first_without_javascript_then_says_where(
    agent_client, queue, elsewhere
):
    billing, refunds = elsewhere
    ticket = TicketFactory(department=queue, open=True)
    url = reverse("tickets:agent_update", args=[ticket.number])

    response = agent_client.post(url, _properties(ticket, team=refunds.pk))

    assert response.status_code == 200
    assert response.templates[0].name == "tickets/agent/route_confirm.html"
    page = text(response)
    assert "You will no longer see this ticket" in page
    assert "Billing / Refunds" in page
    assert f'href="{ticket.get_agent_url()}"' in page  # Cancel: back to it
    ticket.refresh_from_db()
    assert (ticket.department, ticket.team) == (queue, None)
    assert not ticket.events.filter(kind="team").exists()

    response = agent_client.post(
        url, _properties(ticket, team=refunds.pk, confirmed="1"), follow=True
    )

    assert response.redirect_chain[-1][0] == LIST
    assert (
        f"{ticket.reference} moved to Billing / Refunds; it is no longer in your "
        "queues." in text(response)
    )
    ticket.refresh_from_db()
    assert (ticket.department, ticket.team) == (billing, refunds)
    assert agent_client.get(ticket.get_agent_url()).status_code == 404


def test_routing_away_with_htmx_asks_in_the_sidebar(agent_client, queue, elsewhere):
    billing, _ = elsewhere
    ticket = TicketFactory(department=queue, open=True)
    url = reverse("tickets:agent_update", args=[ticket.number])

    response = agent_client.post(
        url, _properties(ticket, department=billing.pk), HTTP_HX_REQUEST="true"
    )

    assert response.templates[0].name == "tickets/agent/_route_confirm.html"
    assert "You will no longer see this ticket" in text(response)
    ticket.refresh_from_db()
    assert ticket.department == queue

    response = agent_client.post(
        url,
        _properties(ticket, department=billing.pk, confirmed="1"),
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == LIST
    ticket.refresh_from_db()
    assert ticket.department == billing


def test_a_move_the_agent_keeps_is_not_asked_about(agent, agent_client, queue):
    other = DepartmentFactory(name="Sales")
    other.agents.add(agent)
    ticket = TicketFactory(department=queue, open=True)
    response = agent_client.post(
        reverse("tickets:agent_update", args=[ticket.number]),
        _properties(ticket, department=other.pk),
        follow=True,
    )
    assert f"{ticket.reference} moved to Sales." in text(response)
    ticket.refresh_from_db()
    assert ticket.department == other


def test_an_admin_who_sees_everything_is_not_asked(
    login, admin_in_queue, queue, elsewhere
):
    billing, _ = elsewhere
    ticket = TicketFactory(department=queue, open=True)
    response = login(admin_in_queue).post(
        reverse("tickets:agent_update", args=[ticket.number]),
        _properties(ticket, department=billing.pk),
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.department == billing


def test_giving_away_a_ticket_seen_only_as_its_assignee_asks_first(
    agent, agent_client, elsewhere
):
    billing, _ = elsewhere
    colleague = UserFactory(agent=True)
    billing.agents.add(colleague)
    ticket = TicketFactory(department=billing, assignee=agent, open=True)
    url = reverse("tickets:agent_update", args=[ticket.number])

    page = text(agent_client.post(url, _properties(ticket, assignee=colleague.pk)))

    assert "once it is no longer assigned to you" in page
    ticket.refresh_from_db()
    assert ticket.assignee == agent

    agent_client.post(url, _properties(ticket, assignee=colleague.pk, confirmed="1"))
    ticket.refresh_from_db()
    assert ticket.assignee == colleague
