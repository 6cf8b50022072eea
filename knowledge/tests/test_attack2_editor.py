"""ATTACK round 2 (review of issue 14): the agents' workspace editor.

Every test here FAILS on the reviewed branch: each one is a fault, not a
regression guard. Do not "fix" a test to make it pass; fix the product.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from knowledge.models import Article

pytestmark = pytest.mark.django_db


def test_attack2_the_editor_refuses_a_language_that_is_not_a_language_code(
    client, login
):
    """The API refuses ``"language": "not valid!"`` (it must look like an ISO
    639-1 code, which the search stems and drops stop words by), but the
    workspace editor (and the Django admin, same form) saves it, so an
    article can carry a language the API itself calls invalid."""
    agent_client = login(UserFactory(agent=True))

    response = agent_client.post(
        reverse("knowledge:article_new"),
        {
            "title": "How do I export my data?",
            "slug": "",
            "category": "",
            "status": "published",
            "visibility": "public",
            "language": "not valid!",
            "body": "Open **Settings** and press *Export*.",
            "phrasings": "",
        },
    )

    assert response.status_code == 400
    assert not Article.objects.filter(language="not valid!").exists()
