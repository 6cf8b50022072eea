"""Admin operations and API-key creation need a session that passed the
second factor, whatever MFA_REQUIRED_ROLES says: one shared check
(``second_factor_passed``), tested here on each path."""

import pytest
from django.urls import reverse

from accounts.models import ApiKey
from organizations.tests.factories import DepartmentFactory, OrganizationFactory
from tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_required_roles(settings):
    """Nobody is made to enrol, so a password-only session gets through."""
    settings.MFA_REQUIRED_ROLES = []
    settings.API_KEYS_FOR_CUSTOMERS = True


def admin_calls(department):
    organization = OrganizationFactory()
    category = CategoryFactory()
    return [
        ("post", "/users", {"email": "new@example.com"}),
        ("patch", "/users/{admin}", {"full_name": "Renamed"}),
        ("post", "/organizations", {"name": "Acme", "slug": "acme"}),
        ("patch", f"/organizations/{organization.pk}", {"name": "Acme 2"}),
        ("post", "/departments", {"name": "Sales", "slug": "sales"}),
        ("patch", f"/departments/{department.pk}", {"name": "Support 2"}),
        ("post", "/teams", {"department_id": str(department.pk), "name": "Team"}),
        ("post", "/categories", {"name": "Billing", "slug": "billing"}),
        ("patch", f"/categories/{category.pk}", {"name": "Billing 2"}),
    ]


def call(client, method, path, payload, admin):
    return getattr(client, method)(
        "/api/v1" + path.replace("{admin}", str(admin.pk)),
        payload,
        content_type="application/json",
    )


def test_admin_operations_refuse_a_password_only_session(
    client, admin_user, no_required_roles
):
    client.force_login(admin_user)
    assert client.get("/api/v1/me").status_code == 200  # reading still works
    for method, path, payload in admin_calls(DepartmentFactory()):
        response = call(client, method, path, payload, admin_user)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["code"] == "second_factor_required"


def test_admin_operations_work_from_a_verified_session(
    client, admin_user, verify, no_required_roles
):
    client.force_login(admin_user)
    verify(client, admin_user)
    for method, path, payload in admin_calls(DepartmentFactory()):
        response = call(client, method, path, payload, admin_user)
        assert response.status_code in (200, 201), (path, response.content)


def test_admin_operations_work_with_a_key(api_as, admin_user, no_required_roles):
    api = api_as(admin_user)
    response = api.post("/organizations", {"name": "Acme", "slug": "acme"})
    assert response.status_code == 201


def test_keys_made_before_the_rule_cannot_do_admin_operations(
    api_as, admin_user, no_required_roles
):
    """Keys made before keys needed a verified session (the migration leaves
    them ``second_factor`` False) may have come from a password alone."""
    api = api_as(admin_user)
    ApiKey.objects.filter(pk=api.key.pk).update(second_factor=False)
    response = api.post("/organizations", {"name": "Acme", "slug": "acme"})
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    assert api.get("/me").status_code == 200  # everything else still works


def test_api_key_creation_refuses_a_password_only_session(
    client, admin_user, customer, no_required_roles
):
    for user in (admin_user, customer):
        client.force_login(user)
        response = client.post(
            "/api/v1/api-keys",
            {"name": "script", "scopes": ["read"]},
            content_type="application/json",
        )
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "second_factor_required"
    assert not ApiKey.objects.exists()


def test_api_key_page_refuses_a_password_only_session(
    client, admin_user, no_required_roles
):
    client.force_login(admin_user)
    page = client.get(reverse("accounts:api_keys"))
    assert page.status_code == 200
    assert "two-factor authentication" in page.content.decode()
    response = client.post(
        reverse("accounts:api_keys"), {"name": "script", "scopes": ["read"]}
    )
    assert response.status_code == 403
    assert not ApiKey.objects.exists()


def test_api_key_page_creates_from_a_verified_session(
    client, customer, verify, no_required_roles
):
    client.force_login(customer)
    verify(client, customer)
    response = client.post(
        reverse("accounts:api_keys"), {"name": "script", "scopes": ["read"]}
    )
    assert response.status_code == 201
    assert ApiKey.objects.filter(user=customer).count() == 1
