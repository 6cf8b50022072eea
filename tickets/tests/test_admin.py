import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.urls import reverse

from accounts.services import api_key_create, mfa_backup_codes_regenerate
from organizations.tests.factories import (
    OrganizationDomainFactory,
    TeamFactory,
)
from tickets import selectors, services
from tickets.models import Ticket, TicketEvent
from tickets.services.counts import ticket_counts_differences

from .factories import AttachmentFactory, CategoryFactory, TicketEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(agent, rf):
    attachment = AttachmentFactory()
    api_key_create(user=agent, name="Nightly", scopes=["read"])
    mfa_backup_codes_regenerate(user=agent)
    AccessAttempt.objects.create(
        username="x@example.com",
        ip_address="10.0.0.1",
        failures_since_start=3,
        user_agent="test",
        path_info="/accounts/login/",
    )
    from integrations.models import InboundEmail, Mailbox
    from integrations.services import inbound_receive
    from notifications.models import EmailLog, NotificationOptOut

    mailbox = Mailbox(name="support", host="imap.example.com", username="u")
    mailbox.password = "secret"
    mailbox.save()
    inbound_receive(
        raw=b"From: a@customer.example\r\nSubject: Hi\r\n\r\nHello\r\n",
        source=InboundEmail.Source.PIPE,
        mailbox=mailbox,
    )
    EmailLog.objects.create(
        recipient="a@customer.example",
        template_key="agent_reply",
        subject="S",
        body_text="B",
        message_id="<m@example.com>",
    )
    NotificationOptOut.objects.create(user=agent, event="ticket_closed")
    from datetime import date, time

    from tickets.models import (
        BusinessCalendar,
        SatisfactionRating,
        SLANotice,
        SLAPolicy,
        SLATarget,
    )

    calendar = BusinessCalendar.objects.create(name="Office")
    calendar.hours.create(weekday=0, start=time(9), end=time(17))
    calendar.holidays.create(date=date(2026, 12, 25), name="Christmas")
    policy = SLAPolicy.objects.create(name="Standard", calendar=calendar)
    SLATarget.objects.create(
        policy=policy, priority="normal", first_response_minutes=60
    )
    SLANotice.objects.create(
        ticket=attachment.message.ticket,
        target="resolution",
        stage="warning",
        due_at="2026-12-01T10:00:00Z",
    )
    SatisfactionRating.objects.create(
        ticket=attachment.message.ticket,
        rated_by=attachment.message.ticket.requester,
        rating="bad",
        comment="Slow",
    )
    AccessFailureLog.objects.create(
        username="x@example.com",
        ip_address="10.0.0.1",
        user_agent="test",
        path_info="/accounts/login/",
    )
    TicketEventFactory(ticket=attachment.message.ticket)
    OrganizationDomainFactory()
    TeamFactory(department=agent.departments.get())
    CategoryFactory()
    from knowledge.services import article_create, category_create

    article_create(
        title="Reset a password",
        body="Open **Settings**.",
        actor=None,
        category=category_create(name="Account", actor=None),
    )
    _integrations_objects(agent, attachment.message.ticket)
    return attachment


def _integrations_objects(agent, ticket):
    from integrations.models import (
        TeamsCommand,
        TeamsConnector,
        TeamsLink,
        TeamsPost,
        WebhookAttempt,
        WebhookDelivery,
        WebhookEndpoint,
    )

    connector = TeamsConnector(name="Support channel", is_default=True)
    connector.webhook_url = "https://example.webhook.office.com/webhookb2/abc"
    connector.outgoing_secret = "c2VjcmV0IHRva2Vu"
    connector.save()
    TeamsPost.objects.create(connector=connector, ticket=ticket, card="{}")
    TeamsLink.objects.create(
        aad_object_id="aad-1", user=agent, display_name="Ann Agent"
    )
    TeamsCommand.objects.create(
        connector=connector,
        activity_id="activity-1",
        display_name="Ann Agent",
        text="help",
        verb="help",
    )
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/helpdesk", description="CRM"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type="ticket.created",
        webhook_id="msg_1",
        payload='{"type": "ticket.created"}',
    )
    WebhookAttempt.objects.create(
        delivery=delivery, number=1, status_code=500, duration_ms=12
    )


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label != "auth"]
)
def test_every_admin_page_renders(login, admin_user, objects, model):
    client = login(admin_user)
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")

    response = client.get(changelist, {"q": "a"})
    assert response.status_code == 200

    response = client.get(changelist)
    assert response.status_code == 200
    instance = model.objects.first()
    assert instance is not None
    change = reverse(
        f"admin:{meta.app_label}_{meta.model_name}_change", args=[instance.pk]
    )
    response = client.get(change)
    assert response.status_code == 200
    assert str(instance)[:20] in response.content.decode()


def test_audit_trail_cannot_be_edited_in_the_admin(login, admin_user, objects):
    event = TicketEvent.objects.first()
    url = reverse("admin:tickets_ticketevent_change", args=[event.pk])
    client = login(admin_user)
    client.post(url, {"kind": "note", "new_value": "forged"})
    event.refresh_from_db()
    assert event.new_value != "forged"
    delete = reverse("admin:tickets_ticketevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert TicketEvent.objects.filter(pk=event.pk).exists()


def test_ticket_edit_in_admin_goes_through_the_service(login, admin_user, agent):
    from .factories import TicketFactory

    ticket = TicketFactory(department=agent.departments.get())
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    client = login(admin_user)
    form = client.get(url).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(
        {
            "priority": "urgent",
            "assignee": agent.pk,
            # empty inline formsets
            "messages-TOTAL_FORMS": 0,
            "messages-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee) == (Ticket.Priority.URGENT, agent)
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {"priority", "assignee"} <= kinds
    assert ticket.events.get(kind="priority").actor == admin_user


def test_tickets_cannot_be_added_in_the_admin(login, admin_user):
    response = login(admin_user).get(reverse("admin:tickets_ticket_add"))
    assert response.status_code == 403


def test_a_body_redacted_in_the_admin_is_what_every_page_shows(
    login, admin_user, agent
):
    from .factories import TicketFactory

    ticket = TicketFactory(department=agent.departments.get())
    message = services.message_add(
        ticket=ticket, author=ticket.requester, body="My card is 4111 1111 1111 1111"
    )
    url = reverse("admin:tickets_message_change", args=[message.pk])
    client = login(admin_user)
    response = client.post(
        url,
        {
            "body": "**[card number removed]**",
            "attachments-TOTAL_FORMS": 0,
            "attachments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors

    page = login(agent).get(ticket.get_agent_url()).content.decode()
    # The card number as written: "4111" alone also turns up in timestamps.
    assert "4111 1111" not in page
    assert "<strong>[card number removed]</strong>" in page


def test_tickets_cannot_be_deleted_in_the_admin_so_the_view_counts_hold(
    login, admin_user, customer
):
    # Deleting a ticket would delete its audit trail, which nobody may.
    tickets = [
        services.ticket_create(requester=customer, subject=f"Printer {n}", body="x")
        for n in range(2)
    ]
    client = login(admin_user)
    delete = reverse("admin:tickets_ticket_delete", args=[tickets[0].pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:tickets_ticket_changelist")
    client.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [tickets[1].pk],
            "post": "yes",
        },
    )
    assert Ticket.objects.count() == 2
    assert ticket_counts_differences() == []
    assert selectors.agent_view_counts(admin_user)["all"] == 2
