"""The API's people endpoints: the caller, users, and API keys."""

import pytest
from django.test import Client

from accounts.models import ApiKey, User
from organizations.tests.factories import OrganizationFactory

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_me_describes_the_caller(api_as):
    organization = OrganizationFactory()
    customer = UserFactory(organization=organization, full_name="Ana Lima")
    data = api_as(customer).get("/me").json()
    assert data["email"] == customer.email
    assert data["full_name"] == "Ana Lima"
    assert data["role"] == "customer"
    assert data["organization_id"] == str(organization.pk)
    assert "password" not in data


def test_agents_list_the_agents_and_admins_list_everyone(api_as, agent, admin_user):
    customer = UserFactory(email="cust@example.com")
    UserFactory(agent=True, inactive=True)

    agent_sees = {u["email"] for u in api_as(agent).get("/users").json()["results"]}
    assert agent_sees == {agent.email, admin_user.email}

    everyone = api_as(admin_user).get("/users", {"per_page": 100}).json()
    assert customer.email in {u["email"] for u in everyone["results"]}
    assert everyone["count"] == 4
    only_customers = api_as(admin_user).get("/users", {"role": "customer"}).json()
    assert [u["email"] for u in only_customers["results"]] == ["cust@example.com"]
    found = api_as(admin_user).get("/users", {"q": "CUST@"}).json()
    assert found["count"] == 1


def test_customers_cannot_list_users(api_as, customer):
    response = api_as(customer).get("/users")
    assert response.status_code == 403
    assert response.json()["code"] == "agents_only"


def test_an_admin_creates_and_changes_accounts(api_as, admin_user):
    organization = OrganizationFactory()
    api = api_as(admin_user)
    created = api.post(
        "/users",
        {
            "email": "New.Agent@Helpdesk.example",
            "full_name": "New Agent",
            "role": "agent",
        },
    )
    assert created.status_code == 201, created.content
    user = User.objects.get(email="new.agent@helpdesk.example")
    assert user.role == User.Role.AGENT
    assert not user.has_usable_password(), "they set one through the reset link"

    duplicate = api.post("/users", {"email": "new.agent@helpdesk.example"})
    assert duplicate.status_code == 400
    assert User.objects.filter(email="new.agent@helpdesk.example").count() == 1
    not_email = api.post("/users", {"email": "nobody"})
    assert not_email.status_code == 400
    staff_in_org = api.post(
        "/users",
        {
            "email": "x@y.example",
            "role": "agent",
            "organization_id": str(organization.pk),
        },
    )
    assert staff_in_org.status_code == 400
    assert not User.objects.filter(email="x@y.example").exists()

    changed = api.patch(f"/users/{user.pk}", {"role": "admin", "full_name": "Boss"})
    assert changed.json()["role"] == "admin"
    user.refresh_from_db()
    assert (user.role, user.full_name) == ("admin", "Boss")


def test_an_admin_cannot_lock_themselves_out(api_as, admin_user):
    api = api_as(admin_user)
    for change in ({"role": "agent"}, {"is_active": False}):
        response = api.patch(f"/users/{admin_user.pk}", change)
        assert response.status_code == 400
        assert response.json()["code"] == "self_lockout"
    admin_user.refresh_from_db()
    assert admin_user.is_admin and admin_user.is_active


def test_agents_cannot_manage_accounts(api_as, agent, customer):
    api = api_as(agent)
    assert api.post("/users", {"email": "a@b.example"}).status_code == 403
    assert api.patch(f"/users/{customer.pk}", {"role": "admin"}).status_code == 403
    customer.refresh_from_db()
    assert customer.role == User.Role.CUSTOMER
    assert not User.objects.filter(email="a@b.example").exists()


def test_an_api_key_is_shown_once_and_then_only_by_prefix(api_as, agent):
    api = api_as(agent)
    created = api.post("/api-keys", {"name": "CI script", "scopes": ["read"]})
    assert created.status_code == 201, created.content
    raw = created.json()["key"]
    assert raw.startswith("hdk_" + created.json()["prefix"])
    assert created.json()["scopes"] == ["read"]

    listed = api.get("/api-keys").json()
    assert {item["name"] for item in listed} == {"tests", "CI script"}
    assert raw not in api.get("/api-keys").content.decode()
    assert all("key" not in item and "secret_hash" not in item for item in listed)

    fresh = Client(headers={"authorization": f"Bearer {raw}"})
    assert fresh.get("/api/v1/me").json()["email"] == agent.email
    assert (
        fresh.post("/api/v1/api-keys", {}, content_type="application/json").status_code
        == 403
    )


def test_keys_are_private_to_their_owner(api_as, agent):
    other = api_as(UserFactory(agent=True))
    mine = api_as(agent)
    assert other.delete(f"/api-keys/{mine.key.pk}").status_code == 404
    assert mine.key.pk not in {item["id"] for item in other.get("/api-keys").json()}
    mine.key.refresh_from_db()
    assert mine.key.revoked_at is None


def test_a_key_needs_a_scope_and_a_future_expiry(api_as, agent):
    api = api_as(agent)
    no_scope = api.post("/api-keys", {"name": "x", "scopes": []})
    assert no_scope.status_code == 400
    past = api.post(
        "/api-keys",
        {"name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"},
    )
    assert past.status_code == 400
    assert past.json()["code"] == "expired"
    assert ApiKey.objects.filter(user=agent).count() == 1


def test_customers_get_no_keys_unless_allowed(customer, settings):
    settings.API_KEYS_FOR_CUSTOMERS = False
    client = Client()
    client.force_login(customer)
    assert client.get("/api/v1/api-keys").status_code == 403
    assert not ApiKey.objects.exists()
