import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("traits", "target"),
    [({}, "/portal/"), ({"agent": True}, "/agent/"), ({"admin": True}, "/agent/")],
)
def test_home_sends_each_role_to_its_front_door(login, traits, target):
    response = login(UserFactory(**traits)).get("/")
    assert response.status_code == 302
    assert response.url == target


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "tickets:portal_home",
        "tickets:portal_list",
        "tickets:portal_new",
        "tickets:agent_home",
        "tickets:agent_list",
        "tickets:agent_new",
        "tickets:canned_list",
        "accounts:profile",
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")
