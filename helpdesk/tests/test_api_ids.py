"""Ids a caller makes up: out of any column's range, negative, not numbers.
Each answers 400 or 404 in the one error shape, never 500, on every database
(PostgreSQL refuses an out-of-range integer with an error, SQLite's driver
with an OverflowError)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ODD_IDS = [
    "abc",
    "1e9999",
    "1" * 30,
    "%00",
    "99999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "-1",
    "0",
    "1e400",
    "%20",
    "١٢",
    "+1",
    "01",
]


@pytest.fixture
def api(api_as, admin_user):
    client = api_as(admin_user)
    client.client = Client(
        raise_request_exception=False,
        headers={"authorization": f"Bearer {client.raw}"},
    )
    return client


def refused(response) -> None:
    assert response.status_code in (400, 404), (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail", "code", "errors"}


@pytest.mark.parametrize("odd", ODD_IDS)
def test_odd_ids_in_paths(api, odd):
    refused(api.get(f"/tickets/{odd}"))
    refused(api.patch(f"/tickets/{odd}", {"priority": "high"}))
    refused(api.get(f"/tickets/{odd}/messages"))
    refused(api.get(f"/tickets/1/attachments/{odd}"))
    refused(api.patch(f"/users/{odd}", {"full_name": "x"}))
    refused(api.patch(f"/organizations/{odd}", {"name": "x"}))
    refused(api.patch(f"/departments/{odd}", {"name": "x"}))
    refused(api.patch(f"/teams/{odd}", {"name": "x"}))
    refused(api.patch(f"/categories/{odd}", {"name": "x"}))
    refused(api.put(f"/canned-responses/{odd}", {"title": "t", "body": "b"}))
    refused(api.delete(f"/canned-responses/{odd}"))
    refused(api.delete(f"/api-keys/{odd}"))
    refused(api.get(f"/emails/{odd}"))
    refused(api.post(f"/emails/{odd}/retry"))
    refused(api.get(f"/automation-rules/{odd}"))
    refused(api.patch(f"/automation-rules/{odd}", {"name": "x"}))
    refused(api.delete(f"/automation-rules/{odd}"))
    refused(api.get(f"/email-templates/{odd}"))
    refused(api.patch(f"/email-templates/{odd}", {"subject": "x"}))
    refused(api.get(f"/email-templates/{odd}/preview"))
    refused(api.get(f"/inbound-emails/{odd}"))
    refused(api.get(f"/inbound-emails/{odd}/raw"))
    refused(api.post(f"/inbound-emails/{odd}/retry"))


@pytest.mark.parametrize("odd", ODD_IDS)
@pytest.mark.parametrize(
    "field", ["category", "department", "team", "organization", "assignee"]
)
def test_odd_ids_in_ticket_filters(api, odd, field):
    response = api.get("/tickets", {field: odd})
    assert response.status_code in (200, 400), (response.status_code, response.content)
    if response.status_code == 200:
        assert response.json()["count"] == 0


@pytest.mark.parametrize("odd", ODD_IDS)
def test_odd_ids_in_bodies(api, odd, department):
    refused(api.post("/users", {"email": "new@example.com", "organization_id": odd}))
    refused(api.post("/tickets", {"subject": "s", "body": "b", "category_id": odd}))
    refused(api.post("/teams", {"department_id": odd, "name": "t"}))
    refused(api.post("/departments", {"name": "d", "slug": "d-1", "agent_ids": [odd]}))
    refused(
        api.post(
            "/categories",
            {"name": "c", "slug": "c-1", "default_department_id": odd},
        )
    )


@pytest.mark.parametrize("number", ["99999999999999999999", "9223372036854775808"])
def test_huge_ticket_numbers_are_404(api, number):
    response = api.get(f"/tickets/{number}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
