"""A rule sends a template that exists: picked from a list, refused otherwise,
protected while in use, and turned off with a reason if it goes anyway. And
the default templates an admin never edited take the new wording."""

import hashlib
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.tests.factories import UserFactory
from helpdesk.errors import ConflictError
from notifications.defaults import TEMPLATES
from notifications.models import AutomationRule, EmailLog, EmailTemplate, Event
from notifications.services import email_template_delete, notifications_dispatch
from tickets import services
from tickets.models import TicketEvent
from tickets.tests.factories import TicketFactory

from . import old_defaults

pytestmark = pytest.mark.django_db

Recipient = AutomationRule.Recipient


def load_migration():
    return importlib.import_module("notifications.migrations.0005_i11_outbound")


@pytest.fixture
def admin_client(login):
    return login(UserFactory(admin=True))


def rule_form(**fields) -> dict:
    return {
        "name": "Thank the requester",
        "active": "on",
        "order": "100",
        "event": Event.TICKET_SOLVED,
        "priority": "",
        "status": "",
        "template_key": "ticket_solved",
        "recipient": Recipient.REQUESTER,
        "fixed_address": "",
        "delay_minutes": "0",
        **fields,
    }


def make_rule(template_key="ticket_solved", **fields) -> AutomationRule:
    return AutomationRule.objects.create(
        name=fields.pop("name", "Custom"),
        event=fields.pop("event", Event.AGENT_REPLY),
        recipient=fields.pop("recipient", Recipient.REQUESTER),
        template_key=template_key,
        **fields,
    )


# --- picking and validating ---------------------------------------------------


def test_full_clean_refuses_a_template_that_does_not_exist():
    rule = AutomationRule(
        name="r", event=Event.AGENT_REPLY, recipient="requester", template_key="nope"
    )
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert list(refused.value.message_dict) == ["template_key"]
    assert "no email template 'nope'" in refused.value.message_dict["template_key"][0]
    rule.template_key = "agent_reply"
    rule.full_clean()


def test_the_admin_offers_the_templates_as_a_list(admin_client):
    EmailTemplate.objects.create(
        key="ticket_solved", language="de", subject="Gelöst", body_text="x"
    )
    page = admin_client.get(
        reverse("admin:notifications_automationrule_add")
    ).content.decode()
    select = page.split('<select name="template_key"')[1].split("</select>")[0]
    assert '<option value="" selected>---------</option>' in select
    assert select.count('<option value="ticket_solved"') == 1  # one per key
    for template in TEMPLATES:
        assert f'<option value="{template["key"]}"' in select


def test_the_admin_refuses_an_unknown_template_with_a_field_error(admin_client):
    response = admin_client.post(
        reverse("admin:notifications_automationrule_add"),
        rule_form(template_key="ticket_sovled"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["template_key"]
    assert not AutomationRule.objects.filter(name="Thank the requester").exists()

    response = admin_client.post(
        reverse("admin:notifications_automationrule_add"), rule_form()
    )
    assert response.status_code == 302
    assert AutomationRule.objects.get(name="Thank the requester").template_key == (
        "ticket_solved"
    )


# --- a template in use ----------------------------------------------------------


def test_the_admin_will_not_delete_a_template_a_rule_sends(admin_client):
    template = EmailTemplate.objects.get(key="agent_reply", language="en")
    url = reverse("admin:notifications_emailtemplate_delete", args=[template.pk])
    page = admin_client.get(url).content.decode()
    assert "protected" in page
    assert "Agent reply: email the requester" in page
    admin_client.post(url, {"post": "yes"})
    assert EmailTemplate.objects.filter(pk=template.pk).exists()

    admin_client.post(
        reverse("admin:notifications_emailtemplate_changelist"),
        {"action": "delete_selected", "_selected_action": [template.pk], "post": "yes"},
    )
    assert EmailTemplate.objects.filter(pk=template.pk).exists()


def test_one_language_of_a_key_in_use_may_go(admin_client):
    german = EmailTemplate.objects.create(
        key="agent_reply", language="de", subject="Antwort", body_text="x"
    )
    admin_client.post(
        reverse("admin:notifications_emailtemplate_delete", args=[german.pk]),
        {"post": "yes"},
    )
    assert not EmailTemplate.objects.filter(pk=german.pk).exists()


def test_a_key_in_another_language_only_still_sends(agent):
    """The rule was accepted because its key has a template (in German only),
    and deleting the English one of a key was allowed because the German one
    remained: the email then goes out in the language there is, rather than
    failing for every English-speaking recipient."""
    EmailTemplate.objects.create(
        key="danke", language="de", subject="Danke", body_text="Danke schön."
    )
    rule = make_rule(template_key="danke", name="German thanks")
    rule.full_clean()
    EmailTemplate.objects.create(
        key="agent_reply", language="de", subject="Antwort", body_text="Antwort."
    )
    email_template_delete(
        template=EmailTemplate.objects.get(key="agent_reply", language="en")
    )
    ticket = TicketFactory(
        department=agent.departments.get(), requester=UserFactory(language="en")
    )
    services.message_add(ticket=ticket, author=agent, body="Done.")
    reply = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.REPLY)
    notifications_dispatch(event_id=reply.pk)

    sent = EmailLog.objects.filter(ticket=ticket, recipient=ticket.requester.email)
    by_key = {entry.template_key: entry for entry in sent}
    assert by_key["danke"].status != EmailLog.Status.FAILED, by_key["danke"].error
    assert by_key["danke"].subject.endswith("Danke")
    assert by_key["agent_reply"].status != EmailLog.Status.FAILED
    assert by_key["agent_reply"].body_text.strip().endswith("Antwort.")
    assert AutomationRule.objects.get(pk=rule.pk).active


def test_an_unused_template_may_go():
    template = EmailTemplate.objects.create(key="spare", subject="s", body_text="x")
    email_template_delete(template=template)
    assert not EmailTemplate.objects.filter(key="spare").exists()


def test_the_delete_service_refuses_a_template_in_use():
    template = EmailTemplate.objects.get(key="agent_reply", language="en")
    with pytest.raises(ConflictError) as refused:
        email_template_delete(template=template)
    assert refused.value.code == "template_in_use"
    assert EmailTemplate.objects.filter(pk=template.pk).exists()


def test_renaming_a_template_a_rule_sends_is_refused():
    template = EmailTemplate.objects.get(key="agent_reply", language="en")
    template.key = "agent_answer"
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "key" in refused.value.message_dict
    unused = EmailTemplate.objects.create(key="spare", subject="s", body_text="x")
    unused.key = "spare2"
    unused.full_clean()


def test_a_rule_whose_template_went_anyway_is_turned_off_with_the_reason(
    agent, admin_client
):
    rule = make_rule(template_key="gone-soon", name="Custom thanks")
    EmailTemplate.objects.create(key="gone-soon", subject="s", body_text="x")
    EmailTemplate.objects.filter(key="gone-soon").delete()  # outside the admin
    ticket = TicketFactory(department=agent.departments.get())
    services.message_add(ticket=ticket, author=agent, body="Done.")
    reply = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.REPLY)
    notifications_dispatch(event_id=reply.pk)

    rule.refresh_from_db()
    assert rule.active is False
    assert "no email template 'gone-soon'" in rule.disabled_reason
    failed = EmailLog.objects.get(rule=rule)
    assert failed.status == EmailLog.Status.FAILED
    assert "gone-soon" in failed.error
    page = admin_client.get(
        reverse("admin:notifications_automationrule_changelist")
    ).content.decode()
    assert "no email template &#x27;gone-soon&#x27;" in page

    # Firing again sends nothing more; fixing it clears the reason.
    notifications_dispatch(event_id=reply.pk)
    assert EmailLog.objects.filter(rule=rule).count() == 1
    rule.template_key, rule.active = "agent_reply", True
    rule.full_clean()
    rule.save()
    assert AutomationRule.objects.get(pk=rule.pk).disabled_reason == ""


def test_the_rule_list_does_not_turn_on_a_rule_whose_template_is_gone(admin_client):
    """The list's "active" box saves the rule without its template field: the
    missing template must still stop it, or the rule fails again when it fires."""
    rule = make_rule(template_key="gone", name="Custom thanks", active=False)
    AutomationRule.objects.filter(pk=rule.pk).update(disabled_reason="No template.")
    others = list(AutomationRule.objects.exclude(pk=rule.pk).order_by("order", "pk"))
    rows = [*others, rule]
    rows.sort(key=lambda row: (row.order, row.pk))
    form = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "_save": "Save",
    }
    for index, row in enumerate(rows):
        form[f"form-{index}-id"] = str(row.pk)
        form[f"form-{index}-order"] = str(row.order)
        if row.active or row.pk == rule.pk:
            form[f"form-{index}-active"] = "on"
    response = admin_client.post(
        reverse("admin:notifications_automationrule_changelist"), form
    )
    assert response.status_code in (200, 302)
    rule.refresh_from_db()
    assert rule.active is False
    assert rule.disabled_reason == "No template."
    if response.status_code == 200:
        assert "no email template" in response.content.decode().lower()


# --- the data migration ---------------------------------------------------------


def _content_hash(template) -> str:
    return hashlib.sha256(
        "\0".join(
            [template["subject"], template["body_text"], template["body_html"]]
        ).encode()
    ).hexdigest()


def test_the_migration_knows_the_old_defaults_exactly():
    old = {
        template["key"]: _content_hash(template) for template in old_defaults.TEMPLATES
    }
    assert old == load_migration().OLD_DEFAULTS


def test_unedited_defaults_take_the_new_wording_and_edited_ones_stay():
    old = {template["key"]: template for template in old_defaults.TEMPLATES}
    new = {template["key"]: template for template in TEMPLATES}
    for key in ("ticket_solved", "ticket_closed", "ticket_created"):
        EmailTemplate.objects.filter(key=key, language="en").update(
            subject=old[key]["subject"],
            body_text=old[key]["body_text"],
            body_html=old[key]["body_html"],
        )
    # Saved unchanged from the admin: the browser sent CRLF line endings.
    EmailTemplate.objects.filter(key="ticket_created").update(
        body_text=old["ticket_created"]["body_text"].replace("\n", "\r\n")
    )
    edited = old["ticket_closed"]["body_text"].replace("your request", "your case")
    EmailTemplate.objects.filter(key="ticket_closed").update(body_text=edited)

    load_migration().reword_unedited_defaults(apps, None)

    solved = EmailTemplate.objects.get(key="ticket_solved", language="en")
    assert solved.body_text == new["ticket_solved"]["body_text"]
    assert solved.body_html == new["ticket_solved"]["body_html"]
    closed = EmailTemplate.objects.get(key="ticket_closed", language="en")
    assert closed.body_text == edited
    created = EmailTemplate.objects.get(key="ticket_created", language="en")
    assert created.body_text == new["ticket_created"]["body_text"]
