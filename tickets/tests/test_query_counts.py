"""Pages cost the same number of queries with 5 rows as with 50."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organizations.tests.factories import OrganizationFactory, TeamFactory

from .factories import AttachmentFactory, CategoryFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


def count_queries(django_assert_max_num_queries, client, url, limit=40):
    """Queries of a repeat visit (the first visit also records the agent's
    presence on a ticket page, a one-off insert)."""
    client.get(url)
    with django_assert_max_num_queries(limit) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def grow_tickets(n, **kwargs):
    """Tickets with every relation a row shows filled in, all different."""
    for _ in range(n):
        requester = UserFactory(organization=OrganizationFactory())
        TicketFactory(
            requester=requester,
            assignee=kwargs.get("assignee") or UserFactory(agent=True),
            category=CategoryFactory(),
            team=TeamFactory(department=kwargs["department"]),
            **{k: v for k, v in kwargs.items() if k != "assignee"},
        )


def test_agent_list_is_flat(login, agent, django_assert_max_num_queries):
    department = agent.departments.get()
    client = login(agent)
    url = reverse("tickets:agent_list") + "?per_page=100"
    grow_tickets(5, department=department)
    few = count_queries(django_assert_max_num_queries, client, url)
    grow_tickets(45, department=department)
    many = count_queries(django_assert_max_num_queries, client, url)
    assert many == few


def test_agent_dashboard_is_flat(login, agent, django_assert_max_num_queries):
    department = agent.departments.get()
    client = login(agent)
    url = reverse("tickets:agent_home")
    grow_tickets(5, department=department, assignee=agent)
    few = count_queries(django_assert_max_num_queries, client, url)
    grow_tickets(45, department=department, assignee=agent)
    assert count_queries(django_assert_max_num_queries, client, url) == few


def test_portal_list_is_flat(login, customer, django_assert_max_num_queries):
    organization = OrganizationFactory(share_tickets=True)
    customer.organization = organization
    customer.save()
    client = login(customer)
    url = reverse("tickets:portal_list")

    def grow(n):
        for _ in range(n):
            TicketFactory(
                requester=UserFactory(organization=organization),
                category=CategoryFactory(),
            )

    grow(5)
    few = count_queries(django_assert_max_num_queries, client, url)
    grow(15)  # a portal page holds 20
    assert count_queries(django_assert_max_num_queries, client, url) == few


def conversation(ticket, n):
    for index in range(n):
        message = MessageFactory(
            ticket=ticket,
            author=UserFactory(agent=True) if index % 2 else ticket.requester,
            internal=index % 5 == 4,
        )
        AttachmentFactory(message=message)


def test_agent_ticket_page_is_flat(login, agent, django_assert_max_num_queries):
    department = agent.departments.get()
    ticket = TicketFactory(
        department=department, team=TeamFactory(department=department)
    )
    client = login(agent)
    conversation(ticket, 5)
    few = count_queries(django_assert_max_num_queries, client, ticket.get_agent_url())
    conversation(ticket, 45)
    for _ in range(10):
        TicketFactory(requester=ticket.requester, department=department)
    many = count_queries(django_assert_max_num_queries, client, ticket.get_agent_url())
    assert many == few


def test_portal_ticket_page_is_flat(login, customer, django_assert_max_num_queries):
    ticket = TicketFactory(requester=customer)
    client = login(customer)
    conversation(ticket, 5)
    few = count_queries(
        django_assert_max_num_queries, client, ticket.get_absolute_url()
    )
    conversation(ticket, 45)
    many = count_queries(
        django_assert_max_num_queries, client, ticket.get_absolute_url()
    )
    assert many == few
