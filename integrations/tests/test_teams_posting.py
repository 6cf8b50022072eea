"""Cards posted to Teams channels by the automation rules, to a real HTTP
receiver on 127.0.0.1: routing, retries, give-up, switching a connector off."""

import json
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import free_port
from helpdesk.errors import PermissionDeniedError
from integrations.models import TeamsConnector, TeamsPost
from integrations.outbound import HttpOutcome
from integrations.outbound import retry_after_seconds as outbound_retry_after
from integrations.teams.cards import ADAPTIVE_CARD_CONTENT_TYPE
from integrations.teams.posting import (
    SendLater,
    retry_delay,
    teams_dispatch,
    teams_post_send,
)
from integrations.teams.tasks import post_due_teams_cards
from integrations.teams.testcard import teams_test_post_queue
from integrations.tests.receivers import Reply
from notifications.models import AutomationRule, Event
from organizations.tests.factories import TeamFactory
from tickets import services
from tickets.models import SLAPolicy, SLATarget, Ticket, TicketEvent
from tickets.services import sla
from tickets.services.satisfaction import satisfaction_rate
from tickets.services.sla_sweep import sla_sweep
from tickets.tests.factories import TicketFactory
from tickets.tests.office import berlin, office_calendar

pytestmark = pytest.mark.django_db

Status = TeamsPost.Status


def connector(url: str, **fields) -> TeamsConnector:
    made = TeamsConnector(name=fields.pop("name", "Channel"), **fields)
    made.webhook_url = url
    made.save()
    return made


def cards(receiver) -> list[dict]:
    """The card of each request the receiver got, in order."""
    return [
        json.loads(request.body)["attachments"][0]["content"]
        for request in receiver.requests
    ]


def facts(card: dict) -> dict[str, str]:
    factset = next(item for item in card["body"] if item["type"] == "FactSet")
    return {fact["title"]: fact["value"] for fact in factset["facts"]}


def urgent_ticket(capture, **fields) -> Ticket:
    """A new urgent ticket, opened through the service; its events are
    committed and handed on as after a real request."""
    with capture(execute=True):
        return services.ticket_create(
            requester=fields.pop("requester", None) or UserFactory(),
            subject=fields.pop("subject", "Printer on fire"),
            body="Smoke everywhere",
            priority=Ticket.Priority.URGENT,
            **fields,
        )


def run_due_now() -> int:
    """Make every waiting post overdue and run the every-minute sweep (the
    tests do not wait out backoff delays)."""
    TeamsPost.objects.filter(status__in=[Status.QUEUED, Status.RETRYING]).update(
        next_attempt_at=timezone.now() - timedelta(minutes=1)
    )
    return post_due_teams_cards()


# --- Routing and the card --------------------------------------------------------


def test_a_new_urgent_ticket_posts_a_card_to_the_teams_connector(
    http_receiver, department, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://help.example.com"
    team = TeamFactory(department=department, name="Printers")
    connector(f"{http_receiver.url}/default", is_default=True, name="Default")
    connector(f"{http_receiver.url}/department", department=department)
    team_channel = connector(f"{http_receiver.url}/team", team=team)

    ticket = urgent_ticket(
        django_capture_on_commit_callbacks, department=department, team=team
    )

    assert [request.path for request in http_receiver.requests] == ["/team"]
    request = http_receiver.requests[0]
    assert request.headers["content-type"] == "application/json"
    message = json.loads(request.body)
    assert message["type"] == "message"
    attachment = message["attachments"][0]
    assert attachment["contentType"] == ADAPTIVE_CARD_CONTENT_TYPE
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][0]["text"] == "New urgent ticket"
    assert card["body"][1]["text"] == f"#{ticket.number} Printer on fire"
    assert facts(card)["Priority"] == "Urgent"
    assert facts(card)["Assignee"] == "Unassigned"
    assert facts(card)["Department/Team"] == f"{department.name} / Printers"
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open ticket",
            "url": f"https://help.example.com/agent/tickets/{ticket.number}/",
        }
    ]
    post = TeamsPost.objects.get()
    assert (post.connector, post.status, post.attempts, post.last_status_code) == (
        team_channel,
        Status.SENT,
        1,
        200,
    )
    team_channel.refresh_from_db()
    assert team_channel.last_status == "HTTP 200"
    assert team_channel.last_posted_at is not None


def test_without_a_team_connector_the_department_then_the_default_gets_it(
    http_receiver, department, django_capture_on_commit_callbacks
):
    connector(f"{http_receiver.url}/default", is_default=True)
    connector(f"{http_receiver.url}/department", department=department)
    other_department = TeamFactory().department

    urgent_ticket(django_capture_on_commit_callbacks, department=department)
    urgent_ticket(django_capture_on_commit_callbacks, department=other_department)

    assert [request.path for request in http_receiver.requests] == [
        "/department",
        "/default",
    ]


def test_normal_tickets_post_nothing_and_a_rule_can_name_its_connector(
    http_receiver, department, django_capture_on_commit_callbacks
):
    connector(f"{http_receiver.url}/default", is_default=True)
    named = connector(f"{http_receiver.url}/named", active=True)
    AutomationRule.objects.create(
        name="Every new ticket to the named channel",
        event=Event.TICKET_CREATED,
        action=AutomationRule.Action.TEAMS,
        teams_connector=named,
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(requester=UserFactory(), subject="Hello", body="Hi")

    assert [request.path for request in http_receiver.requests] == ["/named"]


def test_dispatching_an_event_twice_posts_once(
    http_receiver, department, django_capture_on_commit_callbacks
):
    connector(http_receiver.url, is_default=True)
    ticket = urgent_ticket(django_capture_on_commit_callbacks)
    created = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.CREATED)

    assert teams_dispatch(event_id=str(created.pk)) == []

    assert TeamsPost.objects.count() == 1
    assert len(http_receiver.requests) == 1


def test_no_connector_no_task(
    department, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "integrations.teams.tasks.dispatch_teams_cards.delay", queued.append
    )

    urgent_ticket(django_capture_on_commit_callbacks)

    assert queued == []
    assert not TeamsPost.objects.exists()


def test_no_active_teams_rule_no_task(
    http_receiver, department, monkeypatch, django_capture_on_commit_callbacks
):
    connector(http_receiver.url, is_default=True)
    AutomationRule.objects.filter(action=AutomationRule.Action.TEAMS).update(
        active=False
    )
    queued = []
    monkeypatch.setattr(
        "integrations.teams.tasks.dispatch_teams_cards.delay", queued.append
    )

    urgent_ticket(django_capture_on_commit_callbacks)

    assert queued == []


# --- SLA and ratings -----------------------------------------------------------


@pytest.fixture
def policy(db):
    policy = SLAPolicy.objects.create(
        name="Standard",
        calendar=office_calendar(),
        is_default=True,
        warn_before_minutes=30,
    )
    SLATarget.objects.create(
        policy=policy,
        priority="normal",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=480,
    )
    return policy


def test_sla_warning_and_breach_post_cards(
    http_receiver, policy, agent, django_capture_on_commit_callbacks
):
    connector(http_receiver.url, is_default=True)
    ticket = TicketFactory(
        created_at=berlin(2026, 11, 30, 9, 0),
        department=agent.departments.get(),
        subject="Slow **VPN**",
    )
    ticket.save(update_fields=sla.sla_start(ticket=ticket))

    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=berlin(2026, 11, 30, 9, 40))
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=berlin(2026, 11, 30, 10, 5))

    warning, breach = cards(http_receiver)
    assert warning["body"][0]["text"].startswith(
        "SLA target at risk: first response due Mon 30 Nov 09:00 UTC"
    )
    assert breach["body"][0]["text"].startswith(
        "SLA target breached: first response was due Mon 30 Nov 09:00 UTC"
    )
    assert warning["body"][1]["text"] == f"#{ticket.number} Slow \\*\\*VPN\\*\\*"
    assert facts(breach)["SLA"].startswith("breached: first response was due")


def test_a_bad_rating_posts_a_card_with_the_comment(
    http_receiver, django_capture_on_commit_callbacks
):
    connector(http_receiver.url, is_default=True)
    ticket = TicketFactory(solved=True)

    with django_capture_on_commit_callbacks(execute=True):
        satisfaction_rate(
            ticket=ticket,
            actor=ticket.requester,
            rating="bad",
            comment="Nobody [answered](http://evil)",
        )

    (card,) = cards(http_receiver)
    assert card["body"][0]["text"] == "Rated Bad"
    assert card["body"][-1]["text"] == "Nobody \\[answered\\](http://evil)"


# --- Retries and failures --------------------------------------------------------


@pytest.mark.parametrize("asked", ["0", "1"])
def test_retry_after_never_makes_tries_faster_than_the_backoff(settings, asked):
    """A throttled channel answering ``429 Retry-After: 0`` every time got
    all its tries at once; the backoff is the least wait."""
    settings.TEAMS_RETRY_BASE_SECONDS = 10
    outcome = HttpOutcome(
        status=429, duration_ms=1, retry_after=outbound_retry_after(asked)
    )
    assert [retry_delay(attempts, outcome) for attempts in (1, 2, 3)] == [
        10,
        20,
        40,
    ]
    longer = HttpOutcome(status=429, duration_ms=1, retry_after=120.0)
    assert retry_delay(1, longer) == 120


def test_a_429_with_retry_after_is_tried_again_then_sent(
    http_receiver, department, django_capture_on_commit_callbacks, caplog
):
    connector(http_receiver.url, is_default=True)
    http_receiver.reply(Reply(status=429, headers={"Retry-After": "120"}))
    caplog.set_level(logging.INFO, logger="integrations.teams")

    before = timezone.now()
    urgent_ticket(django_capture_on_commit_callbacks)

    post = TeamsPost.objects.get()
    assert (post.status, post.attempts, post.last_status_code) == (
        Status.RETRYING,
        1,
        429,
    )
    # Retry-After was honoured: two minutes, not the backoff's fraction.
    wait = (post.next_attempt_at - before).total_seconds()
    assert 115 <= wait <= 180
    assert post_due_teams_cards() == 0  # not due yet

    run_due_now()

    post.refresh_from_db()
    assert (post.status, post.attempts, post.last_status_code) == (Status.SENT, 2, 200)
    assert len(http_receiver.requests) == 2
    assert http_receiver.requests[0].body == http_receiver.requests[1].body
    logged = [r.getMessage() for r in caplog.records if r.name == "integrations.teams"]
    assert any("HTTP 429" in line for line in logged)
    assert any("HTTP 200" in line for line in logged)


def test_500_on_every_try_fails_after_the_last_attempt(
    http_receiver, department, settings, django_capture_on_commit_callbacks
):
    settings.TEAMS_POST_MAX_ATTEMPTS = 3
    channel = connector(http_receiver.url, is_default=True)
    http_receiver.default = Reply(status=500, body=b"boom")

    urgent_ticket(django_capture_on_commit_callbacks)
    post = TeamsPost.objects.get()
    backoff = (post.next_attempt_at - timezone.now()).total_seconds()
    assert 0 < backoff <= settings.TEAMS_RETRY_BASE_SECONDS
    run_due_now()
    run_due_now()
    run_due_now()  # nothing left to try

    post.refresh_from_db()
    assert (post.status, post.attempts, post.last_status_code) == (
        Status.FAILED,
        3,
        500,
    )
    assert post.error.startswith("Gave up after 3 tries. HTTP 500: boom")
    assert len(http_receiver.requests) == 3
    channel.refresh_from_db()
    assert (channel.consecutive_failures, channel.active) == (1, True)


def test_a_400_fails_at_once(
    http_receiver, department, django_capture_on_commit_callbacks
):
    connector(http_receiver.url, is_default=True)
    http_receiver.reply(Reply(status=400, body=b"Bad card"))

    urgent_ticket(django_capture_on_commit_callbacks)
    run_due_now()

    post = TeamsPost.objects.get()
    assert (post.status, post.attempts, post.error) == (
        Status.FAILED,
        1,
        "HTTP 400: Bad card",
    )
    assert len(http_receiver.requests) == 1


def test_a_connector_that_keeps_failing_is_switched_off_and_admins_are_told(
    http_receiver, department, settings, django_capture_on_commit_callbacks
):
    settings.TEAMS_CONNECTOR_MAX_FAILURES = 2
    admins = [UserFactory(admin=True), UserFactory(admin=True)]
    channel = connector(http_receiver.url, is_default=True, name="Ops channel")
    http_receiver.default = Reply(status=404, body=b"gone")

    urgent_ticket(django_capture_on_commit_callbacks)
    channel.refresh_from_db()
    assert (channel.active, channel.consecutive_failures) == (True, 1)
    urgent_ticket(django_capture_on_commit_callbacks)

    channel.refresh_from_db()
    assert channel.active is False
    assert "2 cards in a row failed" in channel.disabled_reason
    assert "HTTP 404" in channel.disabled_reason
    told = [
        email for email in mail.outbox if "switched off: Ops channel" in email.subject
    ]
    assert sorted(email.to[0] for email in told) == sorted(a.email for a in admins)
    assert "Teams connector" in told[0].subject

    urgent_ticket(django_capture_on_commit_callbacks)
    run_due_now()
    assert len(http_receiver.requests) == 2
    assert TeamsPost.objects.count() == 2


def test_a_success_starts_the_failure_count_again(
    http_receiver, department, settings, django_capture_on_commit_callbacks
):
    channel = connector(http_receiver.url, is_default=True)
    http_receiver.reply(Reply(status=403))

    urgent_ticket(django_capture_on_commit_callbacks)
    channel.refresh_from_db()
    assert channel.consecutive_failures == 1
    urgent_ticket(django_capture_on_commit_callbacks)

    channel.refresh_from_db()
    assert channel.consecutive_failures == 0


def test_a_web_request_succeeds_while_the_channel_is_down(
    login, customer, django_capture_on_commit_callbacks
):
    down = f"http://127.0.0.1:{free_port()}/nobody-listens"
    connector(down, is_default=True)
    AutomationRule.objects.create(
        name="Every new ticket to Teams",
        event=Event.TICKET_CREATED,
        action=AutomationRule.Action.TEAMS,
    )
    client = login(customer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tickets:portal_new"),
            {"subject": "Cannot log in", "body": "It says no."},
        )

    assert response.status_code == 302
    assert Ticket.objects.filter(subject="Cannot log in").exists()
    post = TeamsPost.objects.get()
    assert post.status == Status.RETRYING
    assert post.last_status_code is None
    assert post.error  # the connection error, for the admin's log


def test_a_post_whose_sender_died_is_taken_over_once_its_lease_ends(
    http_receiver, department, django_capture_on_commit_callbacks
):
    connector(http_receiver.url, is_default=True)
    http_receiver.reply(Reply(status=500))
    urgent_ticket(django_capture_on_commit_callbacks)
    post = TeamsPost.objects.get()
    # A worker took it and died mid-post: its lease is still running.
    TeamsPost.objects.filter(pk=post.pk).update(
        status=Status.SENDING, lease_until=timezone.now() + timedelta(seconds=30)
    )
    with pytest.raises(SendLater):
        teams_post_send(post_id=str(post.pk))
    assert post_due_teams_cards() == 0

    TeamsPost.objects.filter(pk=post.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert post_due_teams_cards() == 1

    post.refresh_from_db()
    assert (post.status, post.attempts) == (Status.SENT, 2)
    assert len(http_receiver.requests) == 2


def test_only_admins_send_test_cards(
    http_receiver, agent, admin_user, django_capture_on_commit_callbacks
):
    channel = connector(http_receiver.url)

    with pytest.raises(PermissionDeniedError):
        teams_test_post_queue(actor=agent, connector=channel)
    assert not TeamsPost.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        post = teams_test_post_queue(actor=admin_user, connector=channel)
    post.refresh_from_db()
    assert post.status == TeamsPost.Status.SENT
    assert len(http_receiver.requests) == 1
