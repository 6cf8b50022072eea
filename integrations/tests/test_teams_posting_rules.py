"""Automation rules that post Teams cards: the admin form and the API."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from integrations.models import TeamsConnector
from notifications.models import AutomationRule, Event

pytestmark = pytest.mark.django_db

Action = AutomationRule.Action
ADD = reverse("admin:notifications_automationrule_add")


@pytest.fixture
def admin_client(login):
    return login(UserFactory(admin=True))


@pytest.fixture
def channel(db):
    connector = TeamsConnector(name="Ops room")
    connector.webhook_url = "https://example.com/hook"
    connector.save()
    return connector


def admin_form(**fields) -> dict:
    return {
        "name": "Urgent to Teams",
        "active": "on",
        "order": "100",
        "event": Event.TICKET_CREATED,
        "priority": "urgent",
        "status": "",
        "action": Action.TEAMS,
        "template_key": "",
        "recipient": "",
        "fixed_address": "",
        "delay_minutes": "0",
        "teams_connector": "",
        **fields,
    }


# --- The admin ------------------------------------------------------------------


def test_the_admin_saves_a_teams_rule_without_template_or_recipients(
    admin_client, channel
):
    response = admin_client.post(
        ADD,
        admin_form(
            teams_connector=str(channel.pk),
            template_key="ticket_solved",
            recipient="requester",
        ),
    )

    assert response.status_code == 302
    rule = AutomationRule.objects.get(name="Urgent to Teams")
    assert (rule.action, rule.teams_connector, rule.template_key, rule.recipient) == (
        Action.TEAMS,
        channel,
        "",
        "",
    )
    listing = admin_client.get(
        reverse("admin:notifications_automationrule_changelist")
    ).content.decode()
    assert "Card to Ops room" in listing


def test_an_email_rule_without_template_names_the_fields(admin_client, channel):
    response = admin_client.post(
        ADD, admin_form(action=Action.EMAIL, teams_connector=str(channel.pk))
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["template_key"] == ["An email rule needs a template."]
    assert errors["recipient"] == ["An email rule needs recipients."]


def test_the_form_shows_one_action_s_fields_at_a_time(admin_client):
    page = admin_client.get(ADD).content.decode()

    assert "notifications/rule_action.js" in page
    assert "rule-action-email" in page and "rule-action-teams" in page
    assert '<select name="action"' in page


def test_a_seeded_teams_rule_can_be_switched_on_from_the_list(admin_client):
    rule = AutomationRule.objects.filter(action=Action.TEAMS).first()
    rule.active = False
    rule.save()
    rules = list(AutomationRule.objects.order_by("order", "pk"))
    data = {
        "form-TOTAL_FORMS": str(len(rules)),
        "form-INITIAL_FORMS": str(len(rules)),
        "_save": "Save",
    }
    for index, row in enumerate(rules):
        data[f"form-{index}-id"] = str(row.pk)
        data[f"form-{index}-order"] = str(row.order)
        if row.active or row.pk == rule.pk:
            data[f"form-{index}-active"] = "on"

    response = admin_client.post(
        reverse("admin:notifications_automationrule_changelist"), data
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.active


# --- The API ----------------------------------------------------------------------


def test_the_api_keeps_teams_rules(api_as, admin_user, channel):
    api = api_as(admin_user)

    created = api.post(
        "/automation-rules",
        {
            "name": "Bad ratings to Teams",
            "event": "satisfaction_bad",
            "action": "teams",
            "teams_connector_id": str(channel.pk),
        },
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["action"], body["teams_connector_id"]) == ("teams", str(channel.pk))
    assert (body["template_key"], body["recipient"]) == ("", "")
    rule_id = body["id"]

    routed = api.patch(f"/automation-rules/{rule_id}", {"teams_connector_id": None})
    assert routed.status_code == 200
    assert routed.json()["teams_connector_id"] is None

    half = api.patch(f"/automation-rules/{rule_id}", {"action": "email"})
    assert half.status_code == 400
    assert set(half.json()["errors"]) == {"template_key", "recipient"}

    email = api.patch(
        f"/automation-rules/{rule_id}",
        {"action": "email", "template_key": "agent_reply", "recipient": "assignee"},
    )
    assert email.status_code == 200, email.content
    assert email.json()["action"] == "email"


def test_a_body_without_action_is_an_email_rule(api_as, admin_user):
    api = api_as(admin_user)

    created = api.post(
        "/automation-rules",
        {
            "name": "Old client",
            "event": "ticket_created",
            "template_key": "ticket_created_staff",
            "recipient": "owners",
        },
    )

    assert created.status_code == 201, created.content
    assert created.json()["action"] == "email"
    assert created.json()["teams_connector_id"] is None
    assert "action" in api.get("/automation-rules").json()[0]


def test_the_api_refuses_an_unknown_connector_and_a_bare_email_rule(api_as, admin_user):
    api = api_as(admin_user)
    count = AutomationRule.objects.count()

    unknown = api.post(
        "/automation-rules",
        {
            "name": "x",
            "event": "sla_breach",
            "action": "teams",
            "teams_connector_id": "999999",
        },
    )
    bare = api.post("/automation-rules", {"name": "x", "event": "sla_breach"})

    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"teams_connector_id": ["Unknown."]}
    assert bare.status_code == 400
    assert set(bare.json()["errors"]) == {"template_key", "recipient"}
    assert AutomationRule.objects.count() == count


def test_agents_cannot_keep_rules(api_as, agent):
    response = api_as(agent).post(
        "/automation-rules", {"name": "x", "event": "sla_breach", "action": "teams"}
    )

    assert response.status_code == 403


def test_customers_cannot_open_the_rule_admin(login):
    response = login(UserFactory()).get(ADD)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
