"""The "your request was merged" email (template key ``ticket_merged``): sent
to the merged ticket's requester instead of "Closed", linking to the ticket
it went into only when they may open it."""

import pytest

from accounts.tests.factories import UserFactory
from notifications.models import (
    OPTIONAL_EVENTS,
    AutomationRule,
    EmailLog,
    EmailTemplate,
    Event,
    NotificationOptOut,
)
from notifications.services import notice_for, notifications_dispatch
from organizations.tests.factories import OrganizationFactory
from tickets import services
from tickets.models import TicketEvent
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(agent):
    return agent.departments.get()


def merge(agent, source, target) -> list[EmailLog]:
    """Merge, then dispatch the source's events as the worker would."""
    services.ticket_merge(source=source, target=target, actor=agent)
    for event in TicketEvent.objects.filter(ticket=source).order_by("pk"):
        notifications_dispatch(event_id=event.pk)
    return list(EmailLog.objects.filter(ticket=source).order_by("pk"))


def test_the_template_and_its_rule_are_seeded():
    template = EmailTemplate.objects.get(key="ticket_merged", language="en")
    assert "merged" in template.description
    assert AutomationRule.objects.filter(
        event=Event.TICKET_MERGED, recipient="requester", template_key="ticket_merged"
    ).exists()


def test_merging_is_its_own_event_and_its_close_sends_nothing(agent, queue):
    source = TicketFactory(department=queue)
    target = TicketFactory(department=queue, open=True)
    services.ticket_merge(source=source, target=target, actor=agent)
    merged = source.events.get(kind=TicketEvent.Kind.MERGED_INTO)
    closed = source.events.get(kind=TicketEvent.Kind.STATUS, new_value="closed")
    assert notice_for(merged).event == Event.TICKET_MERGED
    assert notice_for(closed) is None


def test_requester_of_a_strangers_target_gets_no_subject_and_no_link(agent, queue):
    source = TicketFactory(department=queue, subject="Printer jams")
    target = TicketFactory(department=queue, subject="Salary slip", open=True)

    (entry,) = merge(agent, source, target)

    assert entry.template_key == "ticket_merged"
    assert entry.recipient == source.requester.email
    assert entry.subject == (
        f"[{source.reference}] Merged into {target.reference}: Printer jams"
    )
    for part in (entry.body_text, entry.body_html):
        assert target.reference in part
        assert "Salary slip" not in part
        assert target.requester.display_name not in part
        assert target.get_absolute_url() not in part
        assert target.get_agent_url() not in part


def test_colleague_sharing_tickets_gets_the_subject_and_the_link(agent, queue):
    organization = OrganizationFactory(share_tickets=True)
    alice = UserFactory(organization=organization)
    bob = UserFactory(organization=organization)
    source = TicketFactory(department=queue, requester=alice)
    target = TicketFactory(
        department=queue, requester=bob, subject="Office VPN", open=True
    )

    (entry,) = merge(agent, source, target)

    assert f'merged into {target.reference} "Office VPN"' in entry.body_text
    assert target.get_absolute_url() in entry.body_text
    assert target.get_absolute_url() in entry.body_html


def test_a_fixed_address_rule_gets_no_link(agent, queue):
    AutomationRule.objects.create(
        name="Copy merges",
        event=Event.TICKET_MERGED,
        recipient=AutomationRule.Recipient.FIXED,
        fixed_address="audit@example.com",
        template_key="ticket_merged",
    )
    customer = UserFactory()
    source = TicketFactory(department=queue, requester=customer)
    target = TicketFactory(
        department=queue, requester=customer, subject="Office VPN", open=True
    )

    entries = {entry.recipient: entry for entry in merge(agent, source, target)}

    assert target.get_absolute_url() in entries[customer.email].body_text
    assert "Office VPN" not in entries["audit@example.com"].body_text
    assert target.get_absolute_url() not in entries["audit@example.com"].body_text


def test_the_notice_cannot_be_turned_off_and_ignores_a_closed_opt_out(agent, queue):
    assert Event.TICKET_MERGED not in OPTIONAL_EVENTS
    source = TicketFactory(department=queue)
    NotificationOptOut.objects.create(user=source.requester, event=Event.TICKET_CLOSED)
    target = TicketFactory(department=queue, open=True)

    assert [entry.template_key for entry in merge(agent, source, target)] == [
        "ticket_merged"
    ]


def test_only_the_merged_tickets_requester_is_written_to(agent, queue):
    source = TicketFactory(department=queue)
    target = TicketFactory(department=queue, open=True)
    entries = merge(agent, source, target)
    assert {entry.recipient for entry in entries} == {source.requester.email}
    assert not EmailLog.objects.filter(ticket=target).exists()


def test_the_admin_preview_shows_a_sample_target():
    from notifications.selectors import template_preview

    template = EmailTemplate.objects.get(key="ticket_merged", language="en")
    rendered = template_preview(
        template=template, ticket=None, recipient_is_agent=False
    )
    assert rendered.subject == "[#1042] Merged into #1043: I cannot sign in"
    assert '#1043 "Password reset email does not arrive"' in rendered.body_text
    assert "/portal/" in rendered.body_text
