"""CORS: off by default; listed origins may call /api/ and nothing else."""

import pytest

pytestmark = pytest.mark.django_db

ALLOWED = "https://app.example.com"
API = "/api/v1/tickets"


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]
    return settings


def test_off_by_default_no_origin_is_allowed(client):
    response = client.get(API, HTTP_ORIGIN=ALLOWED)

    assert "Access-Control-Allow-Origin" not in response


def test_an_allowed_origin_may_read_the_api_with_a_key(client, cors, agent):
    from accounts.services import api_key_create

    _, raw = api_key_create(user=agent, name="app", scopes=("read",))

    response = client.get(API, HTTP_ORIGIN=ALLOWED, HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "Access-Control-Allow-Credentials" not in response
    exposed = response["Access-Control-Expose-Headers"].lower()
    assert "retry-after" in exposed
    assert "x-request-id" in exposed


def test_a_refused_origin_gets_no_cors_headers(client, cors):
    response = client.get(API, HTTP_ORIGIN="https://evil.example.net")

    assert "Access-Control-Allow-Origin" not in response


def test_a_preflight_from_an_allowed_origin(client, cors):
    response = client.options(
        API,
        HTTP_ORIGIN=ALLOWED,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, x-api-key",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed_headers = response["Access-Control-Allow-Headers"].lower()
    for header in ("authorization", "content-type", "x-api-key"):
        assert header in allowed_headers


def test_a_preflight_from_a_refused_origin_allows_nothing(client, cors):
    response = client.options(
        API,
        HTTP_ORIGIN="https://evil.example.net",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE",
    )

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Methods" not in response


def test_pages_outside_the_api_never_allow_other_origins(client, cors):
    response = client.get("/accounts/login/", HTTP_ORIGIN=ALLOWED)

    assert "Access-Control-Allow-Origin" not in response


def test_credentials_only_when_the_setting_says_so(client, cors):
    assert "Access-Control-Allow-Credentials" not in client.get(
        API, HTTP_ORIGIN=ALLOWED
    )

    cors.CORS_ALLOW_CREDENTIALS = True
    response = client.get(API, HTTP_ORIGIN=ALLOWED)

    assert response["Access-Control-Allow-Credentials"] == "true"
    assert response["Access-Control-Allow-Origin"] == ALLOWED
