import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.models import EmailLog, EmailTemplate, Event, NotificationOptOut
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(login):
    return login(UserFactory(admin=True))


def test_template_admin_previews_with_a_real_ticket(admin_client):
    ticket = TicketFactory(subject="Preview me")
    template = EmailTemplate.objects.get(key="ticket_created", language="en")
    page = admin_client.get(
        reverse("admin:notifications_emailtemplate_change", args=[template.pk])
    ).content.decode()
    assert f"[{ticket.reference}] Preview me" in page
    assert "Hello Sam Sample" in page


def test_template_admin_refuses_a_template_that_does_not_compile(admin_client):
    template = EmailTemplate.objects.get(key="ticket_created", language="en")
    response = admin_client.post(
        reverse("admin:notifications_emailtemplate_change", args=[template.pk]),
        {
            "key": "ticket_created",
            "language": "en",
            "subject": "{% if %}",
            "body_text": "ok",
            "body_html": "",
        },
    )
    assert response.status_code == 200
    assert "Template error" in response.content.decode()
    template.refresh_from_db()
    assert template.subject != "{% if %}"


def test_failed_emails_can_be_sent_again_from_the_admin(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    email = EmailLog.objects.create(
        recipient="x@customer.example",
        template_key="agent_reply",
        subject="S",
        body_text="B",
        message_id="<again@example.com>",
        status=EmailLog.Status.FAILED,
        error="Gave up",
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:notifications_emaillog_changelist"),
            {"action": "send_again", "_selected_action": [email.pk]},
        )
    email.refresh_from_db()
    assert email.status == EmailLog.Status.SENT
    assert [m.to for m in mailoutbox] == [["x@customer.example"]]


def test_the_admin_does_not_send_an_email_that_never_rendered(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    """Its template failed, so there is no text: "send again" must not mail the
    customer an empty email with the template's key for a subject (the API's
    retry refuses it too); an email already sent is not sent twice."""
    never_rendered = EmailLog.objects.create(
        recipient="x@customer.example",
        template_key="agent_reply",
        subject="agent_reply",
        body_text="",
        message_id="<never@example.com>",
        status=EmailLog.Status.FAILED,
        error="TemplateSyntaxError: x",
    )
    sent = EmailLog.objects.create(
        recipient="y@customer.example",
        template_key="agent_reply",
        subject="S",
        body_text="B",
        message_id="<sent@example.com>",
        status=EmailLog.Status.SENT,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:notifications_emaillog_changelist"),
            {
                "action": "send_again",
                "_selected_action": [never_rendered.pk, sent.pk],
            },
            follow=True,
        )
    assert mailoutbox == []
    never_rendered.refresh_from_db()
    assert never_rendered.status == EmailLog.Status.FAILED
    assert "never rendered" in response.content.decode()


def test_customers_choose_their_optional_emails(login, customer):
    client = login(customer)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "A confirmation when I open a request" in page
    assert "Customer replies" not in page  # an agent's choice, not theirs

    client.post(
        reverse("notifications:preferences"),
        {"receive": [Event.TICKET_SOLVED]},
    )
    assert set(
        NotificationOptOut.objects.filter(user=customer).values_list("event", flat=True)
    ) == {Event.TICKET_CREATED, Event.TICKET_CLOSED}


def test_agents_have_more_choices(login, agent):
    client = login(agent)
    client.post(reverse("notifications:preferences"), {"receive": []})
    events = set(
        NotificationOptOut.objects.filter(user=agent).values_list("event", flat=True)
    )
    assert Event.CUSTOMER_REPLY in events
    assert Event.AGENT_REPLY not in events  # answers cannot be turned off


def test_template_admin_previews_with_the_newest_ticket_by_creation_time(
    admin_client,
):
    """Newest means created last, not the highest id (ids are opaque)."""
    from datetime import timedelta

    from django.utils import timezone

    from tickets.models import Ticket

    newest = TicketFactory(subject="Written today")
    older = TicketFactory(subject="Written last week")
    Ticket.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(days=7)
    )
    template = EmailTemplate.objects.get(key="ticket_created", language="en")
    page = admin_client.get(
        reverse("admin:notifications_emailtemplate_change", args=[template.pk])
    ).content.decode()
    assert f"[{newest.reference}] Written today" in page
    assert "Written last week" not in page
