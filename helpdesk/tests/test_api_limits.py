"""Rate limits that hold however a caller spreads its requests: one allowance
per person across all their keys, and a cap on failed authentication per
client address (wrong keys, tokens or passwords)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_allowance_is_shared_by_all_keys_of_a_person(api_as, agent, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 4
    keys = [api_as(agent) for _ in range(4)]
    statuses = [key.get("/me").status_code for key in keys for _ in range(2)]
    assert statuses.count(200) == 4
    assert statuses.count(429) == 4


def test_other_people_keep_their_allowance(api_as, agent, admin_user, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    mine = api_as(agent)
    for _ in range(3):
        mine.get("/me")
    assert api_as(admin_user).get("/me").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        lambda n: {"authorization": f"Bearer hdk_abcdefgh{n:040d}"},
        lambda n: {"x-api-key": f"hdk_zzzzzzzz{n}"},
    ],
)
def test_failed_authentication_is_limited_per_client_address(
    api_as, agent, settings, header
):
    settings.API_AUTH_FAILURES_PER_MINUTE = 5
    good = api_as(agent)
    attacker = "203.0.113.9"
    for guess in range(5):
        response = Client(headers=header(guess)).get("/api/v1/me", REMOTE_ADDR=attacker)
        assert response.status_code == 401
    refused = Client(headers=header(99)).get("/api/v1/me", REMOTE_ADDR=attacker)
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_failures"
    assert 0 < int(refused["Retry-After"]) <= 60
    # From that address even a right key is refused for now, so guessing
    # cannot go on by telling 401 from 200 ...
    right = Client(headers={"authorization": f"Bearer {good.raw}"})
    assert right.get("/api/v1/me", REMOTE_ADDR=attacker).status_code == 429
    # ... while the same key works from anywhere else.
    assert right.get("/api/v1/me", REMOTE_ADDR="198.51.100.7").status_code == 200
