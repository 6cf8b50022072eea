"""ATTACK round 2 (review of issue 14): NUL characters on the admin's Teach
form (/agent/knowledge/report/teach/). PostgreSQL refuses NUL in text, so
these are 500s there: run this module with DATABASE_URL=postgres://... to
see them.

Every test here FAILS on the reviewed branch (on PostgreSQL): each one is a
fault, not a regression guard. Do not "fix" a test to make it pass; fix the
product.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

from .help_center_data import article

pytestmark = pytest.mark.django_db

TEACH = reverse("knowledge:report_teach")


@pytest.fixture
def admin_client(login):
    signed_in = login(UserFactory(admin=True))
    signed_in.raise_request_exception = False
    return signed_in


def test_attack2_teaching_a_question_with_a_nul_is_refused_not_a_500(admin_client):
    """POST teach with a phrasing "a\\x00b" (the unanswered question text
    comes from visitors) is a 500 on PostgreSQL instead of a form error."""
    taught = article("How to pay")

    response = admin_client.post(
        TEACH, {"article": taught.pk, "phrasing": ["pay\x00bill"]}
    )

    taught.refresh_from_db()
    assert response.status_code in (302, 400)
    assert "\x00" not in taught.phrasings


def test_attack2_the_teach_form_with_a_nul_closest_title_is_not_a_500(admin_client):
    """GET teach ?closest=%00 (the report builds this link from a title;
    anyone can hand an admin such a link) is a 500 on PostgreSQL."""
    article("How to pay")

    response = admin_client.get(TEACH, {"q": "pay my bill", "closest": "\x00"})

    assert response.status_code in (200, 400)
