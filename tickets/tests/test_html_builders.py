"""Every place that builds HTML in Python (format_html, SafeString) escapes the
names and subjects people choose (issue 10, hole 3, reviewed whole)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organizations.tests.factories import OrganizationFactory, TeamFactory

from .factories import CategoryFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _assert_inert(page: str) -> None:
    parser = _Elements()
    parser.feed(page)
    for tag, attrs in parser.elements:
        assert tag != "img" or attrs.get("src") != "x", attrs
        assert "onerror" not in attrs, (tag, attrs)
    assert "<script>alert(2)" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_the_workspace_list_and_ticket_page_escape_chosen_names(login, agent):
    department = agent.departments.get()
    requester = UserFactory(
        full_name=f"Customer {HOSTILE}",
        organization=OrganizationFactory(name=f"Org {HOSTILE}"),
    )
    colleague = UserFactory(agent=True, full_name=f"Agent {HOSTILE}")
    colleague.departments.add(department)
    ticket = TicketFactory(
        subject=f"Subject {HOSTILE}",
        requester=requester,
        organization=requester.organization,
        department=department,
        team=TeamFactory(department=department, name=f"Team {HOSTILE}"),
        category=CategoryFactory(name=f"Category {HOSTILE}"),
        assignee=colleague,
    )
    MessageFactory(ticket=ticket, body=HOSTILE)
    client = login(agent)
    # agent_ticket_rows, status/priority badges, fast_select (agent names)
    _assert_inert(client.get(reverse("tickets:agent_list") + "?view=all").text)
    # the sidebar's selects, the conversation, the timeline
    _assert_inert(client.get(ticket.get_agent_url()).text)


def test_the_portal_escapes_chosen_names(login, customer):
    ticket = TicketFactory(requester=customer, subject=f"Subject {HOSTILE}")
    MessageFactory(ticket=ticket, body=HOSTILE)
    client = login(customer)
    _assert_inert(client.get(reverse("tickets:portal_list")).text)
    _assert_inert(client.get(ticket.get_absolute_url()).text)
