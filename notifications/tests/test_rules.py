"""Who gets which email: the evaluator, recipients, opt-outs, idempotence."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from notifications.models import (
    AutomationRule,
    EmailLog,
    EmailTemplate,
    Event,
    NotificationOptOut,
)
from notifications.services import (
    TicketNotice,
    notifications_dispatch,
    recipients_for,
    rule_matches,
)
from organizations.tests.factories import (
    DepartmentFactory,
    OrganizationFactory,
    TeamFactory,
)
from tickets import services
from tickets.models import Ticket, TicketEvent
from tickets.tests.factories import CategoryFactory, TicketFactory

pytestmark = pytest.mark.django_db

Recipient = AutomationRule.Recipient


def rule(**fields) -> AutomationRule:
    defaults = {
        "name": "r",
        "event": Event.TICKET_CREATED,
        "template_key": "x",
        "recipient": Recipient.REQUESTER,
    }
    return AutomationRule(**{**defaults, **fields})


def notice(ticket, event=Event.TICKET_CREATED, actor=None):
    return TicketNotice(event=event, ticket=ticket, message=None, actor=actor)


def dispatch_all(ticket) -> list[EmailLog]:
    """Dispatch every event the ticket has, as the worker would."""
    for event in TicketEvent.objects.filter(ticket=ticket):
        notifications_dispatch(event_id=event.pk)
    return list(EmailLog.objects.filter(ticket=ticket).order_by("pk"))


# --- the evaluator ----------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "matching", "other"),
    [
        ("priority", {"priority": "urgent"}, {"priority": "low"}),
        ("status", {"status": "open"}, {"status": "new"}),
    ],
)
def test_field_conditions(condition, matching, other):
    value = next(iter(matching.values()))
    candidate = rule(**{condition: value})
    assert rule_matches(candidate, notice(TicketFactory.build(**matching)))
    assert not rule_matches(candidate, notice(TicketFactory.build(**other)))


def test_relation_conditions_and_event():
    category, department = CategoryFactory(), DepartmentFactory()
    organization = OrganizationFactory()
    ticket = TicketFactory(
        category=category,
        department=department,
        requester=UserFactory(organization=organization),
    )
    assert rule_matches(
        rule(category=category, department=department, organization=organization),
        notice(ticket),
    )
    assert not rule_matches(rule(category=CategoryFactory()), notice(ticket))
    assert not rule_matches(rule(department=DepartmentFactory()), notice(ticket))
    assert not rule_matches(rule(organization=OrganizationFactory()), notice(ticket))
    assert not rule_matches(rule(event=Event.TICKET_SOLVED), notice(ticket))
    assert not rule_matches(rule(active=False), notice(ticket))
    assert rule_matches(rule(), notice(ticket))  # no conditions: everything


def test_recipients_of_each_kind(agent):
    department = agent.departments.get()
    colleague = UserFactory(agent=True)
    department.agents.add(colleague)
    team = TeamFactory(department=department, members=[colleague])
    ticket = TicketFactory(department=department)

    def addresses(kind, ticket, actor=None):
        found = recipients_for(
            rule(recipient=kind, fixed_address="ops@example.com"),
            notice(ticket, actor=actor),
        )
        return sorted(address for address, _ in found)

    assert addresses(Recipient.REQUESTER, ticket) == [ticket.requester.email]
    assert addresses(Recipient.ASSIGNEE, ticket) == []
    assert addresses(Recipient.DEPARTMENT, ticket) == sorted(
        [agent.email, colleague.email]
    )
    assert addresses(Recipient.FIXED, ticket) == ["ops@example.com"]
    # Owners: the department while nobody is assigned, then the team, then the
    # assignee.
    assert addresses(Recipient.OWNERS, ticket) == sorted([agent.email, colleague.email])
    ticket.team = team
    assert addresses(Recipient.OWNERS, ticket) == [colleague.email]
    assert addresses(Recipient.TEAM, ticket) == [colleague.email]
    ticket.assignee = agent
    assert addresses(Recipient.OWNERS, ticket) == [agent.email]
    # Nobody is emailed about their own action.
    assert addresses(Recipient.OWNERS, ticket, actor=agent) == []


# --- from ticket events to queued mail --------------------------------------


def test_a_new_ticket_acknowledges_the_requester_and_alerts_the_queue(agent):
    department = agent.departments.get()
    customer = UserFactory()
    ticket = services.ticket_create(
        requester=customer, subject="Printer", body="Broken", department=department
    )
    emails = dispatch_all(ticket)
    assert [(e.recipient, e.template_key) for e in emails] == [
        (customer.email, "ticket_created"),
        (agent.email, "ticket_created_staff"),
    ]
    first = emails[0]
    assert first.subject == f"[{ticket.reference}] Printer"
    assert first.status == EmailLog.Status.QUEUED
    assert first.references == f"<ticket-{ticket.number}@example.com>"
    assert first.message_id.endswith("@example.com>")
    assert first.reply_to == department.inbound_email
    assert first.body_text.startswith("##- Please type your reply above this line -##")


def test_agent_reply_reaches_the_requester_but_an_internal_note_never(agent):
    ticket = TicketFactory(department=agent.departments.get())
    services.message_add(
        ticket=ticket, author=agent, body="Secret diagnosis", internal=True
    )
    services.message_add(ticket=ticket, author=agent, body="Please restart it.")

    emails = dispatch_all(ticket)

    assert [(e.recipient, e.template_key) for e in emails] == [
        (ticket.requester.email, "agent_reply")
    ]
    assert "Please restart it." in emails[0].body_text
    assert not EmailLog.objects.filter(body_text__contains="Secret diagnosis").exists()


def test_customer_reply_goes_to_the_assignee(agent):
    ticket = TicketFactory(department=agent.departments.get(), assignee=agent)
    services.message_add(ticket=ticket, author=ticket.requester, body="More info")
    emails = dispatch_all(ticket)
    assert [(e.recipient, e.template_key) for e in emails] == [
        (agent.email, "customer_reply")
    ]


def test_assignment_solve_and_close_notices(agent, admin_user):
    ticket = TicketFactory(department=agent.departments.get(), open=True)
    services.ticket_assign(ticket=ticket, actor=admin_user, assignee=agent)
    services.ticket_change_status(ticket=ticket, actor=agent, status="solved")
    services.ticket_change_status(ticket=ticket, actor=None, status="closed")
    emails = dispatch_all(ticket)
    assert [(e.recipient, e.template_key) for e in emails] == [
        (agent.email, "ticket_assigned"),
        (ticket.requester.email, "ticket_solved"),
        (ticket.requester.email, "satisfaction_survey"),
        (ticket.requester.email, "ticket_closed"),
    ]


def test_dispatching_an_event_twice_queues_nothing_twice(agent):
    ticket = TicketFactory(department=agent.departments.get())
    services.message_add(ticket=ticket, author=agent, body="Answer")
    assert len(dispatch_all(ticket)) == 1
    assert len(dispatch_all(ticket)) == 1


def test_opt_out_of_optional_mail_but_not_of_answers(agent):
    customer = UserFactory()
    NotificationOptOut.objects.create(user=customer, event=Event.TICKET_CREATED)
    NotificationOptOut.objects.create(user=customer, event=Event.AGENT_REPLY)
    ticket = services.ticket_create(requester=customer, subject="S", body="B")
    ticket.department = agent.departments.get()
    ticket.save()
    services.message_add(ticket=ticket, author=agent, body="The answer")
    to_customer = [e for e in dispatch_all(ticket) if e.recipient == customer.email]
    assert [e.template_key for e in to_customer] == ["agent_reply"]


def test_automation_rule_with_conditions_and_delay(agent):
    department = agent.departments.get()
    AutomationRule.objects.create(
        name="Urgent tickets page the on-call address",
        event=Event.TICKET_CREATED,
        priority="urgent",
        department=department,
        template_key="ticket_created_staff",
        recipient=Recipient.FIXED,
        fixed_address="oncall@example.com",
        delay_minutes=15,
    )
    calm = services.ticket_create(
        requester=UserFactory(), subject="Calm", body="B", department=department
    )
    urgent = services.ticket_create(
        requester=UserFactory(),
        subject="Fire",
        body="B",
        department=department,
        priority="urgent",
    )
    assert "oncall@example.com" not in [e.recipient for e in dispatch_all(calm)]
    page = [e for e in dispatch_all(urgent) if e.recipient == "oncall@example.com"]
    assert len(page) == 1
    delay = page[0].scheduled_for - timezone.now()
    assert timedelta(minutes=14) < delay <= timedelta(minutes=15)


def test_templates_see_only_plain_values(agent):
    EmailTemplate.objects.filter(key="agent_reply").update(
        body_text="[{{ ticket.requester.password }}][{{ settings.SECRET_KEY }}]"
        "[{{ message.author_name }}]"
    )
    ticket = TicketFactory(department=agent.departments.get())
    services.message_add(ticket=ticket, author=agent, body="Hi")
    email = dispatch_all(ticket)[0]
    assert f"[][][{agent.display_name}]" in email.body_text
    assert ticket.requester.password not in email.body_text


def test_a_broken_template_is_logged_as_failed_not_lost(agent):
    EmailTemplate.objects.filter(key="agent_reply").update(
        body_text="{% include 'x' %}"
    )
    ticket = TicketFactory(department=agent.departments.get())
    services.message_add(ticket=ticket, author=agent, body="Hi")
    email = dispatch_all(ticket)[0]
    assert email.status == EmailLog.Status.FAILED
    assert "'include'" in email.error


def test_the_customers_language_picks_the_template(agent):
    EmailTemplate.objects.create(
        key="agent_reply", language="de", subject="Antwort", body_text="Hallo!"
    )
    german = UserFactory(language="de")
    ticket = TicketFactory(department=agent.departments.get(), requester=german)
    services.message_add(ticket=ticket, author=agent, body="Hi")
    email = dispatch_all(ticket)[0]
    assert email.subject == f"[{ticket.reference}] Antwort"
    assert "Hallo!" in email.body_text


def test_on_commit_dispatch_sends_through_the_locmem_backend(
    agent, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(department=agent.departments.get())
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(ticket=ticket, author=agent, body="Answer by mail")
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert sent.to == [ticket.requester.email]
    assert sent.extra_headers["X-Helpdesk-Ticket"] == str(ticket.number)
    assert EmailLog.objects.get().status == EmailLog.Status.SENT
    assert Ticket.objects.get(pk=ticket.pk).emails.count() == 1


def test_an_address_that_cannot_be_encoded_fails_cleanly(agent, mailoutbox):
    """Not retried forever, not stuck in "sending": failed, with the reason."""
    from notifications.sending import email_send

    email = EmailLog.objects.create(
        recipient="bob@" + "ä" * 64 + ".com",
        template_key="agent_reply",
        subject="S",
        body_text="B",
        message_id="<bad@example.com>",
    )
    result = email_send(log_id=email.pk)
    assert result.status == EmailLog.Status.FAILED
    assert result.error.startswith("Cannot be sent:")
    assert mailoutbox == []


def test_the_minute_sweep_leaves_waiting_retries_alone(agent, monkeypatch):
    from notifications import tasks

    sent = []
    monkeypatch.setattr(tasks.send_email, "delay", lambda pk: sent.append(pk))
    now = timezone.now()
    lost = EmailLog.objects.create(
        recipient="a@x.example",
        template_key="k",
        subject="S",
        body_text="B",
        message_id="<lost@x>",
        scheduled_for=now - timedelta(minutes=5),
    )
    EmailLog.objects.create(
        recipient="b@x.example",
        template_key="k",
        subject="S",
        body_text="B",
        message_id="<waiting@x>",
        status=EmailLog.Status.RETRYING,
        scheduled_for=now + timedelta(minutes=3),
    )
    assert tasks.send_due_emails() == 1
    assert sent == [str(lost.pk)]  # ids go to tasks as text
