"""The report figures on a ticket: first reply and resolution times in
calendar and business minutes, public replies and reopens, kept by the
services as things happen, and the backfill that computes the same from the
stored history.

The office (Mon-Fri 09:00-18:00, Berlin) closes for Christmas Day, Friday 25
December 2026, and the weekend after it: a ticket opened on Thursday the
24th at 17:00 has had one business hour by Monday 09:00.
"""

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core.management import call_command

from tickets import services
from tickets.models import SLAPolicy, SLATarget, Ticket, TicketEvent
from tickets.services.metrics import METRIC_FIELDS, metrics_backfill
from tickets.services.sla_policies import holidays_add

from .office import berlin

pytestmark = pytest.mark.django_db

Status = Ticket.Status
CHRISTMAS_EVE_17 = berlin(2026, 12, 24, 17, 0)  # Thursday, an hour before closing


@pytest.fixture
def policy(office):
    """The default policy on the office calendar, Christmas Day closed."""
    holidays_add(calendar=office, dates={date(2026, 12, 25): "Christmas Day"})
    policy = SLAPolicy.objects.create(name="Office", calendar=office, is_default=True)
    SLATarget.objects.create(
        policy=policy,
        priority="normal",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=480,
    )
    return policy


class Desk:
    """Plays a ticket's story through the real services, each step at its
    moment on the clock."""

    def __init__(self, customer, agent, department):
        self.customer, self.agent, self.department = customer, agent, department

    def at(self, moment: datetime):
        return time_machine.travel(moment, tick=False)

    def open(self, moment: datetime) -> Ticket:
        with self.at(moment):
            return services.ticket_create(
                requester=self.customer,
                subject="The printer is on fire",
                body="Smoke everywhere.",
                department=self.department,
            )

    def reply(self, ticket: Ticket, moment: datetime, **options) -> Ticket:
        options.setdefault("author", self.agent)
        with self.at(moment):
            services.message_add(ticket=ticket, body="Noted.", **options)
        ticket.refresh_from_db()
        return ticket

    def status(self, ticket: Ticket, moment: datetime, status: str, actor=None):
        with self.at(moment):
            services.ticket_change_status(
                ticket=ticket, actor=actor or self.agent, status=status
            )
        ticket.refresh_from_db()
        return ticket


@pytest.fixture
def desk(customer, agent, department):
    return Desk(customer, agent, department)


def figures(ticket: Ticket) -> dict:
    ticket.refresh_from_db()
    return {name: getattr(ticket, name) for name in METRIC_FIELDS}


def christmas_story(desk: Desk) -> Ticket:
    """Opened on Christmas Eve at 17:00; the customer nudges over the
    holiday weekend; a colleague leaves a note; the agent answers on Monday
    at 10:30 and solves with a second reply at 12:00; the customer reopens on
    Tuesday at 09:30 and the agent solves again at 10:00."""
    ticket = desk.open(CHRISTMAS_EVE_17)
    desk.reply(ticket, berlin(2026, 12, 26, 11, 0), author=desk.customer)
    desk.reply(ticket, berlin(2026, 12, 28, 9, 15), internal=True)
    desk.reply(ticket, berlin(2026, 12, 28, 10, 30))
    desk.reply(ticket, berlin(2026, 12, 28, 11, 0), author=desk.customer)
    desk.reply(ticket, berlin(2026, 12, 28, 12, 0), status=Status.SOLVED)
    desk.reply(ticket, berlin(2026, 12, 29, 9, 30), author=desk.customer)
    return desk.status(ticket, berlin(2026, 12, 29, 10, 0), Status.SOLVED)


# --- Kept by the services ---------------------------------------------------


def test_a_new_ticket_has_no_figures_yet(policy, desk):
    ticket = desk.open(CHRISTMAS_EVE_17)

    assert figures(ticket) == {
        "first_reply_minutes": None,
        "first_reply_business_minutes": None,
        "resolution_minutes": None,
        "resolution_business_minutes": None,
        "public_reply_count": 0,
        "reopen_count": 0,
    }


def test_first_reply_skips_the_holiday_and_the_weekend(policy, desk):
    ticket = desk.open(CHRISTMAS_EVE_17)
    desk.reply(ticket, berlin(2026, 12, 26, 11, 0), author=desk.customer)
    desk.reply(ticket, berlin(2026, 12, 28, 9, 15), internal=True)
    ticket = desk.reply(ticket, berlin(2026, 12, 28, 10, 30))

    assert ticket.sla_policy == policy
    # Thursday 17:00-18:00, then Monday 09:00-10:30: the holiday and the
    # weekend are closed.
    assert ticket.first_reply_business_minutes == 60 + 90
    # Thursday 17:00 to Monday 10:30 on the wall clock: 3 days 17.5 hours.
    assert ticket.first_reply_minutes == 3 * 24 * 60 + 17.5 * 60
    # The note and the customer's message are not replies.
    assert ticket.public_reply_count == 1


def test_customer_replies_and_internal_notes_are_not_agent_replies(policy, desk):
    ticket = desk.open(CHRISTMAS_EVE_17)
    desk.reply(ticket, berlin(2026, 12, 28, 9, 10), author=desk.customer)
    ticket = desk.reply(ticket, berlin(2026, 12, 28, 9, 20), internal=True)

    assert figures(ticket)["first_reply_minutes"] is None
    assert ticket.public_reply_count == 0
    assert ticket.first_response_at is None


def test_resolution_reopen_and_resolving_again(policy, desk):
    ticket = desk.open(CHRISTMAS_EVE_17)
    desk.reply(ticket, berlin(2026, 12, 28, 10, 30))
    ticket = desk.reply(ticket, berlin(2026, 12, 28, 12, 0), status=Status.SOLVED)

    assert ticket.public_reply_count == 2
    assert ticket.resolution_business_minutes == 60 + 180
    assert ticket.resolution_minutes == 4 * 24 * 60 - 5 * 60
    assert ticket.reopen_count == 0

    # The customer's reply reopens it: counted, and it is no longer solved.
    ticket = desk.reply(ticket, berlin(2026, 12, 29, 9, 30), author=desk.customer)
    assert ticket.status == Status.OPEN
    assert ticket.reopen_count == 1
    assert ticket.resolution_minutes is None
    assert ticket.resolution_business_minutes is None

    # Solved again: measured to the latest solve, Monday's hours included.
    ticket = desk.status(ticket, berlin(2026, 12, 29, 10, 0), Status.SOLVED)
    assert ticket.resolution_business_minutes == 60 + 9 * 60 + 60
    assert ticket.resolution_minutes == 5 * 24 * 60 - 7 * 60
    assert ticket.reopen_count == 1
    assert ticket.public_reply_count == 2
    # The first reply is still the first.
    assert ticket.first_reply_business_minutes == 150


def test_an_agent_reopening_counts_too_and_closing_keeps_the_figures(
    policy, desk, admin_user
):
    ticket = desk.open(CHRISTMAS_EVE_17)
    desk.status(ticket, berlin(2026, 12, 28, 9, 30), Status.SOLVED)
    desk.status(ticket, berlin(2026, 12, 28, 9, 45), Status.OPEN)
    desk.status(ticket, berlin(2026, 12, 28, 10, 0), Status.SOLVED)
    ticket = desk.status(
        ticket, berlin(2027, 1, 5, 10, 0), Status.CLOSED, actor=admin_user
    )

    assert ticket.reopen_count == 1
    assert ticket.resolution_business_minutes == 60 + 60
    # Solved without a public reply: no first reply, none counted.
    assert ticket.first_reply_minutes is None
    assert ticket.public_reply_count == 0


def test_closing_a_ticket_never_solved_measures_no_resolution(policy, desk, admin_user):
    ticket = desk.open(CHRISTMAS_EVE_17)
    desk.reply(ticket, berlin(2026, 12, 28, 10, 30))
    ticket = desk.status(
        ticket, berlin(2026, 12, 28, 11, 0), Status.CLOSED, actor=admin_user
    )

    assert ticket.status == Status.CLOSED
    assert ticket.solved_at is None
    assert ticket.resolution_minutes is None
    assert ticket.resolution_business_minutes is None
    assert ticket.public_reply_count == 1


def test_without_a_policy_business_minutes_are_calendar_minutes(desk):
    assert not SLAPolicy.objects.exists()
    ticket = desk.open(berlin(2026, 12, 26, 10, 0))  # a Saturday
    desk.reply(ticket, berlin(2026, 12, 26, 11, 30))
    ticket = desk.reply(ticket, berlin(2026, 12, 27, 10, 0), status=Status.SOLVED)

    assert ticket.sla_policy is None
    assert ticket.first_reply_minutes == ticket.first_reply_business_minutes == 90
    assert ticket.resolution_minutes == ticket.resolution_business_minutes == 24 * 60


def test_a_reply_to_a_merged_ticket_counts_on_the_ticket_it_lands_on(policy, desk):
    source = desk.open(CHRISTMAS_EVE_17)
    target = desk.open(berlin(2026, 12, 28, 9, 0))
    with desk.at(berlin(2026, 12, 28, 9, 30)):
        services.ticket_merge(
            source=source, target=target, actor=desk.agent, public=True
        )
    desk.reply(source, berlin(2026, 12, 28, 10, 0))

    # The merge's own note is not a reply; the one that followed the merge is.
    assert figures(target)["public_reply_count"] == 1
    assert figures(target)["first_reply_business_minutes"] == 60
    assert figures(source)["public_reply_count"] == 0
    assert figures(source)["resolution_minutes"] is None


def test_the_whole_christmas_story(policy, desk):
    ticket = christmas_story(desk)

    assert figures(ticket) == {
        "first_reply_minutes": 5370.0,
        "first_reply_business_minutes": 150.0,
        "resolution_minutes": 6780.0,
        "resolution_business_minutes": 660.0,
        "public_reply_count": 2,
        "reopen_count": 1,
    }


# --- The backfill -----------------------------------------------------------


def test_the_backfill_gives_what_the_services_gave(policy, desk, admin_user):
    stories = [
        christmas_story(desk),
        desk.open(berlin(2026, 12, 28, 9, 0)),  # new: nothing yet
    ]
    answered = desk.open(berlin(2026, 12, 23, 16, 0))
    desk.reply(answered, berlin(2026, 12, 24, 9, 30))
    desk.reply(answered, berlin(2026, 12, 24, 9, 40), internal=True)
    desk.reply(answered, berlin(2026, 12, 28, 9, 40))
    stories.append(answered)
    closed = desk.open(berlin(2026, 12, 22, 9, 0))
    desk.reply(closed, berlin(2026, 12, 22, 9, 5), status=Status.SOLVED)
    desk.status(closed, berlin(2026, 12, 30, 9, 0), Status.CLOSED, actor=admin_user)
    stories.append(closed)
    SLAPolicy.objects.update(active=False)
    stories.append(desk.open(berlin(2026, 12, 27, 8, 0)))  # no policy
    desk.reply(stories[-1], berlin(2026, 12, 27, 20, 0), status=Status.SOLVED)
    live = {ticket.pk: figures(ticket) for ticket in stories}
    assert live[stories[-1].pk]["resolution_business_minutes"] == 12 * 60

    Ticket.objects.update(
        first_reply_minutes=None,
        first_reply_business_minutes=None,
        resolution_minutes=None,
        resolution_business_minutes=None,
        public_reply_count=0,
        reopen_count=0,
    )
    assert metrics_backfill(batch_size=2) == 4  # the new ticket had nothing

    assert {ticket.pk: figures(ticket) for ticket in stories} == live
    # Again: nothing left to change.
    assert metrics_backfill() == 0


def test_the_backfill_corrects_wrong_figures(policy, desk):
    ticket = christmas_story(desk)
    live = figures(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(
        public_reply_count=7, reopen_count=3, first_reply_business_minutes=1
    )

    assert metrics_backfill() == 1
    assert figures(ticket) == live


def test_the_backfill_command_reruns_it_and_says_how_many(policy, desk):
    ticket = christmas_story(desk)
    live = figures(ticket)
    Ticket.objects.update(resolution_minutes=None, reopen_count=0)
    out = io.StringIO()

    call_command("report_metrics_backfill", stdout=out)

    assert "Updated the report figures of 1 ticket." in out.getvalue()
    assert figures(ticket) == live
    out = io.StringIO()
    call_command("report_metrics_backfill", "--batch-size", "1", stdout=out)
    assert "Updated the report figures of 0 tickets." in out.getvalue()


def test_the_backfill_counts_only_public_replies_by_agents(policy, desk, customer):
    ticket = christmas_story(desk)
    kinds = list(
        ticket.events.filter(
            kind__in=[TicketEvent.Kind.REPLY, TicketEvent.Kind.NOTE]
        ).values_list("kind", "actor")
    )
    # Three customer replies, one note, two agent replies in the history.
    assert kinds.count((TicketEvent.Kind.REPLY, customer.pk)) == 3
    assert kinds.count((TicketEvent.Kind.NOTE, desk.agent.pk)) == 1
    Ticket.objects.update(public_reply_count=0)

    metrics_backfill()

    assert figures(ticket)["public_reply_count"] == 2
