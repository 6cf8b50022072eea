from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services import user_confirm_email
from accounts.tests.factories import UserFactory
from organizations.tests.factories import (
    DepartmentFactory,
    OrganizationDomainFactory,
    OrganizationFactory,
    TeamFactory,
)
from tickets import services
from tickets.models import CannedResponse, SavedFilter, Ticket, TicketPresence

from .factories import CategoryFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status
LIST = reverse("tickets:agent_list")


@pytest.fixture
def queue(agent):
    return agent.departments.get()


@pytest.fixture
def agent_client(login, agent):
    return login(agent)


def numbers(response) -> set[int]:
    return {ticket.number for ticket in response.context["page"].object_list}


def texts(response) -> str:
    return response.content.decode()


# --- dashboard --------------------------------------------------------------


def test_dashboard_counts_only_the_agents_queues(agent_client, agent, queue):
    TicketFactory(department=queue, subject="In my queue")
    TicketFactory(department=queue, open=True, assignee=agent, subject="Mine")
    TicketFactory(department=queue, solved=True)
    TicketFactory(department=DepartmentFactory(), subject="Other department")

    response = agent_client.get(reverse("tickets:agent_home"))

    counts = response.context["counts"]
    assert (counts["mine"], counts["unassigned"], counts["all"], counts["solved"]) == (
        1,
        1,
        2,
        1,
    )
    assert counts["status_new"] == 1
    assert [t.subject for t in response.context["my_open"]] == ["Mine"]
    assert "Other department" not in texts(response)


def test_customer_is_refused_the_workspace(login, customer):
    response = login(customer).get(reverse("tickets:agent_home"))
    assert response.status_code == 403
    assert "You don't have access" in texts(response)


# --- the list: views, filters, search, sort, pages --------------------------


def test_each_view_shows_its_tickets(agent_client, agent, queue):
    team = TeamFactory(department=queue, members=[agent])
    mine = TicketFactory(department=queue, assignee=agent, open=True)
    unassigned = TicketFactory(department=queue)
    team_ticket = TicketFactory(
        department=queue, team=team, assignee=UserFactory(agent=True)
    )
    solved = TicketFactory(department=queue, solved=True)
    unrouted = TicketFactory(unrouted=True)
    TicketFactory(department=DepartmentFactory())  # never visible

    def view(name):
        return numbers(agent_client.get(LIST, {"view": name}))

    assert view("mine") == {mine.number}
    assert view("unassigned") == {unassigned.number, unrouted.number}
    assert view("team") == {team_ticket.number}
    assert view("department") == {mine.number, unassigned.number, team_ticket.number}
    assert view("all") == {
        mine.number,
        unassigned.number,
        team_ticket.number,
        unrouted.number,
    }
    assert view("solved") == {solved.number}


def test_filters_narrow_the_list(agent_client, agent, queue):
    category = CategoryFactory()
    organization = OrganizationFactory()
    requester = UserFactory(email="zoe@corp.example", organization=organization)
    match = TicketFactory(
        department=queue,
        category=category,
        priority="urgent",
        requester=requester,
        assignee=agent,
        status=Status.PENDING,
    )
    TicketFactory(department=queue, category=category, priority="low")
    TicketFactory(department=queue, priority="urgent")

    cases = [
        {"priority": "urgent", "category": category.pk},
        {"status": "pending"},
        {"assignee": "me"},
        {"assignee": str(agent.pk)},
        {"organization": organization.pk},
        {"requester": "zoe@corp"},
        {
            "department": queue.pk,
            "priority": ["urgent", "high"],
            "category": category.pk,
        },
    ]
    for params in cases:
        assert numbers(agent_client.get(LIST, params)) == {match.number}, params
    assert match.number not in numbers(agent_client.get(LIST, {"assignee": "none"}))


def test_created_range_filter(agent_client, queue):
    old = TicketFactory(department=queue)
    new = TicketFactory(department=queue)
    Ticket.objects.filter(pk=old.pk).update(
        created_at=datetime(2026, 1, 10, tzinfo=UTC)
    )
    Ticket.objects.filter(pk=new.pk).update(
        created_at=datetime(2026, 3, 10, tzinfo=UTC)
    )

    both = {"created_from": "2026-01-01", "created_to": "2026-03-10"}
    assert numbers(agent_client.get(LIST, both)) == {old.number, new.number}
    assert numbers(agent_client.get(LIST, {"created_to": "2026-01-31"})) == {old.number}
    response = agent_client.get(
        LIST, {"created_from": "2026-03-01", "created_to": "2026-02-01"}
    )
    assert "The end date is before the start date." in texts(response)


@pytest.mark.parametrize("field", ["number", "subject", "message", "email"])
def test_search_finds_by_number_subject_message_and_email(agent_client, queue, field):
    requester = UserFactory(email="quinn@lab.example")
    target = TicketFactory(
        department=queue, subject="Flux capacitor", requester=requester
    )
    MessageFactory(ticket=target, note=True, body="gigawatt budget approved")
    TicketFactory(department=queue, subject="Other")
    query = {
        "number": target.reference,
        "subject": "capacitor",
        "message": "gigawatt",
        "email": "quinn@lab",
    }[field]
    assert numbers(agent_client.get(LIST, {"q": query})) == {target.number}


def test_sort_by_priority_and_page_size(agent_client, queue):
    for priority in ["low", "urgent", "normal", "high"]:
        TicketFactory(department=queue, priority=priority)
    response = agent_client.get(LIST, {"sort": "-priority"})
    order = [t.priority for t in response.context["page"].object_list]
    assert order == ["urgent", "high", "normal", "low"]

    TicketFactory.create_batch(30, department=queue)
    assert len(agent_client.get(LIST).context["page"].object_list) == 25
    assert (
        len(agent_client.get(LIST, {"per_page": 50}).context["page"].object_list) == 34
    )


def test_htmx_filter_request_renders_only_the_results(agent_client, queue):
    TicketFactory(department=queue)
    response = agent_client.get(LIST, {"q": "x"}, HTTP_HX_REQUEST="true")
    assert response.templates[0].name == "tickets/agent/_results.html"
    assert "<html" not in texts(response)


def test_empty_list_has_an_empty_state(agent_client):
    assert "No tickets here" in texts(agent_client.get(LIST))


# --- bulk actions -----------------------------------------------------------


def test_bulk_priority_reports_refusals_by_number(agent_client, queue):
    mine = TicketFactory(department=queue)
    foreign = TicketFactory(department=DepartmentFactory())
    response = agent_client.post(
        reverse("tickets:agent_bulk"),
        {
            "tickets": [mine.number, foreign.number],
            "action": "priority",
            "priority": "high",
            "next": f"{LIST}?view=all",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{LIST}?view=all"
    page = texts(response)
    assert f"Changed 1 of 2 selected: #{mine.number}. Priority now High." in page
    assert (
        f"#{foreign.number} was not changed: not found, or not yours to change" in page
    )
    foreign.refresh_from_db()
    assert foreign.priority == "normal"


def test_bulk_assign_and_status(agent_client, agent, queue):
    tickets = TicketFactory.create_batch(2, department=queue)
    numbers_ = [t.number for t in tickets]
    bulk = reverse("tickets:agent_bulk")
    assigned = agent_client.post(
        bulk,
        {"tickets": numbers_, "action": "assign", "assignee": agent.pk},
        follow=True,
    )
    assert f"Assigned to {agent.display_name}." in texts(assigned)
    pending = agent_client.post(
        bulk,
        {"tickets": numbers_, "action": "status", "status": "pending"},
        follow=True,
    )
    assert "Status now Pending." in texts(pending)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert (ticket.assignee, ticket.status) == (agent, "pending")

    unassigned = agent_client.post(
        bulk,
        {"tickets": numbers_[:1], "action": "assign", "assignee": "none"},
        follow=True,
    )
    assert "Changed 1 of 1 selected: " in texts(unassigned)
    assert "Unassigned." in texts(unassigned)
    tickets[0].refresh_from_db()
    assert tickets[0].assignee is None


def test_bulk_without_a_value_changes_nothing(agent_client, queue):
    ticket = TicketFactory(department=queue)
    response = agent_client.post(
        reverse("tickets:agent_bulk"),
        {"tickets": [ticket.number], "action": "status", "status": ""},
        follow=True,
    )
    assert "Nothing was changed: Choose the new value" in texts(response)


def test_bulk_refuses_an_offsite_next(agent_client, queue):
    ticket = TicketFactory(department=queue)
    response = agent_client.post(
        reverse("tickets:agent_bulk"),
        {
            "tickets": [ticket.number],
            "action": "priority",
            "priority": "low",
            "next": "https://evil.example/",
        },
    )
    assert response.url == LIST


# --- saved filters ----------------------------------------------------------


def test_save_use_and_delete_a_filter(agent_client, agent, queue):
    TicketFactory(department=queue, priority="urgent")
    response = agent_client.post(
        reverse("tickets:saved_filter_save"),
        {"name": "Fires", "query": "view=all&priority=urgent&page=2"},
    )
    saved = SavedFilter.objects.get(owner=agent)
    assert response.url == f"{LIST}?view=all&priority=urgent"
    page = texts(agent_client.get(LIST))
    assert "Fires" in page and "?view=all&amp;priority=urgent" in page

    other = SavedFilter.objects.create(owner=UserFactory(agent=True), name="Theirs")
    delete_other = agent_client.post(
        reverse("tickets:saved_filter_delete", args=[other.pk])
    )
    assert delete_other.status_code == 404
    agent_client.post(reverse("tickets:saved_filter_delete", args=[saved.pk]))
    assert list(SavedFilter.objects.all()) == [other]


# --- opening on behalf ------------------------------------------------------


def test_agent_opens_ticket_for_a_new_customer_who_joins_once_proven(
    agent_client, agent
):
    """The agent typed the address; nobody proved it yet, so the customer
    joins the organization of its domain only when they confirm it."""
    domain = OrganizationDomainFactory(domain="newco.example")
    response = agent_client.post(
        reverse("tickets:agent_new"),
        {
            "requester_email": "Pat@NewCo.example",
            "requester_name": "Pat",
            "subject": "Phone call",
            "body": "Called about access",
            "priority": "high",
            "assign_to_me": "on",
        },
        follow=True,
    )
    ticket = Ticket.objects.get()
    pat = User.objects.get(email="pat@newco.example")
    assert (ticket.requester, ticket.assignee, ticket.channel) == (pat, agent, "agent")
    assert pat.organization is None
    assert ticket.organization is None
    assert not pat.has_usable_password()
    user_confirm_email(user=pat)
    assert pat.organization == domain.organization
    assert f"Opened {ticket.reference} for Pat (new customer)." in texts(response)


def test_agent_opens_ticket_for_an_existing_customer(agent_client, customer):
    agent_client.post(
        reverse("tickets:agent_new"),
        {
            "requester_email": customer.email.upper(),
            "subject": "S",
            "body": "B",
            "priority": "normal",
        },
    )
    assert Ticket.objects.get().requester == customer
    assert User.objects.filter(role="customer").count() == 1


# --- one ticket -------------------------------------------------------------


def test_detail_shows_notes_distinctly_and_the_requesters_other_tickets(
    agent_client, agent, queue, customer
):
    ticket = TicketFactory(department=queue, requester=customer)
    MessageFactory(ticket=ticket, body="Customer words")
    MessageFactory(ticket=ticket, note=True, body="Agent-only words")
    other = TicketFactory(department=queue, requester=customer, subject="Earlier issue")

    page = texts(agent_client.get(ticket.get_agent_url()))

    assert "Agent-only words" in page
    assert 'class="card mb-3 message message-internal"' in page
    assert "Internal note</span>" in page
    assert f"{other.reference} Earlier issue" in page


def test_public_reply_with_submit_as_pending(agent_client, agent, queue):
    ticket = TicketFactory(department=queue)
    response = agent_client.post(
        reverse("tickets:agent_reply", args=[ticket.number]),
        {"kind": "public", "body": "Could you send a screenshot?", "status": "pending"},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert ticket.first_response_at is not None
    message = ticket.messages.get()
    assert (message.internal, message.author) == (False, agent)
    assert f"Reply sent on {ticket.reference}." in texts(response)


def test_internal_note(agent_client, queue):
    ticket = TicketFactory(department=queue)
    agent_client.post(
        reverse("tickets:agent_reply", args=[ticket.number]),
        {"kind": "internal", "body": "Checked logs"},
    )
    message = ticket.messages.get()
    assert message.internal
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_reply_on_closed_ticket_is_refused_with_a_message(agent_client, queue):
    ticket = TicketFactory(department=queue, closed=True)
    response = agent_client.post(
        reverse("tickets:agent_reply", args=[ticket.number]),
        {"kind": "public", "body": "Hello"},
    )
    assert response.status_code == 400
    assert "This ticket is closed and cannot take replies." in texts(response)
    assert not ticket.messages.exists()


def test_sidebar_update_in_place_with_htmx(agent_client, agent, queue):
    team = TeamFactory(department=queue)
    ticket = TicketFactory(department=queue)
    response = agent_client.post(
        reverse("tickets:agent_update", args=[ticket.number]),
        {
            "priority": "urgent",
            "department": queue.pk,
            "team": team.pk,
            "assignee": agent.pk,
            "category": "",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.templates[0].name == "tickets/agent/_sidebar.html"
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team, ticket.assignee) == ("urgent", team, agent)
    assert ticket.status == Status.OPEN  # the first agent action opens it
    assert "set the assignee to" in texts(response)


def test_sidebar_update_with_an_inconsistent_team_shows_the_error(agent_client, queue):
    ticket = TicketFactory(department=queue)
    other_department = DepartmentFactory()
    elsewhere = TeamFactory()
    response = agent_client.post(
        reverse("tickets:agent_update", args=[ticket.number]),
        {"priority": "normal", "department": other_department.pk, "team": elsewhere.pk},
        HTTP_HX_REQUEST="true",
    )
    assert f"The team {elsewhere} is not part of {other_department}." in texts(response)
    ticket.refresh_from_db()
    assert (ticket.department, ticket.team) == (queue, None)


def test_moving_a_ticket_out_of_sight_sends_the_agent_to_the_list(agent_client, queue):
    ticket = TicketFactory(department=queue)
    billing = TeamFactory()
    response = agent_client.post(
        reverse("tickets:agent_update", args=[ticket.number]),
        # Asked first and confirmed (tests/test_guards_bulk.py).
        {
            "priority": "normal",
            "department": queue.pk,
            "team": billing.pk,
            "confirmed": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    ticket.refresh_from_db()
    assert (ticket.department, ticket.team) == (billing.department, billing)
    assert response["HX-Redirect"] == LIST
    page = texts(agent_client.get(LIST))
    assert f"{ticket.reference} moved to {billing.department}" in page


def test_take_it_and_assign(agent_client, agent, queue):
    ticket = TicketFactory(department=queue)
    agent_client.post(reverse("tickets:agent_take", args=[ticket.number]))
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    colleague = UserFactory(agent=True)
    agent_client.post(
        reverse("tickets:agent_assign", args=[ticket.number]),
        {"assignee": colleague.pk},
    )
    ticket.refresh_from_db()
    assert ticket.assignee == colleague


def test_assign_refuses_customers(agent_client, queue, customer):
    ticket = TicketFactory(department=queue)
    response = agent_client.post(
        reverse("tickets:agent_assign", args=[ticket.number]),
        {"assignee": customer.pk},
        follow=True,
    )
    assert "Choose an agent." in texts(response)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_status_change_and_refusal(agent_client, queue):
    ticket = TicketFactory(department=queue, solved=True)
    url = reverse("tickets:agent_status", args=[ticket.number])
    page = texts(agent_client.post(url, {"status": "pending"}, follow=True))
    assert "A solved ticket cannot become pending." in page
    page = texts(agent_client.post(url, {"status": "closed"}, follow=True))
    assert "Agents cannot close tickets" in page
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    services.ticket_change_status(ticket=ticket, actor=None, status=Status.CLOSED)
    assert "This ticket is closed and read-only." in texts(
        agent_client.get(ticket.get_agent_url())
    )


def test_merge_by_number(agent_client, queue):
    source = TicketFactory(department=queue)
    target = TicketFactory(department=queue)
    response = agent_client.post(
        reverse("tickets:agent_merge", args=[source.number]),
        {"target": f"#{target.number}", "confirm": "1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == target.get_agent_url()
    assert f"Merged {source.reference} into {target.reference}." in texts(response)
    source.refresh_from_db()
    assert source.merged_into == target


def test_merge_into_an_invisible_ticket_is_refused(agent_client, queue):
    source = TicketFactory(department=queue)
    hidden = TicketFactory(department=DepartmentFactory())
    response = agent_client.post(
        reverse("tickets:agent_merge", args=[source.number]),
        {"target": hidden.number, "confirm": "1"},
    )
    assert response.status_code == 302
    assert response.url == source.get_agent_url()
    source.refresh_from_db()
    assert source.status == Status.NEW


def test_timeline_page(agent_client, agent, queue):
    ticket = TicketFactory(department=queue)
    agent_client.post(reverse("tickets:agent_take", args=[ticket.number]))
    page = texts(
        agent_client.get(reverse("tickets:agent_events", args=[ticket.number]))
    )
    assert (
        f"{agent.display_name}</span> set the assignee to {agent.display_name}" in page
    )
    assert "changed the status from New to Open" in page


def test_collision_notice_shows_a_colleague_typing(login, agent, queue):
    ticket = TicketFactory(department=queue)
    colleague = UserFactory(agent=True, full_name="Kim Colleague")
    queue.agents.add(colleague)
    login(colleague).post(
        reverse("tickets:agent_presence", args=[ticket.number]), {"typing": "1"}
    )
    agent_client = login(agent)

    response = agent_client.post(
        reverse("tickets:agent_presence", args=[ticket.number])
    )
    assert "Kim Colleague</strong> is typing a reply" in texts(response)
    assert TicketPresence.objects.count() == 2

    TicketPresence.objects.filter(user=colleague).update(
        last_seen=datetime(2020, 1, 1, tzinfo=UTC)
    )
    response = agent_client.post(
        reverse("tickets:agent_presence", args=[ticket.number])
    )
    assert "Kim Colleague" not in texts(response)


def test_the_ticket_page_shown_again_soon_rewrites_no_presence(
    login, agent, queue, settings
):
    """The page after a reply or a reload finds the agent's presence fresh and
    leaves it; once it is half a poll interval old the page refreshes it, and
    a change of the typing state is always written."""
    settings.PRESENCE_POLL_SECONDS = 10
    ticket = TicketFactory(department=queue)
    client = login(agent)
    url = reverse("tickets:agent_detail", args=[ticket.number])

    client.get(url)
    first = TicketPresence.objects.get(ticket=ticket, user=agent).last_seen
    client.get(url)
    assert TicketPresence.objects.get(ticket=ticket, user=agent).last_seen == first

    stale = first - timedelta(seconds=6)
    TicketPresence.objects.filter(ticket=ticket, user=agent).update(last_seen=stale)
    client.get(url)
    assert TicketPresence.objects.get(ticket=ticket, user=agent).last_seen > stale

    TicketPresence.objects.filter(ticket=ticket, user=agent).update(typing=True)
    client.get(url)
    assert TicketPresence.objects.get(ticket=ticket, user=agent).typing is False
    assert TicketPresence.objects.count() == 1


def test_a_colleague_sees_an_agent_whose_presence_was_left_fresh(login, agent, queue):
    ticket = TicketFactory(department=queue)
    colleague = UserFactory(agent=True, full_name="Kim Colleague")
    queue.agents.add(colleague)
    url = reverse("tickets:agent_detail", args=[ticket.number])
    login(colleague).get(url)
    login(colleague).get(url)  # fresh: not written again

    response = login(agent).get(url)
    assert "Kim Colleague" in texts(response)


def test_canned_insert_fills_placeholders(agent_client, agent, queue):
    requester = UserFactory(full_name="Robin Hood")
    ticket = TicketFactory(department=queue, requester=requester)
    canned = CannedResponse.objects.create(
        owner=agent,
        title="Thanks",
        body="Thanks {requester_name}, see {ticket_number}.",
    )
    response = agent_client.post(
        reverse("tickets:agent_canned_insert", args=[ticket.number]),
        {"canned": canned.pk, "body": "Hello", "kind": "internal"},
        HTTP_HX_REQUEST="true",
    )
    form = response.context["reply_form"]
    assert form.initial["body"] == f"Hello\n\nThanks Robin, see {ticket.reference}."
    assert form.initial["kind"] == "internal"


def test_canned_insert_refuses_someone_elses_personal_response(agent_client, queue):
    ticket = TicketFactory(department=queue)
    theirs = CannedResponse.objects.create(
        owner=UserFactory(agent=True), title="Mine", body="private"
    )
    url = reverse("tickets:agent_canned_insert", args=[ticket.number])
    assert agent_client.post(url, {"canned": theirs.pk}).status_code == 404
    assert agent_client.post(url, {"canned": "not-a-key"}).status_code == 404


# --- canned responses pages -------------------------------------------------


def test_canned_pages(agent_client, agent, admin_user, login):
    response = agent_client.post(
        reverse("tickets:canned_create"),
        {"title": "Greeting", "body": "Hi {requester_name}", "shared": "on"},
        follow=True,
    )
    canned = CannedResponse.objects.get()
    assert (canned.owner, canned.shared) == (agent, False)  # agents cannot share
    assert "Saved “Greeting”." in texts(response)

    shared = CannedResponse.objects.create(
        owner=admin_user, title="Policy", body="x", shared=True
    )
    listing = texts(agent_client.get(reverse("tickets:canned_list")))
    assert "Greeting" in listing and "Policy" in listing
    assert (
        agent_client.get(reverse("tickets:canned_edit", args=[shared.pk])).status_code
        == 404
    )
    assert (
        agent_client.post(
            reverse("tickets:canned_delete", args=[shared.pk])
        ).status_code
        == 404
    )

    admin = login(admin_user)
    admin.post(
        reverse("tickets:canned_edit", args=[shared.pk]),
        {"title": "Policy v2", "body": "y", "shared": "on"},
    )
    shared.refresh_from_db()
    assert shared.title == "Policy v2"


def test_view_counts_are_fresh_after_every_change_without_a_cache(
    agent_client, agent, queue
):
    # No cache to wait for: the counts are kept in the change's own transaction.
    TicketFactory(department=queue)
    home = reverse("tickets:agent_home")
    assert agent_client.get(home).context["counts"]["unassigned"] == 1

    ticket = services.ticket_create(
        requester=UserFactory(), subject="Printer", body="It is on fire."
    )
    services.ticket_update(ticket=ticket, actor=agent, department=queue)
    assert agent_client.get(home).context["counts"]["unassigned"] == 2

    services.ticket_take(ticket=ticket, actor=agent)
    counts = agent_client.get(home).context["counts"]
    assert (counts["unassigned"], counts["mine"]) == (1, 1)


def test_bulk_with_an_absurd_number_is_refused_not_a_crash(agent_client):
    response = agent_client.post(
        reverse("tickets:agent_bulk"),
        {"tickets": ["9" * 30], "action": "priority", "priority": "high"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Those are not ticket numbers." in texts(response)


def test_merged_tickets_cost_no_query_each(
    agent_client, queue, django_assert_max_num_queries
):
    target = TicketFactory(department=queue, open=True)
    url = target.get_agent_url()
    agent_client.get(url)
    with django_assert_max_num_queries(60) as few:
        agent_client.get(url)
    for _ in range(8):
        TicketFactory(department=queue, closed=True, merged_into=target)
    with django_assert_max_num_queries(len(few.captured_queries)):
        agent_client.get(url)
