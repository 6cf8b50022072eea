"""Repeated failed sign-ins lock an account from an address (django-axes)."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from .factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def attempt(client, email, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def user():
    return UserFactory(email="target@example.com")


def lock(client, user, settings, ip="10.0.0.1"):
    for index in range(settings.AXES_FAILURE_LIMIT):
        # Letter case does not give an attacker fresh tries.
        email = user.email.upper() if index % 2 else user.email
        response = attempt(client, email, f"wrong-{index}", ip=ip)
    return response


def test_lockout_after_the_limit_even_with_the_right_password(client, user, settings):
    last = lock(client, user, settings)
    assert last.status_code == 429
    response = attempt(client, user.email, TEST_PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-ins." in page
    assert f"for {settings.AXES_COOLOFF_TIME * 60:.0f} minutes" in page
    assert not response.wsgi_request.user.is_authenticated


def test_a_few_failures_do_not_lock(client, user, settings):
    for index in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, user.email, f"wrong-{index}").status_code == 200
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 302


def test_the_lock_is_per_account_and_address(client, user, settings):
    lock(client, user, settings, ip="10.0.0.1")
    assert attempt(client, user.email, TEST_PASSWORD, ip="10.0.0.2").status_code == 302
    other = UserFactory(email="bystander@example.com")
    client.post(reverse("accounts:logout"))
    assert attempt(client, other.email, TEST_PASSWORD, ip="10.0.0.1").status_code == 302


def test_an_admin_unlocks_in_the_admin(client, login, user, settings):
    lock(client, user, settings)
    assert AccessAttempt.objects.filter(username=user.email).exists()

    admin = login(UserFactory(admin=True))
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert user.email in admin.get(changelist).content.decode()
    admin.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": list(
                AccessAttempt.objects.values_list("pk", flat=True)
            ),
            "post": "yes",
        },
    )
    admin.post(reverse("accounts:logout"))

    assert not AccessAttempt.objects.exists()
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 302


def test_lockout_only_counts_within_the_cool_off(client, user, settings):
    lock(client, user, settings)
    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")
    assert attempt(client, user.email, TEST_PASSWORD).status_code == 302
