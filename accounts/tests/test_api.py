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


def test_a_key_is_created_from_a_session_and_shown_once(agent, verify):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    verify(client, agent)
    client.get("/agent/")  # the CSRF cookie, as a page sets it
    created = client.post(
        "/api/v1/api-keys",
        {"name": "CI script", "scopes": ["read"]},
        content_type="application/json",
        headers={"x-csrftoken": client.cookies["csrftoken"].value},
    )
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    raw = created.json()["key"]
    assert raw.startswith("hdk_" + created.json()["prefix"])
    assert created.json()["scopes"] == ["read"]

    api = Client(headers={"authorization": f"Bearer {raw}"})
    listed = api.get("/api/v1/api-keys")
    assert [item["name"] for item in listed.json()] == ["CI script"]
    assert raw not in listed.content.decode()
    assert all(
        "key" not in item and "secret_hash" not in item for item in listed.json()
    )
    assert api.get("/api/v1/me").json()["email"] == agent.email


def test_a_key_cannot_make_keys(api_as, agent):
    api = api_as(agent)
    response = api.post("/api-keys", {"name": "child", "scopes": ["read", "write"]})
    assert response.status_code == 403
    assert response.json()["code"] == "session_required"
    assert ApiKey.objects.filter(user=agent).count() == 1


def test_keys_are_private_to_their_owner(api_as, agent):
    other = api_as(UserFactory(agent=True))
    mine = api_as(agent)
    assert other.delete(f"/api-keys/{mine.key.pk}").status_code == 404
    assert str(mine.key.pk) not in {
        item["id"] for item in other.get("/api-keys").json()
    }
    assert str(other.key.pk) in {item["id"] for item in other.get("/api-keys").json()}
    mine.key.refresh_from_db()
    assert mine.key.revoked_at is None


def _session_post(client, user, verify, path, payload):
    client.force_login(user)
    if user.is_agent:
        verify(client, user)
    return client.post(f"/api/v1{path}", payload, content_type="application/json")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "scopes": []}, "scopes"),
        (
            {"name": "x", "scopes": ["read"], "expires_at": "2030-01-01T00:00:00"},
            "expires_at",
        ),
        ({"name": "x", "scopes": ["admin"]}, "scopes.0"),
        ({"name": "", "scopes": ["read"]}, "name"),
    ],
)
def test_a_bad_key_request_names_the_field(agent, verify, payload, field):
    response = _session_post(Client(), agent, verify, "/api-keys", payload)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not ApiKey.objects.exists()


def test_a_key_that_would_be_born_expired_is_refused(agent, verify):
    response = _session_post(
        Client(),
        agent,
        verify,
        "/api-keys",
        {"name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "expired"
    assert not ApiKey.objects.exists()


def test_customers_get_no_keys_unless_allowed(customer, settings, verify):
    settings.API_KEYS_FOR_CUSTOMERS = False
    client = Client()
    assert (
        _session_post(
            client, customer, verify, "/api-keys", {"name": "x", "scopes": ["read"]}
        ).status_code
        == 403
    )
    assert client.get("/api/v1/api-keys").status_code == 403
    assert not ApiKey.objects.exists()

    settings.API_KEYS_FOR_CUSTOMERS = True
    verify(client, customer)  # creating a key needs a second factor
    allowed = client.post(
        "/api/v1/api-keys",
        {"name": "x", "scopes": ["read"]},
        content_type="application/json",
    )
    assert allowed.status_code == 201
    assert ApiKey.objects.filter(user=customer).count() == 1
