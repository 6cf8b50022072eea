"""ATTACK (review of issue 14): visibility faults found by an outside tester.

Every test here FAILS on the reviewed branch: each one is a fault, not a
regression guard. Do not "fix" a test to make it pass; fix the product.
"""

import pytest
from django.test import Client

from .help_center_data import Visibility, article, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal_section(db):
    """A section holding agents-only articles alone, and a public one."""
    internal = category(
        "Internal runbooks", position=1, description="Escalation paths for P1s"
    )
    article("Escalate a P1 outage", category=internal, visibility=Visibility.AGENTS)
    billing = category("Billing", position=0)
    article("Pay an invoice", category=billing)
    return internal


def test_attack_api_category_list_hides_a_section_a_visitor_cannot_read(
    internal_section,
):
    """The help center says an agents-only section's name never reaches a
    visitor (its page is a 404, it is not listed); the API lists it, with
    its name and description, to anyone without credentials."""
    visitor = Client()
    assert visitor.get(f"/help/c/{internal_section.slug}/").status_code == 404

    listed = visitor.get("/api/v1/knowledge/categories")

    assert listed.status_code == 200
    text = listed.content.decode()
    assert "Internal runbooks" not in text
    assert "Escalation paths" not in text
    assert internal_section.slug not in text


def test_attack_api_category_get_is_404_for_a_section_a_visitor_cannot_read(
    internal_section,
):
    visitor = Client()
    for lookup in (internal_section.slug, str(internal_section.pk)):
        response = visitor.get(f"/api/v1/knowledge/categories/{lookup}")
        assert response.status_code == 404, lookup
        assert "Internal runbooks" not in response.content.decode()


def test_attack_api_category_list_hides_a_customers_only_section_from_visitors(db):
    vip = category("VIP customers", description="Priority line")
    article("Your priority line", category=vip, visibility=Visibility.CUSTOMERS)

    text = Client().get("/api/v1/knowledge/categories").content.decode()

    assert "VIP customers" not in text
