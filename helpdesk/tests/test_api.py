"""The API's ways in and its one error shape: keys, scopes, sessions, limits."""

import json

import pytest
from django.test import Client

from accounts.models import ApiKey
from accounts.tests.factories import UserFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"detail", "code", "errors"}


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    assert body["detail"]
    return body


def test_no_credentials_is_401_in_the_error_shape():
    response = Client().get("/api/v1/tickets")
    error_of(response, 401, "not_authenticated")


@pytest.mark.parametrize(
    "header",
    [
        {"authorization": "Bearer hdk_nothing"},
        {"authorization": "Bearer hdk_abcdefghwrongsecret"},
        {"x-api-key": "not-a-key"},
    ],
)
def test_a_wrong_key_is_401(header):
    error_of(Client(headers=header).get("/api/v1/me"), 401, "not_authenticated")


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_both_key_headers_identify_the_caller(api_as, agent, header):
    response = api_as(agent, header=header).get("/me")
    assert response.status_code == 200
    assert response.json()["email"] == agent.email
    assert response.json()["role"] == "agent"


def test_a_revoked_or_expired_key_stops_working(api_as, agent):
    api = api_as(agent)
    assert api.get("/me").status_code == 200
    assert api.delete(f"/api-keys/{api.key.pk}").status_code == 204
    error_of(api.get("/me"), 401, "not_authenticated")

    other = api_as(agent)
    from django.utils import timezone

    ApiKey.objects.filter(pk=other.key.pk).update(expires_at=timezone.now())
    error_of(other.get("/me"), 401, "not_authenticated")


def test_a_deactivated_users_key_stops_working(api_as, agent):
    api = api_as(agent)
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    error_of(api.get("/me"), 401, "not_authenticated")


def test_a_read_key_cannot_write(api_as, customer):
    api = api_as(customer, scopes=["read"])
    assert api.get("/tickets").status_code == 200
    body = error_of(
        api.post("/tickets", {"subject": "Printer", "body": "Broken"}),
        403,
        "scope_missing",
    )
    assert "write" in body["detail"]
    assert not Ticket.objects.exists()


def test_a_write_key_cannot_read(api_as, customer):
    api = api_as(customer, scopes=["write"])
    error_of(api.get("/tickets"), 403, "scope_missing")
    assert (
        api.post("/tickets", {"subject": "Printer", "body": "Broken"}).status_code
        == 201
    )


def test_the_rate_limit_is_per_user_and_says_when_to_retry(api_as, agent, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    first, second = api_as(agent), api_as(agent)
    for _ in range(3):
        assert first.get("/me").status_code == 200
    response = first.get("/me")
    body = error_of(response, 429, "rate_limited")
    assert 0 < int(response["Retry-After"]) <= 60
    assert body["errors"]["retry_after"] == int(response["Retry-After"])
    # Another key of the same person shares the allowance: more keys, no more
    # requests.
    error_of(second.get("/me"), 429, "rate_limited")


def test_a_verified_session_works_with_csrf(agent, verify):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    verify(client, agent)
    assert client.get("/api/v1/me").json()["email"] == agent.email

    refused = client.post(
        "/api/v1/canned-responses",
        {"title": "Hi", "body": "Hello"},
        content_type="application/json",
    )
    error_of(refused, 403, "forbidden")
    assert "CSRF" in refused.json()["detail"]

    client.get("/agent/")  # sets the CSRF cookie, as a page would
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/canned-responses",
        {"title": "Hi", "body": "Hello"},
        content_type="application/json",
        headers={"x-csrftoken": token},
    )
    assert accepted.status_code == 201, accepted.content


def test_a_session_that_owes_its_second_factor_is_not_signed_in(agent, settings):
    client = Client()
    client.force_login(agent)  # password accepted, authenticator not yet asked
    error_of(client.get("/api/v1/me"), 401, "not_authenticated")


def test_a_customer_session_works_without_a_second_factor(customer):
    client = Client()
    client.force_login(customer)
    assert client.get("/api/v1/me").json()["email"] == customer.email


def test_validation_errors_name_each_field(api_as, customer):
    body = error_of(api_as(customer).post("/tickets", {"body": ""}), 400, "invalid")
    assert "subject" in body["errors"]
    assert "body" in body["errors"]


def test_a_body_that_is_not_json_is_400(api_as, customer):
    api = api_as(customer)
    response = api.client.post(
        "/api/v1/tickets", "{not json", content_type="application/json"
    )
    error_of(response, 400, "invalid")
    assert not Ticket.objects.exists()


def test_the_openapi_document_has_no_key_twice():
    """A status given both as a number and as a string (an ``openapi_extra``
    next to ``response=``) came out twice in one object: strict parsers, the
    bundled Swagger UI among them, refuse the whole document."""
    document = Client().get("/api/v1/openapi.json")
    repeated = []

    def keep_repeats(pairs):
        keys = [key for key, _ in pairs]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(document.content, object_pairs_hook=keep_repeats)
    assert repeated == []


def test_unknown_things_are_404_in_the_error_shape(api_as, agent):
    error_of(api_as(agent).get("/tickets/999999"), 404, "not_found")


def test_the_openapi_document_and_docs_are_served_offline():
    document = Client().get("/api/v1/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/{number}",
        "/api/v1/tickets/{number}/status",
        "/api/v1/tickets/{number}/messages",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/organizations",
        "/api/v1/departments",
        "/api/v1/teams",
        "/api/v1/categories",
        "/api/v1/canned-responses",
        "/api/v1/reports/summary",
        "/api/v1/api-keys",
    ]:
        assert path in paths, path
    # Every operation documents the error shape for the errors it can give.
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)

    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html


def test_an_inactive_customer_key_is_refused_when_customers_lose_keys(api_as, settings):
    api = api_as(UserFactory())
    assert api.get("/me").status_code == 200
    settings.API_KEYS_FOR_CUSTOMERS = False
    error_of(api.get("/me"), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/tickets"), ("patch", "/tickets/1"), ("delete", "/api-keys/1")],
)
def test_a_write_without_credentials_is_401_even_with_csrf_checks_on(method, path):
    # Browsers' CSRF rules apply to sessions only: a script with a wrong key,
    # or none, is told to authenticate, not about a CSRF token.
    for headers in ({}, {"authorization": "Bearer hdk_wrongwrongsecret"}):
        client = Client(enforce_csrf_checks=True, headers=headers)
        response = getattr(client, method)(
            f"/api/v1{path}", {}, content_type="application/json"
        )
        error_of(response, 401, "not_authenticated")


def test_a_method_no_endpoint_takes_answers_in_the_error_shape(api_as, agent):
    response = api_as(agent).client.put(
        "/api/v1/me", {}, content_type="application/json"
    )
    body = error_of(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]
    assert body["detail"] == "Method Not Allowed."


def test_an_unknown_api_address_is_a_json_404(api_as, agent):
    error_of(api_as(agent).get("/no-such-thing"), 404, "not_found")
    error_of(Client().post("/api/v2/tickets"), 404, "not_found")


def test_text_with_nul_characters_is_refused_not_stored(api_as, agent):
    api = api_as(agent)
    body = error_of(api.get("/tickets", {"q": "a\x00b"}), 400, "invalid")
    assert body["errors"] == {"q": ["NUL characters are not allowed."]}
    created = api.post("/tickets", {"subject": "x\x00", "body": "y"})
    error_of(created, 400, "invalid")
    assert not Ticket.objects.exists()
    error_of(
        Client(headers={"x-api-key": "hdk_\x00\x00\x00\x00\x00\x00\x00\x00x"}).get(
            "/api/v1/me"
        ),
        401,
        "not_authenticated",
    )


def test_dates_at_the_ends_of_the_calendar_are_harmless(api_as, agent, department):
    from tickets.tests.factories import TicketFactory

    TicketFactory(department=department)
    api = api_as(agent)
    wide = api.get(
        "/tickets", {"created_from": "0001-01-01", "created_to": "9999-12-31"}
    )
    assert wide.status_code == 200
    assert wide.json()["count"] == 1
    late = api.get(
        "/tickets", {"created_from": "8999-12-31", "created_to": "9999-12-31"}
    )
    assert late.status_code == 200
    assert late.json()["count"] == 0
