"""The satisfaction survey email and the bad-rating email to the owners."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from notifications.models import AutomationRule, EmailLog, Event
from notifications.services import notice_for
from tickets import services
from tickets.models import SatisfactionRating, Ticket, TicketEvent
from tickets.services.satisfaction import satisfaction_rate
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

SURVEY_LINK = re.compile(r"(Good|Bad): (\S+)")


@pytest.fixture
def assigned(agent):
    return TicketFactory(open=True, department=agent.departments.get(), assignee=agent)


def solve(ticket, agent, capture):
    with capture(execute=True):
        services.ticket_change_status(
            ticket=ticket, actor=agent, status=Ticket.Status.SOLVED
        )


def survey_emails(outbox):
    return [m for m in outbox if "How would you rate" in m.body]


def test_solving_emails_the_requester_a_survey_whose_links_work(
    agent, assigned, mailoutbox, django_capture_on_commit_callbacks
):
    solve(assigned, agent, django_capture_on_commit_callbacks)
    [survey] = survey_emails(mailoutbox)
    assert survey.to == [assigned.requester.email]
    assert "How would you rate the support you received?" in survey.body
    links = dict(SURVEY_LINK.findall(survey.body))
    assert links["Good"].endswith("?rating=good")
    assert links["Bad"].endswith("?rating=bad")
    html = survey.alternatives[0][0]
    assert links["Good"].replace("&", "&amp;") in html

    # Nobody else got a token: no other email carries a survey link.
    assert all(
        "/survey/" not in m.body
        for m in mailoutbox
        if m.to != [assigned.requester.email]
    )

    bad = urlsplit(links["Bad"])
    visitor = Client()
    page = visitor.get(f"{bad.path}?{bad.query}")
    assert page.status_code == 200
    assert not SatisfactionRating.objects.exists()  # opening it rated nothing
    with django_capture_on_commit_callbacks(execute=True):
        answer = visitor.post(bad.path, {"rating": "bad"})
    assert answer.status_code == 302
    assert SatisfactionRating.objects.get(ticket=assigned).rating == "bad"
    # ... and the bad rating emailed the ticket's owner.
    staff = EmailLog.objects.get(template_key="satisfaction_bad_staff")
    assert staff.recipient == agent.email
    assert staff.status == EmailLog.Status.SENT
    assert any(m.to == [agent.email] and "Rated bad" in m.subject for m in mailoutbox)


def test_a_bad_rating_queues_the_owners_email_and_a_good_one_does_not(
    agent, assigned, django_capture_on_commit_callbacks
):
    assigned.status = Ticket.Status.SOLVED
    assigned.save()
    requester = assigned.requester
    with django_capture_on_commit_callbacks(execute=True):
        satisfaction_rate(ticket=assigned, actor=requester, rating="good")
    assert not EmailLog.objects.filter(template_key="satisfaction_bad_staff").exists()
    with django_capture_on_commit_callbacks(execute=True):
        satisfaction_rate(
            ticket=assigned, actor=requester, rating="bad", comment="Still broken"
        )
    staff = EmailLog.objects.get(template_key="satisfaction_bad_staff")
    assert staff.recipient == agent.email
    assert "Still broken" in staff.body_text
    # The same rating again is no new event: no second email.
    with django_capture_on_commit_callbacks(execute=True):
        satisfaction_rate(ticket=assigned, actor=requester, rating="bad")
    assert EmailLog.objects.filter(template_key="satisfaction_bad_staff").count() == 1


def test_rating_events_are_automation_events():
    ticket = TicketFactory(solved=True)
    satisfaction_rate(ticket=ticket, actor=ticket.requester, rating="good")
    satisfaction_rate(ticket=ticket, actor=ticket.requester, rating="bad")
    events = TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.SATISFACTION
    ).order_by("created_at", "pk")
    assert [notice_for(event).event for event in events] == [
        Event.SATISFACTION_GOOD,
        Event.SATISFACTION_BAD,
    ]


def test_an_agent_recipient_never_gets_survey_links(
    agent, assigned, mailoutbox, django_capture_on_commit_callbacks
):
    """An admin's rule sending the survey to the assignee sends them nothing:
    survey links are made for the requester only."""
    AutomationRule.objects.create(
        name="Survey to the assignee",
        event=Event.TICKET_SOLVED,
        recipient=AutomationRule.Recipient.ASSIGNEE,
        template_key="satisfaction_survey",
    )
    other_agent = UserFactory(agent=True)
    other_agent.departments.add(agent.departments.get())
    solve(assigned, other_agent, django_capture_on_commit_callbacks)
    assert [m.to for m in survey_emails(mailoutbox)] == [[assigned.requester.email]]
    assert not any("/survey/" in m.body for m in mailoutbox if m.to == [agent.email])


def test_surveys_off_sends_no_survey(
    agent, assigned, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.CSAT_ENABLED = False
    solve(assigned, agent, django_capture_on_commit_callbacks)
    assert survey_emails(mailoutbox) == []
    assert not any("/survey/" in m.body for m in mailoutbox)
    # The "solved" email itself still goes out.
    assert [m.to for m in mailoutbox] == [[assigned.requester.email]]
