"""The integration pages of the admin, as an admin sees them (issue 16):
Teams connectors, posted cards, links and commands; webhook endpoints, the
delivery log and its confirmations; automation rules with the email or
Teams action. Each page is checked for what an admin reads first (headings,
button labels, a secret URL shown masked) and photographed.

The admin signs in as a real one does (password, then an authenticator
code): the admin site needs a session that passed the second factor.
"""

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from integrations.models import (
    TeamsCommand,
    TeamsConnector,
    TeamsLink,
    TeamsPost,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from integrations.tests.receivers import HttpReceiver
from notifications.models import AutomationRule
from notifications.seed import seed_defaults
from organizations.tests.factories import DepartmentFactory
from tickets.tests.factories import TicketFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.mfa]

SECRET_QUERY = "sig=TopSecretSig123abcd"
TOKEN = base64.b64encode(b"secret-token-from-teams").decode()


@pytest.fixture
def receiver():
    server = HttpReceiver()
    yield server
    server.stop()


def test_teams_connectors_posts_links_and_commands(admin_page, receiver, shot):
    page = admin_page
    support = DepartmentFactory(name="Support")
    secret_url = f"{receiver.url}/workflows/abc/triggers/manual/invoke?{SECRET_QUERY}"
    connector = TeamsConnector(name="IT Support channel", department=support)
    connector.webhook_url = secret_url
    connector.outgoing_secret = TOKEN
    connector.save()
    ticket = TicketFactory(subject="Printer on fire", department=support)
    card = {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [{"type": "TextBlock", "text": "#1 Printer on fire"}],
                },
            }
        ],
    }
    post = TeamsPost.objects.create(
        connector=connector,
        ticket=ticket,
        card=json.dumps(card),
        status=TeamsPost.Status.SENT,
        attempts=1,
        last_status_code=202,
        sent_at=timezone.now(),
    )
    customer = UserFactory(full_name="Ann Lee", email="ann@customer.example")
    TeamsLink.objects.create(
        tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
        aad_object_id="1f2a9c3e-aad-object",
        user=customer,
        display_name="Ann Lee (Contoso)",
    )
    TeamsCommand.objects.create(
        connector=connector,
        activity_id="activity-1",
        aad_object_id="1f2a9c3e-aad-object",
        display_name="Ann Lee (Contoso)",
        user=customer,
        text=f"#{ticket.number}",
        verb="show",
        outcome="shown",
        ticket=ticket,
    )

    page.goto("/admin/integrations/teamsconnector/")
    expect(page.get_by_role("heading", name="Select Teams connector")).to_be_visible()
    expect(page.get_by_text(connector.webhook_url_masked)).to_be_visible()
    assert SECRET_QUERY not in page.content()
    shot(page, "teams-connector-list")

    page.goto("/admin/integrations/teamsconnector/add/")
    expect(page.get_by_label("Workflows webhook URL")).to_be_visible()
    expect(page.get_by_label("Outgoing webhook security token")).to_be_visible()
    expect(page.get_by_text("Save the connector to get its URL.")).to_be_visible()
    shot(page, "teams-connector-add")

    page.goto(f"/admin/integrations/teamsconnector/{connector.pk}/change/")
    expect(page.get_by_text(connector.webhook_url_masked)).to_be_visible()
    assert SECRET_QUERY not in page.content()
    expect(page.get_by_text(f"/integrations/teams/{connector.pk}/")).to_be_visible()
    expect(page.get_by_text("Set (stored encrypted)")).to_be_visible()
    shot(page, "teams-connector-change")

    page.get_by_role("button", name="Send a test card").click()
    # Queued after commit (run at once here: the tests' Celery is eager),
    # never posted during the admin's request.
    expect(page.get_by_text("a test card is queued")).to_be_visible()
    assert len(receiver.wait_for(1)) == 1
    assert SECRET_QUERY in receiver.requests[0].path
    shot(page, "teams-connector-test-card-sent")

    page.get_by_role("row", name="IT Support channel").get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("send_test_card")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("a test card is queued")).to_be_visible()
    assert len(receiver.wait_for(2)) == 2

    page.goto("/admin/integrations/teamspost/")
    expect(page.locator("#result_list")).to_contain_text("IT Support channel")
    shot(page, "teams-post-list")
    page.goto(f"/admin/integrations/teamspost/{post.pk}/change/")
    expect(page.get_by_text('"AdaptiveCard"')).to_be_visible()
    shot(page, "teams-post-detail")

    page.goto("/admin/integrations/teamslink/")
    expect(page.get_by_role("link", name="Ann Lee (Contoso)")).to_be_visible()
    shot(page, "teams-link-list")

    page.goto("/admin/integrations/teamscommand/")
    expect(page.get_by_role("link", name=ticket.reference)).to_be_visible()
    shot(page, "teams-command-list")
    assert page.errors == []


def test_webhook_endpoints_and_the_delivery_log(admin_page, shot):
    page = admin_page
    endpoint = WebhookEndpoint.objects.create(
        url="https://crm.example.com/hooks/helpdesk",
        description="CRM",
        events=["ticket.created", "message.added"],
    )
    payload = {
        "type": "ticket.created",
        "timestamp": "2026-11-30T04:00:00.123456Z",
        "sequence": 1,
        "data": {"ticket": {"id": "17", "number": 1042, "subject": "Printer"}},
    }
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type="ticket.created",
        webhook_id="msg_0123456789abcdef0123456789abcdef",
        sequence=1,
        payload=json.dumps(payload, separators=(",", ":")),
        status=WebhookDelivery.Status.DELIVERED,
        attempts=3,
        last_status_code=200,
        delivered_at=timezone.now(),
    )
    started = timezone.now() - timedelta(minutes=3)
    for number, code, excerpt in (
        (1, 500, "Internal Server Error"),
        (2, 503, "Service Unavailable: try again later"),
        (3, 200, '{"ok": true}'),
    ):
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            attempted_at=started + timedelta(minutes=number),
            status_code=code,
            duration_ms=40 + number,
            response_excerpt=excerpt,
        )

    page.goto("/admin/integrations/webhookendpoint/")
    expect(page.get_by_role("link", name=endpoint.url)).to_be_visible()
    shot(page, "webhook-endpoint-list")

    page.goto("/admin/integrations/webhookendpoint/add/")
    expect(page.get_by_label("URL")).to_be_visible()
    expect(page.get_by_label("Ticket created")).to_be_visible()
    shot(page, "webhook-endpoint-add")

    page.goto(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/")
    expect(page.get_by_text(endpoint.signing_secret)).to_be_visible()
    expect(page.get_by_role("link", name="Send test ping")).to_be_visible()
    expect(page.get_by_role("link", name="Rotate secret")).to_be_visible()
    shot(page, "webhook-endpoint-change")

    page.get_by_role("link", name="Send test ping").click()
    expect(page.get_by_role("button", name="Send the ping")).to_be_visible()
    expect(page.get_by_text("It carries no ticket data")).to_be_visible()
    shot(page, "webhook-ping-confirm")

    page.goto(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/")
    page.get_by_role("link", name="Rotate secret").click()
    expect(page.get_by_text("stops working at once")).to_be_visible()
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, rotate the secret")).to_be_visible()
    shot(page, "webhook-rotate-confirm")

    page.goto("/admin/integrations/webhookdelivery/")
    expect(page.locator("#result_list")).to_contain_text("Ticket created")
    shot(page, "webhook-delivery-list")

    page.goto(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    expect(page.get_by_text('"subject": "Printer"')).to_be_visible()
    expect(page.get_by_text("Service Unavailable: try again later")).to_be_visible()
    shot(page, "webhook-delivery-detail")

    page.get_by_role("link", name="Redeliver").click()
    expect(page.get_by_role("heading", name="Send 1 delivery again?")).to_be_visible()
    expect(page.get_by_text("marked as a redelivery")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, redeliver")).to_be_visible()
    expect(page.get_by_role("link", name="No, take me back")).to_be_visible()
    shot(page, "webhook-redeliver-confirm")
    assert page.errors == []


def test_an_automation_rule_switches_between_email_and_teams(admin_page, shot):
    page = admin_page
    seed_defaults()  # a transactional test may start from an emptied database
    TeamsConnector.objects.create(name="IT Support channel", is_default=True)

    page.goto("/admin/notifications/automationrule/add/")
    email_set = page.locator("fieldset.rule-action-email")
    teams_set = page.locator("fieldset.rule-action-teams")
    expect(email_set).to_be_visible()
    expect(teams_set).to_be_hidden()
    shot(page, "rule-add-email")

    page.get_by_label("Action").select_option("teams")
    expect(email_set).to_be_hidden()
    expect(teams_set).to_be_visible()
    shot(page, "rule-add-teams")

    rule = AutomationRule.objects.filter(action="teams").first()
    page.goto(f"/admin/notifications/automationrule/{rule.pk}/change/")
    expect(teams_set).to_be_visible()
    expect(email_set).to_be_hidden()
    shot(page, "rule-change-teams")

    page.goto("/admin/notifications/automationrule/")
    shot(page, "rule-list")
    assert page.errors == []
