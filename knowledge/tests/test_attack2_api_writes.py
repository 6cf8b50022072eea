"""ATTACK round 2 (review of issue 14): the article API's writes, tried as an
outside tester would.

Every test here FAILS on the reviewed branch: each one is a fault, not a
regression guard. Do not "fix" a test to make it pass; fix the product.

The fault: an address (slug) the caller asks for explicitly is silently
replaced when another article or category already uses it. The workspace
editor refuses the same request with "Article with this Slug already
exists."; the API answers 200/201 with a different address ("…-2"), so a
client that publishes links to the slug it sent links to the wrong page (or
to nothing).
"""

import pytest

from accounts.tests.factories import UserFactory

from .help_center_data import article, category

pytestmark = pytest.mark.django_db

ARTICLES = "/knowledge/articles"
CATEGORIES = "/knowledge/categories"


@pytest.fixture
def agent_api(api_as):
    return api_as(UserFactory(agent=True))


def test_attack2_api_patch_to_another_articles_slug_is_refused(agent_api):
    """PATCH {"slug": <another article's slug>} answers 200 and saves
    "<slug>-2" instead of refusing: the caller never gets the address it
    asked for, and is not told."""
    mine = article("How to pay")
    taken = article("Second one")

    response = agent_api.patch(f"{ARTICLES}/{mine.pk}", {"slug": taken.slug})

    mine.refresh_from_db()
    assert response.status_code in (400, 409)
    assert mine.slug == "how-to-pay"


def test_attack2_api_create_with_a_taken_slug_is_refused(agent_api):
    """POST with an explicit slug already in use answers 201 with another
    slug ("how-to-pay-2")."""
    taken = article("How to pay")

    response = agent_api.post(
        ARTICLES, {"title": "Paying by card", "body": "Use a card.", "slug": taken.slug}
    )

    assert response.status_code in (400, 409)


def test_attack2_api_patch_a_category_to_a_taken_slug_is_refused(api_as):
    """Same for categories: PATCH {"slug": "billing"} on another category
    answers 200 and saves "billing-2"."""
    admin_api = api_as(UserFactory(admin=True))
    billing = category("Billing")
    other = category("Other", position=1)

    response = admin_api.patch(f"{CATEGORIES}/{other.pk}", {"slug": billing.slug})

    other.refresh_from_db()
    assert response.status_code in (400, 409)
    assert other.slug == "other"
