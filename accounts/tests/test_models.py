import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.models.functions import Upper

from accounts.models import User
from helpdesk.db import atomic

from .factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_stored_lower_case_and_unique_ignoring_case():
    user = User.objects.create_user(" Alice@Example.COM ", TEST_PASSWORD)
    assert user.email == "alice@example.com"
    with pytest.raises(IntegrityError):
        User.objects.create_user("ALICE@example.com", TEST_PASSWORD)


@pytest.mark.skipif(
    connection.vendor not in {"sqlite", "postgresql"},
    reason="the check constraint is enforced by SQL databases only",
)
def test_sql_databases_refuse_an_upper_case_email_written_past_the_application():
    """The application stores lower case itself (test_email_case); on SQL
    databases the check constraint also refuses what slips past it."""
    user = UserFactory(email="bob@example.com")
    with pytest.raises(IntegrityError), atomic():
        User.objects.filter(pk=user.pk).update(email=Upper("email"))


def test_login_ignores_letter_case(rf):
    user = UserFactory(email="carol@example.com")
    request = rf.post("/accounts/login/")
    assert (
        authenticate(request, username="CAROL@Example.com", password=TEST_PASSWORD)
        == user
    )
    assert authenticate(request, username="carol@example.com", password="no") is None


def test_inactive_user_cannot_authenticate(rf):
    UserFactory(email="dan@example.com", inactive=True)
    request = rf.post("/accounts/login/")
    assert (
        authenticate(request, username="dan@example.com", password=TEST_PASSWORD)
        is None
    )


@pytest.mark.parametrize(
    ("traits", "customer", "agent", "admin", "staff"),
    [
        ({}, True, False, False, False),
        ({"agent": True}, False, True, False, False),
        ({"admin": True}, False, True, True, True),
    ],
)
def test_roles(traits, customer, agent, admin, staff):
    user = UserFactory(**traits)
    assert (user.is_customer, user.is_agent, user.is_admin) == (customer, agent, admin)
    assert user.is_staff is staff
    assert user.has_perm("tickets.change_ticket") is staff


def test_deactivated_admin_loses_the_admin():
    user = UserFactory(admin=True, inactive=True)
    assert not user.is_staff
    assert not user.has_module_perms("tickets")


def test_unknown_timezone_is_refused():
    user = UserFactory.build(timezone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError, match="not a known time zone"):
        user.full_clean()


def test_create_superuser_makes_an_admin():
    user = User.objects.create_superuser("root@example.com", TEST_PASSWORD)
    assert user.role == User.Role.ADMIN
    assert user.is_superuser
