from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets.models import Ticket
from tickets.tests.factories import TicketFactory

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_styled_and_labelled(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'for="id_username"' in content
    assert "Email address" in content
    assert "bootstrap/css/bootstrap.min.css" in content


@pytest.mark.parametrize(
    ("traits", "landing"),
    [
        ({}, "/portal/"),
        # Agents and admins must set up two-factor authentication first.
        ({"agent": True}, "/accounts/mfa/"),
        ({"admin": True}, "/accounts/mfa/"),
    ],
)
def test_login_lands_each_role_on_its_page(client, password, traits, landing):
    user = UserFactory(**traits)
    response = client.post(
        reverse("accounts:login"),
        {"username": user.email.upper(), "password": password},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200
    assert response.wsgi_request.user == user


def test_wrong_password_shows_an_error_and_keeps_the_email(client):
    user = UserFactory()
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": "nope"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "do not match an account" in content
    assert f'value="{user.email}"' in content
    assert not response.wsgi_request.user.is_authenticated


def test_logout_is_post_only_and_says_goodbye(login, customer):
    client = login(customer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "You have been signed out." in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.parametrize(
    ("traits", "allowed"),
    [({}, False), ({"agent": True}, False), ({"admin": True}, True)],
)
def test_only_admins_enter_the_django_admin(login, traits, allowed):
    response = login(UserFactory(**traits)).get("/admin/")
    if allowed:
        assert response.status_code == 200
        assert "Helpdesk administration" in response.content.decode()
    else:
        response = login(UserFactory(**traits)).get("/admin/", follow=True)
        assert not response.redirect_chain[-1][0].startswith("/admin")
        assert "The administration is for admins only." in response.content.decode()


def test_pages_show_times_in_the_users_time_zone(login):
    user = UserFactory(timezone="Asia/Tokyo")
    ticket = TicketFactory(requester=user)
    Ticket.objects.filter(pk=ticket.pk).update(
        updated_at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    )
    response = login(user).get(reverse("tickets:portal_home"))
    assert 'title="Jan. 1, 2026, 9 a.m."' in response.content.decode()
    # The zone does not leak into whatever the thread runs next.
    assert timezone.get_current_timezone_name() == "UTC"
