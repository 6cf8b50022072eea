"""Email templates, automation rules and the email log through the API:
admins only, validated as in the Django admin, previews that send nothing,
and a retry that sends the same email again."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import AutomationRule, EmailLog, EmailTemplate
from organizations.tests.factories import DepartmentFactory
from tickets.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

TEMPLATE = {
    "key": "api_test",
    "language": "en",
    "subject": "About {{ ticket.reference }}",
    "body_text": "Hello {{ recipient.name }}: {{ ticket.subject }}",
    "body_html": "<p>{{ ticket.subject }}</p>",
}
RULE = {
    "name": "Tell billing",
    "event": "ticket_created",
    "template_key": "ticket_created_staff",
    "recipient": "fixed",
    "fixed_address": "billing@example.com",
}


def logged(status=EmailLog.Status.FAILED, **fields) -> EmailLog:
    values = {
        "recipient": "sam@example.com",
        "template_key": "agent_reply",
        "subject": "[#1] Hello",
        "body_text": "Hello Sam",
        "message_id": f"<{timezone.now().timestamp()}-{EmailLog.objects.count()}@t>",
        "status": status,
        "error": "SMTPRecipientsRefused" if status == EmailLog.Status.FAILED else "",
        **fields,
    }
    return EmailLog.objects.create(**values)


def endpoints() -> list[tuple[str, str, dict | None]]:
    """Every route of this router, with a real id and a valid body."""
    template = EmailTemplate.objects.get(key="ticket_created_staff", language="en")
    rule = AutomationRule.objects.order_by("pk").first()
    entry = logged()
    return [
        ("get", "/email-templates", None),
        ("post", "/email-templates", TEMPLATE),
        ("get", f"/email-templates/{template.pk}", None),
        ("patch", f"/email-templates/{template.pk}", {"description": "x"}),
        ("get", f"/email-templates/{template.pk}/preview", None),
        ("get", "/automation-rules", None),
        ("post", "/automation-rules", RULE),
        ("get", f"/automation-rules/{rule.pk}", None),
        ("patch", f"/automation-rules/{rule.pk}", {"active": False}),
        ("delete", f"/automation-rules/{rule.pk}", None),
        ("get", "/emails", None),
        ("get", f"/emails/{entry.pk}", None),
        ("post", f"/emails/{entry.pk}/retry", None),
    ]


def call(api, method, path, payload):
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, payload)


def test_agents_and_customers_are_refused_everything(api_as, agent, customer):
    before = (EmailTemplate.objects.count(), AutomationRule.objects.count())
    for user in (agent, customer):
        api = api_as(user)
        for method, path, payload in endpoints():
            response = call(api, method, path, payload)
            assert response.status_code == 403, (user.role, method, path)
            assert response.json()["code"] == "admins_only"
    assert (EmailTemplate.objects.count(), AutomationRule.objects.count()) == before
    assert not EmailLog.objects.exclude(status=EmailLog.Status.FAILED).exists()


def test_without_a_key_nothing_answers(client):
    for method, path, payload in endpoints():
        response = getattr(client, method)(
            f"/api/v1{path}", payload or {}, content_type="application/json"
        )
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "not_authenticated"


def test_a_read_only_key_reads_but_never_writes(api_as, admin_user):
    api = api_as(admin_user, scopes=["read"])
    for method, path, payload in endpoints():
        response = call(api, method, path, payload)
        if method == "get":
            assert response.status_code == 200, (path, response.content)
        else:
            assert response.status_code == 403, (method, path)
            assert response.json()["code"] == "scope_missing"
    assert not EmailTemplate.objects.filter(key="api_test").exists()
    assert AutomationRule.objects.filter(active=True).count() == len(
        AutomationRule.objects.all()
    )


def test_an_admin_without_a_second_factor_is_refused(api_as, admin_user):
    api = api_as(admin_user)
    api.key.second_factor = False
    api.key.save(update_fields=["second_factor"])
    response = api.get("/email-templates")
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


# --- Templates ---------------------------------------------------------------------


def test_an_admin_creates_reads_and_changes_a_template(api_as, admin_user):
    api = api_as(admin_user)
    keys = [row["key"] for row in api.get("/email-templates").json()]
    assert "ticket_created_staff" in keys and keys == sorted(keys)

    created = api.post("/email-templates", TEMPLATE)
    assert created.status_code == 201, created.content
    template_id = created.json()["id"]
    assert isinstance(template_id, str)
    assert (
        api.get(f"/email-templates/{template_id}").json()["subject"]
        == (TEMPLATE["subject"])
    )
    assert [row["key"] for row in api.get("/email-templates?key=api_test").json()] == [
        "api_test"
    ]

    changed = api.patch(f"/email-templates/{template_id}", {"subject": "New words"})
    assert changed.status_code == 200
    template = EmailTemplate.objects.get(pk=template_id)
    assert template.subject == "New words"
    assert template.body_text == TEMPLATE["body_text"]


@pytest.mark.parametrize(
    ("field", "source", "reason"),
    [
        ("body_text", "Hello {% if %}", "Unexpected end of expression"),
        ("subject", "{{ ticket.subject|no_such_filter }}", "no_such_filter"),
        ("body_html", "{% if ticket %}<p>x</p>", "endif"),
        # No tag libraries: what could reach settings or files cannot load.
        ("body_text", "{% load static %}{% get_static_prefix %}", "static"),
        ("body_html", "{% debug_settings %}", "debug_settings"),
        # No other template to include or extend: these could only fail when
        # the email is sent, so they are refused when saved.
        ("body_text", "{% include 'base.html' %}", "include"),
        ("body_html", "{% extends 'base.html' %}<p>x</p>", "extends"),
        ("subject", "{% block title %}Hi{% endblock %}", "block"),
    ],
)
def test_a_template_that_does_not_compile_is_refused(
    api_as, admin_user, field, source, reason
):
    api = api_as(admin_user)
    refused = api.post("/email-templates", {**TEMPLATE, field: source})
    assert refused.status_code == 400, refused.content
    body = refused.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert body["errors"][field][0].startswith("Template error:")
    assert reason.lower() in body["errors"][field][0].lower()
    assert not EmailTemplate.objects.filter(key="api_test").exists()

    template = EmailTemplate.objects.get(key="ticket_created_staff", language="en")
    before = getattr(template, field)
    refused = api.patch(f"/email-templates/{template.pk}", {field: source})
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == [field]
    template.refresh_from_db()
    assert getattr(template, field) == before


def test_a_second_template_for_a_key_and_language_is_refused(api_as, admin_user):
    api = api_as(admin_user)
    refused = api.post("/email-templates", {**TEMPLATE, "key": "ticket_created_staff"})
    assert refused.status_code == 400
    assert "non_field_errors" in refused.json()["errors"]
    unknown = api.post("/email-templates", {**TEMPLATE, "language": "xx"})
    assert unknown.status_code == 400
    assert "language" in unknown.json()["errors"]


def test_the_preview_renders_a_chosen_ticket_and_sends_nothing(api_as, admin_user):
    api = api_as(admin_user)
    template = api.post(
        "/email-templates",
        {
            **TEMPLATE,
            "body_text": "{{ message.body }} / {{ settings.SECRET_KEY }} / "
            "{{ links.ticket }}",
            "body_html": "<p>{{ ticket.subject }}</p>{{ message.body_html }}",
        },
    ).json()
    ticket = TicketFactory(subject="Printer <b>on fire</b>")
    MessageFactory(ticket=ticket, body="The public words")
    MessageFactory(ticket=ticket, body="An internal secret", internal=True)

    preview = api.get(
        f"/email-templates/{template['id']}/preview", {"ticket": ticket.number}
    )
    assert preview.status_code == 200, preview.content
    shown = preview.json()
    assert shown["ticket"] == ticket.number
    assert shown["subject"] == f"About #{ticket.number}"
    assert "The public words" in shown["body_text"]
    assert "internal secret" not in shown["body_text"] + shown["body_html"]
    assert "SECRET_KEY" not in shown["body_text"]
    assert ticket.get_absolute_url() in shown["body_text"]
    assert "Printer &lt;b&gt;on fire&lt;/b&gt;" in shown["body_html"]
    assert EmailLog.objects.count() == 0
    assert mail.outbox == []

    as_agent = api.get(
        f"/email-templates/{template['id']}/preview",
        {"ticket": ticket.number, "recipient": "agent"},
    ).json()
    assert ticket.get_agent_url() in as_agent["body_text"]


def test_the_preview_without_a_ticket_uses_a_sample(api_as, admin_user):
    api = api_as(admin_user)
    template = EmailTemplate.objects.get(key="ticket_created_staff", language="en")
    preview = api.get(f"/email-templates/{template.pk}/preview")
    assert preview.status_code == 200, preview.content
    assert preview.json()["ticket"] is None
    assert "#1042" in preview.json()["subject"] + preview.json()["body_text"]
    # No loader tags: an include saved before they were refused (straight
    # into the table) renders nothing from the site's templates; the
    # preview says why.
    template.body_html = "{% include 'base.html' %}"
    template.save()
    broken = api.get(f"/email-templates/{template.pk}/preview")
    assert broken.status_code == 400
    assert broken.json()["code"] == "template_error"
    assert "'include'" in broken.json()["errors"]["template"][0]
    missing = api.get(f"/email-templates/{template.pk}/preview", {"ticket": 999999})
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"ticket": ["No such ticket."]}
    assert api.get("/email-templates/999999/preview").status_code == 404


# --- Automation rules --------------------------------------------------------------


def test_an_admin_keeps_automation_rules(api_as, admin_user):
    api = api_as(admin_user)
    department = DepartmentFactory()
    created = api.post(
        "/automation-rules",
        {**RULE, "department_id": str(department.pk), "priority": "urgent"},
    )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert created.json()["department_id"] == str(department.pk)
    assert rule_id in [row["id"] for row in api.get("/automation-rules").json()]

    changed = api.patch(
        f"/automation-rules/{rule_id}", {"department_id": None, "delay_minutes": 30}
    )
    assert changed.status_code == 200, changed.content
    rule = AutomationRule.objects.get(pk=rule_id)
    assert rule.department_id is None
    assert rule.delay_minutes == 30
    assert rule.priority == "urgent"

    assert api.delete(f"/automation-rules/{rule_id}").status_code == 204
    assert not AutomationRule.objects.filter(pk=rule_id).exists()
    assert api.get(f"/automation-rules/{rule_id}").status_code == 404


def test_a_wrong_rule_is_refused_with_its_field(api_as, admin_user):
    api = api_as(admin_user)
    count = AutomationRule.objects.count()
    no_address = api.post("/automation-rules", {**RULE, "fixed_address": ""})
    assert no_address.status_code == 400
    assert list(no_address.json()["errors"]) == ["fixed_address"]
    bad_address = api.post("/automation-rules", {**RULE, "fixed_address": "nobody"})
    assert bad_address.status_code == 400
    assert "fixed_address" in bad_address.json()["errors"]
    unknown = api.post("/automation-rules", {**RULE, "department_id": "999999"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"department_id": ["Unknown."]}
    wrong_event = api.post("/automation-rules", {**RULE, "event": "ticket_eaten"})
    assert wrong_event.status_code == 400
    assert "event" in wrong_event.json()["errors"]
    assert AutomationRule.objects.count() == count


# --- The email log -----------------------------------------------------------------


def test_the_log_lists_with_filters_and_shows_one_with_bodies(api_as, admin_user):
    api = api_as(admin_user)
    ticket = TicketFactory()
    failed = logged(recipient="Ann@Example.com", ticket=ticket)
    sent = logged(status=EmailLog.Status.SENT, recipient="bob@example.com")
    old = logged(status=EmailLog.Status.SENT, recipient="old@example.com")
    EmailLog.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=40)
    )

    def ids(**params):
        response = api.get("/emails", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {str(failed.pk), str(sent.pk), str(old.pk)}
    assert ids(status="failed") == {str(failed.pk)}
    assert ids(recipient="ann@") == {str(failed.pk)}
    assert ids(ticket=ticket.number) == {str(failed.pk)}
    assert ids(ticket=99999999999999999999) == set()
    today = timezone.localdate()
    assert ids(created_from=today.isoformat()) == {str(failed.pk), str(sent.pk)}
    assert ids(created_to=(today - timedelta(days=30)).isoformat()) == {str(old.pk)}
    assert api.get("/emails", {"status": "lost"}).status_code == 400

    row = api.get("/emails", {"status": "failed"}).json()["results"][0]
    assert row["ticket"] == ticket.number and "body_text" not in row
    one = api.get(f"/emails/{failed.pk}").json()
    assert one["body_text"] == "Hello Sam"
    assert one["error"] == "SMTPRecipientsRefused"
    assert api.get("/emails/abc").status_code == 404


def test_retrying_a_failed_email_sends_the_same_email_after_commit(
    api_as, admin_user, django_capture_on_commit_callbacks
):
    api = api_as(admin_user)
    entry = logged()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(f"/emails/{entry.pk}/retry")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "queued"
    assert response.json()["error"] == ""
    assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    entry.refresh_from_db()
    assert entry.status == EmailLog.Status.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == entry.message_id
    assert mail.outbox[0].to == ["sam@example.com"]

    again = api.post(f"/emails/{entry.pk}/retry")
    assert again.status_code == 409
    assert again.json()["code"] == "not_failed"
    assert len(mail.outbox) == 1


def test_an_email_that_never_rendered_is_not_sent_empty(api_as, admin_user):
    entry = logged(body_text="", error="There is no email template 'x'.")
    response = api_as(admin_user).post(f"/emails/{entry.pk}/retry")
    assert response.status_code == 409
    assert response.json()["code"] == "not_rendered"
    entry.refresh_from_db()
    assert entry.status == EmailLog.Status.FAILED
    assert mail.outbox == []


def test_ids_no_row_can_have_are_not_found(api_as, admin_user):
    api = api_as(admin_user)
    for path in (
        "/email-templates/99999999999999999999",
        "/automation-rules/-1",
        "/emails/1e400",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert set(response.json()) == {"detail", "code", "errors"}


def test_a_page_of_the_log_costs_the_same_however_many_rows(
    api_as, admin_user, django_assert_max_num_queries
):
    api = api_as(admin_user)
    logged(ticket=TicketFactory())
    with django_assert_max_num_queries(30) as few:
        assert api.get("/emails").json()["count"] == 1
    for _ in range(6):
        logged(ticket=TicketFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/emails").json()["count"] == 7


def test_the_openapi_document_describes_every_email_operation(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    ours = [
        "/api/v1/email-templates",
        "/api/v1/email-templates/{template_id}",
        "/api/v1/email-templates/{template_id}/preview",
        "/api/v1/automation-rules",
        "/api/v1/automation-rules/{rule_id}",
        "/api/v1/emails",
        "/api/v1/emails/{email_id}",
        "/api/v1/emails/{email_id}/retry",
        "/api/v1/inbound-emails",
        "/api/v1/inbound-emails/{inbound_id}",
        "/api/v1/inbound-emails/{inbound_id}/raw",
        "/api/v1/inbound-emails/{inbound_id}/retry",
    ]
    for path in ours:
        for method, operation in paths[path].items():
            assert operation.get("description", "").strip(), (method, path)
            assert {"400", "401", "403", "404"} <= set(operation["responses"])


def test_days_at_the_ends_of_the_calendar_are_harmless(api_as, admin_user):
    logged()
    api = api_as(admin_user)
    wide = api.get(
        "/emails", {"created_from": "0001-01-01", "created_to": "9999-12-31"}
    )
    assert wide.status_code == 200
    assert wide.json()["count"] == 1
