"""The top bar's links into the knowledge base, per audience."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HELP = f'href="{reverse("knowledge:home")}"'
CHAT = f'href="{reverse("knowledge:chat")}"'
REPORT = f'href="{reverse("knowledge:report")}"'
EDITOR = f'href="{reverse("knowledge:article_manage_list")}"'


def _bar(client):
    """The top bar alone (help-center pages also hold the chat launcher)."""
    html = client.get(reverse("knowledge:home")).content.decode()
    return html.split("</nav>", 1)[0]


def test_anonymous_visitors_see_the_help_center_link_only(client):
    html = _bar(client)
    assert HELP in html and "Help center" in html
    assert CHAT not in html
    assert REPORT not in html


def test_customers_get_help_center_and_ask_a_question(client):
    client.force_login(UserFactory())
    html = _bar(client)
    assert HELP in html
    assert CHAT in html and "Ask a question" in html
    assert REPORT not in html
    assert EDITOR not in html


def test_agents_get_the_help_center_but_not_the_report(client, login):
    login(UserFactory(agent=True))
    html = _bar(client)
    assert HELP in html
    assert EDITOR in html
    assert REPORT not in html
    assert CHAT not in html


def test_admins_get_the_knowledge_report(client, login):
    login(UserFactory(admin=True))
    html = _bar(client)
    assert HELP in html
    assert REPORT in html and "Knowledge report" in html
