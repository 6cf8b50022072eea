"""The admin pages of Teams connectors and posted cards."""

import json

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from integrations.models import TeamsConnector, TeamsPost
from integrations.tests.receivers import Reply
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

SECRET_PATH = "/workflows/abc/triggers/manual/paths/invoke?sig=TopSecretSig123"
TOKEN = "c2VjcmV0LXRva2VuLWZyb20tdGVhbXM="


def form_data(**fields) -> dict:
    return {
        "name": "Ops",
        "department": "",
        "team": "",
        "active": "on",
        "new_webhook_url": "",
        "new_outgoing_secret": "",
        **fields,
    }


@pytest.fixture
def admin(login):
    return login(UserFactory(admin=True))


ADD = reverse("admin:integrations_teamsconnector_add")
CHANGELIST = reverse("admin:integrations_teamsconnector_changelist")


def test_the_url_and_token_are_stored_encrypted_and_shown_masked(admin, http_receiver):
    url = f"{http_receiver.url}{SECRET_PATH}"

    response = admin.post(
        ADD, form_data(new_webhook_url=url, new_outgoing_secret=TOKEN, is_default="on")
    )

    assert response.status_code == 302
    connector = TeamsConnector.objects.get()
    assert connector.webhook_url == url
    assert connector.outgoing_secret == TOKEN
    assert "TopSecretSig123" not in connector.webhook_url_encrypted
    for page in (
        admin.get(CHANGELIST),
        admin.get(
            reverse("admin:integrations_teamsconnector_change", args=[connector.pk])
        ),
    ):
        html = page.content.decode()
        assert page.status_code == 200
        assert connector.webhook_url_masked in html
        assert "TopSecretSig123" not in html
        assert TOKEN not in html


def test_leaving_the_secrets_empty_keeps_them(admin, http_receiver):
    connector = TeamsConnector(name="Ops")
    connector.webhook_url = f"{http_receiver.url}/keep"
    connector.outgoing_secret = TOKEN
    connector.save()
    change = reverse("admin:integrations_teamsconnector_change", args=[connector.pk])

    response = admin.post(change, form_data(name="Ops room"))

    assert response.status_code == 302
    connector.refresh_from_db()
    assert (connector.name, connector.webhook_url, connector.outgoing_secret) == (
        "Ops room",
        f"{http_receiver.url}/keep",
        TOKEN,
    )


def test_the_change_page_shows_the_callback_url_for_the_outgoing_webhook(
    admin, settings
):
    settings.SITE_URL = "https://help.example.com"
    connector = TeamsConnector(name="Ops")
    connector.outgoing_secret = TOKEN
    connector.save()

    html = admin.get(
        reverse("admin:integrations_teamsconnector_change", args=[connector.pk])
    ).content.decode()

    assert f"https://help.example.com/integrations/teams/{connector.pk}/" in html


def test_a_private_url_is_refused_when_no_network_is_allowed(admin, settings):
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []

    for url in (
        "http://127.0.0.1:8080/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest",
        "https://localhost/hook",
    ):
        response = admin.post(ADD, form_data(new_webhook_url=url))
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "non-public address" in errors["new_webhook_url"][0], url
    assert not TeamsConnector.objects.exists()


def test_plain_http_is_refused_for_public_hosts(admin):
    response = admin.post(ADD, form_data(new_webhook_url="http://example.com/hook"))

    assert "https://" in response.context["adminform"].form.errors["new_webhook_url"][0]


def test_a_token_that_is_not_base64_is_refused(admin):
    response = admin.post(
        ADD,
        form_data(new_webhook_url="https://example.com/h", new_outgoing_secret="no!"),
    )

    assert (
        "base64" in response.context["adminform"].form.errors["new_outgoing_secret"][0]
    )


def test_only_one_active_default_connector(admin):
    first = TeamsConnector(name="First", is_default=True)
    first.webhook_url = "https://example.com/one"
    first.save()

    response = admin.post(
        ADD, form_data(new_webhook_url="https://example.com/two", is_default="on")
    )

    assert (
        "'First' is the active default"
        in (response.context["adminform"].form.errors["is_default"][0])
    )
    first.active = False
    first.save()
    response = admin.post(
        ADD, form_data(new_webhook_url="https://example.com/two", is_default="on")
    )
    assert response.status_code == 302


def test_turning_a_switched_off_connector_on_clears_its_failures(admin):
    connector = TeamsConnector(
        name="Ops",
        active=False,
        consecutive_failures=5,
        disabled_reason="Switched off after 5 cards",
    )
    connector.webhook_url = "https://example.com/one"
    connector.save()
    change = reverse("admin:integrations_teamsconnector_change", args=[connector.pk])

    admin.post(change, form_data())

    connector.refresh_from_db()
    assert (connector.active, connector.consecutive_failures) == (True, 0)
    assert connector.disabled_reason == ""


def test_send_a_test_card_queues_it_and_does_not_post_during_the_request(
    admin, http_receiver, django_capture_on_commit_callbacks
):
    connector = TeamsConnector(name="Ops", active=False)
    connector.webhook_url = f"{http_receiver.url}/hook"
    connector.save()
    http_receiver.reply(Reply(status=400, body=b"nope"), Reply(status=200))

    for expected_status in (TeamsPost.Status.FAILED, TeamsPost.Status.SENT):
        with django_capture_on_commit_callbacks() as callbacks:
            response = admin.post(
                CHANGELIST,
                {"action": "send_test_card", "_selected_action": [connector.pk]},
                follow=True,
            )
        page = response.content.decode()
        assert "Ops: a test card is queued" in page
        assert reverse("admin:integrations_teamspost_changelist") in page
        # Nothing was posted while the admin waited.
        sent_before = len(http_receiver.requests)
        post = TeamsPost.objects.get(status=TeamsPost.Status.QUEUED)
        assert post.ticket_id is None

        for callback in callbacks:
            callback()  # the worker, after the request

        assert len(http_receiver.requests) == sent_before + 1
        post.refresh_from_db()
        assert post.status == expected_status

    card = json.loads(http_receiver.requests[0].body)["attachments"][0]["content"]
    assert card["body"][0]["text"] == "Test card from the helpdesk"
    connector.refresh_from_db()
    assert connector.last_status == "HTTP 200"
    # A failed test card does not count towards switching the connector off.
    assert connector.consecutive_failures == 0
    log = admin.get(reverse("admin:integrations_teamspost_changelist"))
    assert "HTTP 400: nope" in log.content.decode()


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_customers_and_agents_cannot_open_the_connector_admin(login, role):
    connector = TeamsConnector.objects.create(name="Ops")
    client = login(UserFactory(agent=True) if role == "agent" else UserFactory())

    for url in (
        CHANGELIST,
        reverse("admin:integrations_teamsconnector_change", args=[connector.pk]),
        reverse("admin:integrations_teamspost_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        followed = client.get(url, follow=True).content.decode()
        assert "The administration is for admins only." in followed
        assert "Ops" not in followed


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_post_log_shows_the_card_pretty_printed(admin):
    connector = TeamsConnector.objects.create(name="Ops")
    post = TeamsPost.objects.create(
        connector=connector,
        ticket=TicketFactory(),
        card=json.dumps({"type": "message", "attachments": []}),
        status=TeamsPost.Status.FAILED,
        attempts=6,
        last_status_code=503,
        error="Gave up after 6 tries. HTTP 503",
    )

    listing = admin.get(
        reverse("admin:integrations_teamspost_changelist"), {"status__exact": "failed"}
    ).content.decode()
    detail = admin.get(
        reverse("admin:integrations_teamspost_change", args=[post.pk])
    ).content.decode()

    assert "Gave up after 6 tries" in listing and "503" in listing
    assert "&quot;type&quot;: &quot;message&quot;" in detail
    assert "\n  &quot;attachments&quot;: []" in detail
