"""Only Teams, recently: the HMAC signature over the raw body and the
activity timestamp. Every refusal is a 401 (404 for an unknown connector,
413 for a huge body, 400 for a body that is not an activity) that writes
nothing: no TeamsCommand row, no ticket, no message."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from integrations.models import TeamsCommand, TeamsLink
from integrations.teams.activity import MAX_BODY_BYTES, command_text
from integrations.teams.signing import (
    REFUSED,
    STALE,
    TeamsAuthError,
    activity_fresh,
    activity_signature,
    activity_verify,
)
from tickets.models import Message, Ticket

from .test_teams_commands import (
    SECRET,
    TENANT,
    connector_make,
    teams_activity,
    teams_post,
    teams_signature,
)

pytestmark = pytest.mark.django_db

OTHER_SECRET = base64.b64encode(b"another-secret-another-secret-32").decode()


@pytest.fixture
def connector(db):
    return connector_make()


@pytest.fixture
def linked_customer(customer):
    TeamsLink.objects.create(
        tenant_id=TENANT, aad_object_id="aad-customer", user=customer
    )
    return customer


def nothing_written() -> bool:
    return (
        not TeamsCommand.objects.exists()
        and not Ticket.objects.exists()
        and not Message.objects.exists()
    )


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- activity_verify ----------------------------------------------------------


def test_the_signature_teams_makes_is_accepted(connector):
    body = b'{"type":"message","text":"hi"}'
    assert activity_signature(secret=SECRET, body=body) == teams_signature(body)
    activity_verify(connector=connector, body=body, authorization=teams_signature(body))


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "HMAC",
        "HMAC ",
        "Bearer abc",
        "HMAC not*base64!",
        "HMAC " + base64.b64encode(b"short").decode(),
        "Basic " + base64.b64encode(b"user:pass").decode(),
        "HMAC é",
    ],
)
def test_garbled_headers_are_refused(connector, authorization):
    with pytest.raises(TeamsAuthError) as refused:
        activity_verify(connector=connector, body=b"{}", authorization=authorization)
    assert refused.value.message == REFUSED
    assert refused.value.status_code == 401


def test_other_secret_altered_body_inactive_no_secret_all_read_alike(connector):
    body = b'{"a":1}'
    cases = []
    cases.append((connector, body, teams_signature(body, OTHER_SECRET)))
    cases.append((connector, body + b" ", teams_signature(body)))
    inactive = connector_make(active=False)
    cases.append((inactive, body, teams_signature(body)))
    no_secret = connector_make()
    no_secret.outgoing_secret_encrypted = ""
    cases.append((no_secret, body, teams_signature(body)))
    undecryptable = connector_make()
    undecryptable.outgoing_secret_encrypted = "gAAAAA-not-a-fernet-token"
    cases.append((undecryptable, body, teams_signature(body)))
    not_base64 = connector_make()
    not_base64.outgoing_secret = "not base64 at all!"
    cases.append((not_base64, body, teams_signature(body)))
    messages = set()
    for candidate, sent_body, authorization in cases:
        with pytest.raises(TeamsAuthError) as refused:
            activity_verify(
                connector=candidate, body=sent_body, authorization=authorization
            )
        messages.add(refused.value.message)
    assert messages == {REFUSED}


# --- activity_fresh -----------------------------------------------------------


def test_fresh_within_five_minutes_either_way():
    now = timezone.now()
    for offset in (0, -299, 299):
        activity_fresh({"timestamp": iso(now + timedelta(seconds=offset))}, now)
    # Teams writes seven fractional digits; the seventh is below a microsecond.
    seven = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "7Z"
    activity_fresh({"timestamp": seven}, now)


@pytest.mark.parametrize(
    "activity",
    [
        {},
        {"timestamp": None},
        {"timestamp": ""},
        {"timestamp": "yesterday"},
        {"timestamp": 1764475200},
        {"timestamp": "2026-13-45T99:00:00Z"},
        {"timestamp": "x" * 10_000},
    ],
)
def test_missing_or_unreadable_times_are_refused(activity):
    with pytest.raises(TeamsAuthError) as refused:
        activity_fresh(activity, timezone.now())
    assert refused.value.message == STALE


def test_old_future_and_naive_times_are_refused():
    now = timezone.now()
    for activity in (
        {"timestamp": iso(now - timedelta(minutes=6))},
        {"timestamp": iso(now + timedelta(minutes=6))},
        {"timestamp": (now.astimezone(UTC)).replace(tzinfo=None).isoformat()},
    ):
        with pytest.raises(TeamsAuthError):
            activity_fresh(activity, now)


def test_local_timestamp_counts_when_timestamp_is_missing():
    now = timezone.now()
    local = now.astimezone(timezone.get_fixed_timezone(-300)).isoformat()
    activity_fresh({"localTimestamp": local}, now)
    with pytest.raises(TeamsAuthError):
        old = (now - timedelta(minutes=10)).astimezone(timezone.get_fixed_timezone(120))
        activity_fresh({"localTimestamp": old.isoformat()}, now)


# --- The endpoint -------------------------------------------------------------


def test_a_good_request_acts(client, connector, linked_customer):
    response = teams_post(
        client, connector, teams_activity("new Printer broken", aad="aad-customer")
    )
    assert response.status_code == 200
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "HMAC Zm9vYmFy",
        "HMAC garbage!!",
        "hmac",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",
    ],
)
def test_bad_or_missing_signatures_write_nothing(
    client, connector, linked_customer, authorization
):
    activity = teams_activity("new Printer broken", aad="aad-customer")
    response = teams_post(client, connector, activity, authorization=authorization)
    assert response.status_code == 401
    assert response.json() == {"error": REFUSED}
    assert nothing_written()


def test_signed_with_another_secret_writes_nothing(client, connector, linked_customer):
    activity = teams_activity("new Printer broken", aad="aad-customer")
    response = teams_post(client, connector, activity, secret=OTHER_SECRET)
    assert response.status_code == 401
    assert response.json() == {"error": REFUSED}
    assert nothing_written()


def test_body_altered_after_signing_writes_nothing(client, connector, linked_customer):
    body = json.dumps(teams_activity("mine", aad="aad-customer")).encode()
    signature = teams_signature(body)
    altered = body.replace(b"mine", b"new Hacked")
    response = teams_post(client, connector, altered, authorization=signature)
    assert response.status_code == 401
    assert nothing_written()


@pytest.mark.parametrize("timestamp", ["old", "future", None, "garbage"])
def test_stale_future_or_missing_timestamps_write_nothing(
    client, connector, linked_customer, timestamp
):
    now = datetime.now(UTC)
    value = {
        "old": iso(now - timedelta(minutes=6)),
        "future": iso(now + timedelta(minutes=6)),
        None: None,
        "garbage": "not a date",
    }[timestamp]
    activity = teams_activity("new Printer broken", aad="aad-customer", timestamp=value)
    response = teams_post(client, connector, activity)
    assert response.status_code == 401
    assert response.json() == {"error": STALE}
    assert nothing_written()


def test_an_inactive_connector_writes_nothing(client, linked_customer):
    connector = connector_make(active=False)
    response = teams_post(
        client, connector, teams_activity("new Printer broken", aad="aad-customer")
    )
    assert response.status_code == 401
    assert response.json() == {"error": REFUSED}
    assert nothing_written()


@pytest.mark.parametrize(
    "connector_id",
    ["abc", "%00", "99999999999999999999", "-1", "1e9", " 1", "%20", "0x1", "1.0"],
)
def test_unknown_connectors_are_404(client, connector, linked_customer, connector_id):
    response = teams_post(
        client, connector_id, teams_activity("new Printer", aad="aad-customer")
    )
    assert response.status_code == 404
    assert nothing_written()


def test_a_deleted_connector_is_404(client, linked_customer):
    gone = connector_make()
    gone_id = str(gone.pk)
    gone.delete()
    response = teams_post(client, gone_id, teams_activity("help"))
    assert response.status_code == 404
    assert response.json() == {"error": "No such Teams connector."}
    assert nothing_written()


def test_only_post(client, connector):
    url = f"/integrations/teams/{connector.pk}/"
    assert client.get(url).status_code == 405
    assert (
        client.put(url, data=b"{}", content_type="application/json").status_code == 405
    )
    assert nothing_written()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'"a string"',
        b"null",
        b"\xff\xfe\x00",
        b"",
        b"[" * 5000 + b"]" * 5000,
        {"type": "conversationUpdate", "id": "1"},
        {"type": "message"},
        {"type": "message", "id": ""},
        {"type": "message", "id": 5},
    ],
)
def test_bodies_that_are_not_message_activities_are_400(client, connector, body):
    if isinstance(body, dict):  # signed and fresh, but not a message with an id
        body = {**body, "timestamp": iso(datetime.now(UTC))}
    response = teams_post(client, connector, body)
    assert response.status_code == 400
    assert "error" in response.json()
    assert nothing_written()


def test_signed_garbage_is_400_not_401(client, connector):
    response = teams_post(client, connector, b"{not json")
    assert response.status_code == 400


def test_a_huge_body_is_413_before_anything(client, connector, linked_customer):
    activity = teams_activity("new " + "x" * MAX_BODY_BYTES, aad="aad-customer")
    response = teams_post(client, connector, activity)
    assert response.status_code == 413
    assert nothing_written()


def test_fields_of_the_wrong_type_are_read_as_missing(client, connector):
    activity = teams_activity("help")
    activity["from"] = ["not", "an", "object"]
    activity["channelData"] = "nope"
    activity["text"] = {"html": "help"}
    response = teams_post(client, connector, activity)
    assert response.status_code == 200
    assert "What I can do" in response.json()["text"]


def test_command_text_from_teams_html():
    assert command_text("<at>Helpdesk</at>&nbsp;new A&amp;B<br>line") == "new A&B\nline"
    assert command_text("<p><at>Help Desk</at> mine</p>") == "mine"
    assert command_text('<div><at id="0">Bot</at> #12</div>') == "#12"
    # Linear: a long run of tags costs little.
    assert command_text("<a " * 50_000) == ""
