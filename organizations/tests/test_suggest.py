"""Choosing an organization by name in the agents' filters: the suggestions
behind the box, who may ask for them, and what the list and reports do with
the name typed."""

import re

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tickets.models import Ticket
from tickets.tests.factories import TicketFactory

from ..selectors import SUGGESTIONS
from .factories import OrganizationFactory

pytestmark = pytest.mark.django_db

SUGGEST = reverse("organizations:suggest")


def suggestions(response) -> list[str]:
    return re.findall(r'<option value="([^"]*)"></option>', response.content.decode())


def test_an_agent_is_offered_the_names_containing_what_they_typed(login, agent):
    for name in ("Acme Corp", "Tiny ACME", "Globex", "<b>Acme</b> & Sons"):
        OrganizationFactory(name=name)
    response = login(agent).get(SUGGEST, {"organization": "acme"})
    assert response.status_code == 200
    assert suggestions(response) == [
        "&lt;b&gt;Acme&lt;/b&gt; &amp; Sons",  # escaped, never markup
        "Acme Corp",
        "Tiny ACME",
    ]


def test_suggestions_are_few_and_need_two_characters(login, agent):
    OrganizationFactory.create_batch(
        SUGGESTIONS + 5, name=factory.Sequence(lambda n: f"Shop {n:03d}")
    )
    client = login(agent)
    assert len(suggestions(client.get(SUGGEST, {"organization": "shop"}))) == (
        SUGGESTIONS
    )
    assert suggestions(client.get(SUGGEST, {"organization": "s"})) == []
    assert suggestions(client.get(SUGGEST)) == []


def test_customers_and_strangers_learn_no_organization(login, customer, client):
    OrganizationFactory(name="Acme Corp")
    refused = login(customer).get(SUGGEST, {"organization": "acme"})
    assert refused.status_code == 403
    assert b"Acme" not in refused.content
    client.logout()
    anonymous = client.get(SUGGEST, {"organization": "acme"})
    assert anonymous.status_code == 302
    assert reverse("accounts:login") in anonymous.url


def test_the_list_filters_by_the_name_typed_and_by_the_id_of_old_links(
    login, agent, customer
):
    department = agent.departments.get()
    acme, globex = (
        OrganizationFactory(name="Acme Corp"),
        OrganizationFactory(name="Globex"),
    )
    ours = TicketFactory(department=department, requester=customer, organization=acme)
    TicketFactory(department=department, requester=customer, organization=globex)
    client = login(agent)
    url = reverse("tickets:agent_list")
    for value in ("acme corp", "  Acme Corp ", str(acme.pk)):
        response = client.get(url, {"organization": value})
        assert [t.number for t in response.context["page"]] == [ours.number], value
        # The box shows the organization's name, also for an id.
        assert 'value="Acme Corp"' in response.content.decode()
    # The page lists no organization it was not asked for.
    page = client.get(url, {"organization": "Acme Corp"}).content.decode()
    assert "Globex" not in page


def test_an_unknown_name_is_a_field_error_that_keeps_the_text(login, agent, customer):
    TicketFactory(department=agent.departments.get(), requester=customer)
    response = login(agent).get(
        reverse("tickets:agent_list"), {"organization": "Initech"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "No organization is named “Initech”" in page
    assert 'value="Initech"' in page
    assert len(response.context["page"]) == Ticket.objects.count()  # unfiltered


def test_a_name_wins_over_an_id_and_nonsense_is_refused(login, agent):
    named_like_an_id = OrganizationFactory(name="2024")
    other = OrganizationFactory(name="Other")
    client = login(agent)
    url = reverse("tickets:agent_list")
    form = client.get(url, {"organization": "2024"}).context["form"]
    assert form.cleaned_data["organization"] == named_like_an_id
    form = client.get(url, {"organization": str(other.pk)}).context["form"]
    assert form.cleaned_data["organization"] == other
    for nonsense in ("9" * 30, "x" * 201):
        response = client.get(url, {"organization": nonsense})
        assert response.status_code == 200
        assert "organization" in response.context["form"].errors


def test_reports_filter_by_the_name_typed(login, admin_user):
    acme = OrganizationFactory(name="Acme Corp")
    response = login(admin_user).get(
        reverse("reports:volume"), {"organization": "ACME CORP"}
    )
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["organization"] == acme


def test_the_name_typed_is_looked_up_once_per_page(login, agent):
    OrganizationFactory(name="Acme Corp")
    client = login(agent)
    url = reverse("tickets:agent_list")
    client.get(url, {"organization": "Acme Corp"})
    with CaptureQueriesContext(connection) as context:
        client.get(url, {"organization": "Acme Corp"})
    lookups = [
        query["sql"]
        for query in context.captured_queries
        if "acme corp" in query["sql"].lower()
    ]
    assert len(lookups) == 1, lookups  # cleaned and shown from one lookup
