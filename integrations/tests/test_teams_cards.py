"""The Adaptive Cards the automation rules post to Teams."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from integrations.teams.cards import (
    ADAPTIVE_CARD_CONTENT_TYPE,
    adaptive_message,
    card_for_notice,
    markdown_literal,
    sla_state,
    ticket_card,
)
from notifications.models import Event
from notifications.services import TicketNotice
from organizations.tests.factories import TeamFactory
from tickets.models import SatisfactionRating, SLAPolicy, SLATarget, TicketEvent
from tickets.services import sla
from tickets.tests.factories import TicketFactory
from tickets.tests.office import office_calendar

pytestmark = pytest.mark.django_db


def facts(card: dict) -> dict[str, str]:
    factset = next(item for item in card["body"] if item["type"] == "FactSet")
    return {fact["title"]: fact["value"] for fact in factset["facts"]}


def texts(card: dict) -> list[str]:
    return [item["text"] for item in card["body"] if item["type"] == "TextBlock"]


@pytest.fixture
def round_the_clock(db):
    """A 24/7 policy: urgent first response in 60 minutes, warned 30 before."""
    calendar = office_calendar()
    calendar.hours.all().delete()
    from datetime import time

    from tickets.models import BusinessHours

    for day in range(7):
        BusinessHours.objects.create(
            calendar=calendar, weekday=day, start=time(0), end=time(23, 59)
        )
    policy = SLAPolicy.objects.create(
        name="24/7", calendar=calendar, is_default=True, warn_before_minutes=30
    )
    SLATarget.objects.create(
        policy=policy,
        priority="urgent",
        first_response_minutes=60,
        next_response_minutes=60,
        resolution_minutes=600,
    )
    return policy


def test_a_ticket_card_shows_the_ticket_and_links_to_it(settings, department):
    settings.SITE_URL = "https://help.example.com"
    team = TeamFactory(department=department, name="Printers")
    assignee = UserFactory(role="agent", full_name="Bo Agent")
    ticket = TicketFactory(
        number=1042,
        subject="Printer on fire",
        priority="urgent",
        requester=UserFactory(full_name="Ann Lee", email="ann@example.com"),
        department=department,
        team=team,
        assignee=assignee,
    )

    card = ticket_card(ticket=ticket, headline="New urgent ticket", detail="Smoke!")

    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert texts(card) == ["New urgent ticket", "#1042 Printer on fire", "Smoke!"]
    assert facts(card) == {
        "Requester": "Ann Lee (ann@example.com)",
        "Priority": "Urgent",
        "Status": "New",
        "SLA": "none",
        "Assignee": "Bo Agent",
        "Department/Team": f"{department.name} / Printers",
    }
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open ticket",
            "url": "https://help.example.com/agent/tickets/1042/",
        }
    ]
    message = adaptive_message(card)
    assert message["attachments"][0]["contentType"] == ADAPTIVE_CARD_CONTENT_TYPE
    assert message["attachments"][0]["content"] is card


def test_an_unassigned_ticket_says_so_and_a_long_detail_is_cut():
    ticket = TicketFactory(assignee=None, team=None, department=None)

    card = ticket_card(ticket=ticket, headline="Rated Bad", detail="x" * 2000)

    assert facts(card)["Assignee"] == "Unassigned"
    assert facts(card)["Department/Team"] == "None"
    assert len(texts(card)[-1]) == 500
    assert texts(card)[-1].endswith("…")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("[click](http://evil)", "\\[click\\](http://evil)"),
        ("**x**", "\\*\\*x\\*\\*"),
        ("_x_ `code` ~~gone~~", "\\_x\\_ \\`code\\` \\~\\~gone\\~\\~"),
        ("<b>bold</b> &amp;", "\\<b\\>bold\\</b\\> \\&amp;"),
        ("a\\b", "a\\\\b"),
    ],
)
def test_markdown_in_what_people_typed_is_shown_literally(typed, shown):
    assert markdown_literal(typed) == shown


def test_line_markers_in_a_comment_are_no_list_or_heading():
    assert markdown_literal("- one\n2. two\n# three", one_line=False) == (
        "\\- one\n2\\. two\n\\# three"
    )
    assert markdown_literal("first\nsecond") == "first second"


def test_a_subject_and_name_with_markdown_show_literally_on_the_card():
    ticket = TicketFactory(
        number=7,
        subject="[click](http://evil) **now**",
        requester=UserFactory(full_name="[Boss](http://evil)"),
    )

    card = ticket_card(ticket=ticket, headline="New urgent ticket")

    assert texts(card)[1] == "#7 \\[click\\](http://evil) \\*\\*now\\*\\*"
    assert facts(card)["Requester"].startswith("\\[Boss\\](http://evil)")
    assert "](" not in "".join(texts(card)).replace("\\](", "")


def test_sla_states_on_track_at_risk_breached_paused(round_the_clock):
    now = timezone.now()
    ticket = TicketFactory(priority="urgent", created_at=now)
    ticket.save(update_fields=sla.sla_start(ticket=ticket))
    ticket.refresh_from_db()

    assert sla_state(ticket, now)[0] == "on track"
    assert sla_state(ticket, now + timedelta(minutes=35))[0] == "at risk"
    state, phrase = sla_state(ticket, now + timedelta(minutes=61))
    assert state == "breached"
    assert phrase.startswith("breached: first response was due ")
    assert "due " in sla_state(ticket, now)[1]

    ticket.first_response_at = now
    ticket.sla_paused_since = now
    ticket.status = "pending"
    assert sla_state(ticket, now)[0] == "paused"
    ticket.status = "solved"
    assert sla_state(ticket, now)[0] == "none"


def test_notice_cards_choose_their_headline(round_the_clock):
    ticket = TicketFactory(priority="urgent")
    ticket.save(update_fields=sla.sla_start(ticket=ticket))
    ticket.refresh_from_db()

    created = card_for_notice(
        TicketNotice(
            event=Event.TICKET_CREATED, ticket=ticket, message=None, actor=None
        )
    )
    assert texts(created)[0] == "New urgent ticket"
    assert facts(created)["SLA"].startswith("on track: first response due ")

    warning = TicketEvent(
        ticket=ticket,
        kind=TicketEvent.Kind.SLA_WARNING,
        old_value=ticket.first_response_due_at.isoformat(),
        new_value="first response",
    )
    card = card_for_notice(
        TicketNotice(event=Event.SLA_WARNING, ticket=ticket, message=None, actor=None),
        ticket_event=warning,
    )
    assert texts(card)[0].startswith("SLA target at risk: first response due ")

    SatisfactionRating.objects.create(
        ticket=ticket,
        rated_by=ticket.requester,
        rating="bad",
        comment="Nobody **answered**",
    )
    rated = card_for_notice(
        TicketNotice(
            event=Event.SATISFACTION_BAD, ticket=ticket, message=None, actor=None
        )
    )
    assert texts(rated)[0] == "Rated Bad"
    assert texts(rated)[-1] == "Nobody \\*\\*answered\\*\\*"
