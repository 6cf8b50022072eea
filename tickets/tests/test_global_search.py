"""Search everywhere: the top bar's box and its results page, for agents and
customers, over every ticket they may see and nothing else."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organizations.tests.factories import (
    DepartmentFactory,
    OrganizationDomainFactory,
    OrganizationFactory,
)
from tickets import services
from tickets.models import Ticket

from .factories import CategoryFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("tickets:search")


@pytest.fixture
def queue(agent):
    return agent.departments.get()


@pytest.fixture
def agent_client(login, agent):
    return login(agent)


def open_ticket(requester, queue, *, subject="Question", body="Hello"):
    return services.ticket_create(
        requester=requester, subject=subject, body=body, department=queue
    )


def solve(ticket, agent):
    services.ticket_change_status(ticket=ticket, status="solved", actor=agent)
    ticket.refresh_from_db()
    return ticket


def found(response) -> set[int]:
    """The ticket numbers on a results page."""
    assert response.status_code == 200
    for section in response.context["sections"]:
        if section.key == "tickets":
            return {ticket.number for ticket in section.rows}
    return set()


def section(response, key):
    return next((s for s in response.context["sections"] if s.key == key), None)


# --- Numbers ----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["{n}", "#{n}", "  #{n} "])
def test_a_number_opens_the_agents_ticket_page(agent_client, customer, queue, typed):
    ticket = open_ticket(customer, queue)
    response = agent_client.get(SEARCH, {"q": typed.format(n=ticket.number)})
    assert response.status_code == 302
    assert response.url == reverse("tickets:agent_detail", args=[ticket.number])


def test_a_solved_ticket_missing_from_the_default_view_is_found_by_number(
    agent_client, agent, customer, queue
):
    ticket = solve(open_ticket(customer, queue, subject="Old invoice"), agent)
    default_list = agent_client.get(
        reverse("tickets:agent_list"), {"q": str(ticket.number)}
    )
    assert ticket.number not in {t.number for t in default_list.context["page"]}
    response = agent_client.get(SEARCH, {"q": str(ticket.number)})
    assert response.status_code == 302
    assert response.url == ticket.get_agent_url()
    assert agent_client.get(response.url).status_code == 200


def test_a_number_opens_the_customers_portal_page(login, customer, queue):
    ticket = open_ticket(customer, queue)
    response = login(customer).get(SEARCH, {"q": f"#{ticket.number}"})
    assert response.status_code == 302
    assert response.url == reverse("tickets:portal_detail", args=[ticket.number])


def test_another_organizations_ticket_number_is_no_result(login, customer, queue):
    stranger = UserFactory(organization=OrganizationFactory(sharing=True))
    theirs = open_ticket(stranger, queue, subject="Secret merger plans")
    client = login(customer)
    response = client.get(SEARCH, {"q": f"#{theirs.number}"})
    missing = client.get(SEARCH, {"q": "#999999"})
    assert response.status_code == missing.status_code == 200
    assert found(response) == set()
    assert "No results" in response.text
    assert "Secret merger" not in response.text
    # The answer for someone else's number is the one for a number nobody has.
    assert response.context["total"] == missing.context["total"] == 0


def test_an_agent_outside_the_department_cannot_find_its_ticket(
    login, customer, queue, settings
):
    settings.AGENTS_SEE_ALL_TICKETS = False
    elsewhere = DepartmentFactory()
    ticket = open_ticket(customer, elsewhere, subject="Payroll export broken")
    outsider = login(UserFactory(agent=True))  # works in no department
    by_number = outsider.get(SEARCH, {"q": str(ticket.number)})
    assert by_number.status_code == 200
    assert found(by_number) == set()
    assert found(outsider.get(SEARCH, {"q": "payroll"})) == set()
    assert found(outsider.get(SEARCH, {"q": customer.email})) == set()
    # The agent of that department finds it both ways.
    insider = UserFactory(agent=True)
    elsewhere.agents.add(insider)
    client = login(insider)
    assert client.get(SEARCH, {"q": str(ticket.number)}).status_code == 302
    assert found(client.get(SEARCH, {"q": "payroll"})) == {ticket.number}


# --- Text -------------------------------------------------------------------


def test_subject_message_and_requester_in_every_status(
    agent_client, agent, customer, queue
):
    by_subject = solve(open_ticket(customer, queue, subject="Printer on fire"), agent)
    by_body = open_ticket(customer, queue, body="The printer jams on page two")
    closed = open_ticket(customer, queue, subject="Something else")
    services.ticket_change_status(ticket=closed, status="solved", actor=agent)
    services.ticket_change_status(ticket=closed, status="closed", actor=None)
    unrelated = open_ticket(customer, queue, subject="Password reset")
    assert found(agent_client.get(SEARCH, {"q": "PRINTER"})) == {
        by_subject.number,
        by_body.number,
    }
    named = UserFactory(full_name="Zelda Quartermaine", email="zq@firm.example")
    hers = open_ticket(named, queue, subject="Hello there")
    assert found(agent_client.get(SEARCH, {"q": "quartermaine"})) == {hers.number}
    assert found(agent_client.get(SEARCH, {"q": "ZQ@FIRM"})) == {hers.number}
    everything = found(agent_client.get(SEARCH, {"q": customer.email}))
    assert {by_subject.number, by_body.number, closed.number} <= everything
    assert unrelated.number in everything


def test_merged_tickets_are_found(agent_client, agent, customer, queue):
    source = open_ticket(customer, queue, subject="Duplicate about the gazebo")
    target = open_ticket(customer, queue, subject="Garden furniture")
    services.ticket_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    # The target carries an internal note quoting the source: both are found.
    assert found(agent_client.get(SEARCH, {"q": "gazebo"})) == {
        source.number,
        target.number,
    }


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("Überweisung fehlgeschlagen", "UBERWEISUNG"),
        ("Café au lait machine", "CAFE"),
        ("ОШИБКА ПРИ ОПЛАТЕ", "ошибка"),
        ("Lieferung in die Hauptstraße", "hauptstrasse"),
    ],
)
def test_case_and_accents_are_folded(agent_client, customer, queue, stored, typed):
    ticket = open_ticket(customer, queue, body=stored)
    assert found(agent_client.get(SEARCH, {"q": typed})) == {ticket.number}


def test_customers_never_match_an_internal_note(
    login, agent, customer, queue, agent_client
):
    ticket = open_ticket(customer, queue, subject="Laptop battery")
    services.message_add(
        ticket=ticket,
        author=agent,
        body="Customer sounds like a zebracorn",
        internal=True,
    )
    assert found(agent_client.get(SEARCH, {"q": "zebracorn"})) == {ticket.number}
    # The same client, now signed in as the customer (login replaces the agent).
    assert found(login(customer).get(SEARCH, {"q": "zebracorn"})) == set()
    assert found(login(customer).get(SEARCH, {"q": "battery"})) == {ticket.number}


def test_customers_see_their_organizations_shared_tickets_only(login, queue):
    shared = OrganizationFactory(sharing=True)
    me, colleague = UserFactory(organization=shared), UserFactory(organization=shared)
    outsider = UserFactory(organization=OrganizationFactory(sharing=True))
    ours = open_ticket(colleague, queue, subject="Router blinking")
    theirs = open_ticket(outsider, queue, subject="Router blinking too")
    client = login(me)
    assert found(client.get(SEARCH, {"q": "router"})) == {ours.number}
    assert found(client.get(SEARCH, {"q": outsider.email})) == set()
    assert client.get(SEARCH, {"q": str(theirs.number)}).status_code == 200


# --- People and organizations -----------------------------------------------


def test_agents_find_people_and_organizations(agent_client, queue):
    acme = OrganizationFactory(name="Acmé Rockets")
    OrganizationDomainFactory(organization=acme, domain="acme-rockets.example")
    person = UserFactory(full_name="Wile Coyote", organization=acme)
    open_ticket(person, queue, subject="Anvil delivery")
    colleague = UserFactory(agent=True, full_name="Road Runner")

    response = agent_client.get(SEARCH, {"q": "coyote"})
    assert [p.pk for p in section(response, "people").rows] == [person.pk]
    assert "Wile Coyote" in response.text
    assert f"requester={person.email.replace('@', '%40')}" in response.text

    response = agent_client.get(SEARCH, {"q": "runner"})
    assert [p.pk for p in section(response, "people").rows] == [colleague.pk]
    assert f"assignee={colleague.pk}" in response.text

    assert [o.pk for o in section(response, "organizations").rows] == []
    response = agent_client.get(SEARCH, {"q": "rockets"})
    assert [o.pk for o in section(response, "organizations").rows] == [acme.pk]
    assert f"organization={acme.pk}" in response.text
    response = agent_client.get(SEARCH, {"q": "acme-rockets.example"})
    assert [o.pk for o in section(response, "organizations").rows] == [acme.pk]


def test_agents_find_only_customers_of_tickets_they_may_see(
    login, agent, queue, settings
):
    settings.AGENTS_SEE_ALL_TICKETS = False
    mine = UserFactory(full_name="Visible Vera")
    open_ticket(mine, queue)
    hidden = UserFactory(full_name="Hidden Vera")
    open_ticket(hidden, DepartmentFactory())
    response = login(agent).get(SEARCH, {"q": "vera"})
    assert [p.pk for p in section(response, "people").rows] == [mine.pk]
    assert "Hidden Vera" not in response.text


def test_customers_get_no_people_or_organizations(login, customer, queue):
    OrganizationFactory(name="Wonka Industries")
    colleague = UserFactory(full_name="Willy Wonka")
    open_ticket(customer, queue, subject="Chocolate river")
    response = login(customer).get(SEARCH, {"q": "wonka"})
    assert response.status_code == 200
    assert [s.key for s in response.context["sections"]] == ["tickets"]
    assert "Wonka Industries" not in response.text
    assert colleague.email not in response.text
    assert "No results" in response.text


# --- The page ---------------------------------------------------------------


def test_empty_query_shows_a_prompt(agent_client, customer, queue):
    open_ticket(customer, queue)
    for query in ({}, {"q": ""}, {"q": "   "}):
        response = agent_client.get(SEARCH, query)
        assert response.status_code == 200
        assert response.context["sections"] == []
        assert "What are you looking for?" in response.text


@pytest.mark.parametrize("who", ["agent", "customer"])
def test_a_nul_character_is_refused_not_a_server_error(
    login, agent, customer, queue, who
):
    """PostgreSQL refuses NUL in a query: a search holding one, in any
    section, is a 400 that names the parameter, before any search runs."""
    open_ticket(customer, queue, subject="Printer jam")
    client = login(agent if who == "agent" else customer)
    for params in (
        {"q": "jam\x00"},
        {"q": "\x00"},
        {"q": "#\x00"},
        {"q": "ja\x00m", "section": "tickets"},
    ):
        response = client.get(SEARCH, params)
        assert response.status_code == 400, params
        assert "The query parameter q contains a NUL character" in response.text


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(SEARCH, {"q": "anything"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url
    assert "global-search" not in client.get(reverse("accounts:login")).text


def test_the_top_bar_has_a_labelled_search_box(agent_client, login, customer):
    page = agent_client.get(reverse("tickets:agent_home")).text
    assert 'role="search"' in page
    assert '<label class="visually-hidden" for="global-search">' in page
    assert f'action="{SEARCH}"' in page
    assert (
        'for="global-search">'
        in login(customer).get(reverse("tickets:portal_home")).text
    )


def test_sections_preview_then_paginate(agent_client, queue):
    requester = UserFactory()
    TicketFactory.create_batch(
        30, subject="Quarterly report", search_text="quarterly report",
        department=queue, requester=requester,
    )  # fmt: skip
    response = agent_client.get(SEARCH, {"q": "quarterly"})
    tickets = section(response, "tickets")
    assert tickets.count == 30 and len(tickets.rows) == 10
    assert "Show all 30 tickets" in response.text
    page_two = agent_client.get(
        SEARCH, {"q": "quarterly", "section": "tickets", "page": 2}
    )
    tickets = section(page_two, "tickets")
    assert tickets.count == 30 and len(tickets.rows) == 5
    assert "26–30 of 30" in page_two.text


def test_query_count_stays_flat(login, agent, queue, django_assert_max_num_queries):
    client = login(agent)

    def grow(n):
        for _ in range(n):
            organization = OrganizationFactory(name=f"Flat {Ticket.objects.count()}")
            requester = UserFactory(full_name="Flat Person", organization=organization)
            ticket = TicketFactory(
                subject="flat tyre", search_text="flat tyre", department=queue,
                requester=requester, assignee=agent, category=CategoryFactory(),
            )  # fmt: skip
            MessageFactory(ticket=ticket, body="flat", search_text="flat")

    def queries(params):
        client.get(SEARCH, params)
        # The search index reads its candidates once or twice (whole words,
        # then the last as a prefix) and the requesters once: 13 at most.
        with django_assert_max_num_queries(13) as context:
            response = client.get(SEARCH, params)
        assert response.status_code == 200
        return len(context.captured_queries)

    grow(3)
    few = [queries({"q": "flat"}), queries({"q": "flat", "section": "tickets"})]
    grow(30)
    many = [queries({"q": "flat"}), queries({"q": "flat", "section": "tickets"})]
    assert many == few


def test_the_people_and_organization_selectors_refuse_customers(customer):
    from tickets.selectors.search import search_organizations, search_people

    OrganizationFactory(name="Initech")
    UserFactory(full_name="Peter Gibbons", agent=True)
    assert list(search_people(customer, "peter")) == []
    assert list(search_organizations(customer, "initech")) == []


def test_the_selectors_drop_a_nul_character(agent, customer, queue):
    """Whoever calls them, the search selectors never send NUL to the
    database (PostgreSQL refuses it): each section finds what the text
    without it finds."""
    from tickets.selectors import search_everywhere, search_ticket_by_number

    ticket = open_ticket(customer, queue, subject="Printer jam")
    OrganizationFactory(name="Jamco")
    results = search_everywhere(agent, "ja\x00m")
    assert [t.number for t in results.tickets] == [ticket.number]
    assert [o.name for o in results.organizations] == ["Jamco"]
    assert list(search_everywhere(agent, "\x00").people) == []
    assert search_ticket_by_number(agent, f"#{ticket.number}\x00") == ticket
