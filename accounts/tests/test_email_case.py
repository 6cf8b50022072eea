"""Email addresses are stored in lower case by the application itself.

The ``user_email_lower_case`` check constraint guards SQL databases, but not
every database enforces check constraints (MongoDB does not): every way the
product writes a user keeps the one lower-case spelling without it. These
tests read back what was stored and never count on the database refusing.
"""

import pytest
from django.urls import reverse

from accounts import services
from accounts.forms import RegistrationForm
from accounts.models import User

from .factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def stored_email(user: User) -> str:
    return User.objects.values_list("email", flat=True).get(pk=user.pk)


def test_creating_a_user_directly_stores_the_lower_case_address():
    user = User.objects.create(email=" Bob@Example.COM ")
    assert user.email == "bob@example.com"
    assert stored_email(user) == "bob@example.com"


def test_saving_a_changed_address_stores_it_in_lower_case():
    user = UserFactory(email="carol@example.com")
    user.email = "Carol.New@Example.com"
    user.save()
    assert stored_email(user) == "carol.new@example.com"


def test_bulk_writes_store_lower_case_addresses():
    User.objects.bulk_create(
        [User(email="Dan@Example.com"), User(email="ERIN@example.com")]
    )
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "dan@example.com",
        "erin@example.com",
    ]
    User.objects.filter(email="dan@example.com").update(email="Dan.B@Example.com")
    first = User.objects.get(email="dan.b@example.com")
    first.email = "DAN.C@example.com"
    User.objects.bulk_update([first], ["email"])
    assert stored_email(first) == "dan.c@example.com"


def test_a_mixed_case_copy_of_a_taken_address_is_the_same_account():
    UserFactory(email="fay@example.com")
    user, created = services.customer_get_or_create(email="FAY@Example.com")
    assert not created
    assert User.objects.filter(email="fay@example.com").count() == 1
    assert User.objects.get_by_natural_key("Fay@EXAMPLE.com") == user


def test_the_registration_form_and_the_admin_service_keep_lower_case(admin_user):
    form = RegistrationForm(
        {
            "full_name": "Gus",
            "email": "Gus@Example.COM",
            "password1": "a long enough password 1",
            "password2": "a long enough password 1",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "gus@example.com"
    user = services.user_create_by_admin(actor=admin_user, email="Hal@Example.COM")
    assert stored_email(user) == "hal@example.com"


def test_the_admin_stores_lower_case_and_refuses_a_mixed_case_duplicate(login):
    admin = login(UserFactory(admin=True))
    response = admin.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Ivy@Example.COM",
            "full_name": "Ivy",
            "role": "customer",
            "usable_password": "true",
            "password1": TEST_PASSWORD,
            "password2": TEST_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()
    ivy = User.objects.get(full_name="Ivy")
    assert stored_email(ivy) == "ivy@example.com"

    jo = UserFactory(email="jo@example.com", full_name="Jo")
    change = reverse("admin:accounts_user_change", args=[jo.pk])
    form = admin.get(change).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and name != "password"
    }
    data.update(email="IVY@example.com", organization="")
    refused = admin.post(change, data)
    assert refused.status_code == 200
    assert "User with this Email address already exists." in refused.content.decode()
    assert stored_email(jo) == "jo@example.com"

    data.update(email="Jo.New@Example.com")
    assert admin.post(change, data).status_code == 302
    assert stored_email(jo) == "jo.new@example.com"
