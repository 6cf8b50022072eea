"""Faults found by attacking customer satisfaction: the same rating sent
twice at once (a double click, a replayed link, two tabs) recorded its event,
and so its "bad rating" email, twice, or was refused as a conflict."""

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import EmailLog
from tickets.models import SatisfactionRating, Ticket, TicketEvent
from tickets.satisfaction_tokens import survey_token_make
from tickets.services import satisfaction as service
from tickets.services.satisfaction import satisfaction_rate

from .factories import TicketFactory

pytestmark = pytest.mark.django_db


class _RatedMeanwhile:
    """Stands in for SatisfactionRating in the service: the first time the
    service reads a ticket's rating, another request rates the ticket just
    after that read, so the service goes on with a stale row, as when two
    requests run at once."""

    def __init__(self, meanwhile):
        self.meanwhile = meanwhile
        self.pending = True

    def __getattr__(self, name):
        return getattr(SatisfactionRating, name)

    def __call__(self, *args, **kwargs):
        return SatisfactionRating(*args, **kwargs)

    @property
    def objects(self):
        proxy = self

        class Manager:
            def __getattr__(self, name):
                return getattr(SatisfactionRating.objects, name)

            def filter(self, *args, **kwargs):
                queryset = SatisfactionRating.objects.filter(*args, **kwargs)
                if not (proxy.pending and set(kwargs) == {"ticket"}):
                    return queryset

                class Stale:
                    def first(self):
                        row = queryset.first()
                        proxy.pending = False
                        proxy.meanwhile()
                        return row

                return Stale()

        return Manager()


def rated_meanwhile(monkeypatch, meanwhile):
    monkeypatch.setattr(service, "SatisfactionRating", _RatedMeanwhile(meanwhile))


def satisfaction_events(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.SATISFACTION)
        .order_by("created_at", "pk")
        .values_list("old_value", "new_value")
    )


def test_the_same_change_sent_twice_at_once_is_one_event(monkeypatch):
    ticket = TicketFactory(solved=True)
    requester = ticket.requester
    satisfaction_rate(ticket=ticket, actor=requester, rating="good")
    rated_meanwhile(
        monkeypatch,
        lambda: satisfaction_rate(ticket=ticket, actor=requester, rating="bad"),
    )

    satisfaction_rate(ticket=ticket, actor=requester, rating="bad")

    assert satisfaction_events(ticket) == [("", "good"), ("good", "bad")]
    assert SatisfactionRating.objects.get(ticket=ticket).rating == "bad"


def test_the_first_rating_sent_twice_at_once_is_one_rating_and_one_event(
    monkeypatch,
):
    ticket = TicketFactory(solved=True)
    requester = ticket.requester
    rated_meanwhile(
        monkeypatch,
        lambda: satisfaction_rate(ticket=ticket, actor=requester, rating="bad"),
    )

    # The second request is not refused: the rating it asked for is there.
    rating = satisfaction_rate(
        ticket=ticket, actor=requester, rating="bad", comment="Slow"
    )

    assert (rating.rating, rating.comment) == ("bad", "Slow")
    assert satisfaction_events(ticket) == [("", "bad")]


def test_a_double_click_on_the_emailed_bad_link_emails_the_owner_once(
    agent, monkeypatch, django_capture_on_commit_callbacks
):
    ticket = TicketFactory(
        status=Ticket.Status.SOLVED,
        department=agent.departments.get(),
        assignee=agent,
    )
    url = reverse("tickets:survey", kwargs={"token": survey_token_make(ticket)})
    requester = ticket.requester
    with django_capture_on_commit_callbacks(execute=True):
        satisfaction_rate(ticket=ticket, actor=requester, rating="good")
        rated_meanwhile(
            monkeypatch,
            lambda: satisfaction_rate(ticket=ticket, actor=requester, rating="bad"),
        )
        response = Client().post(url, {"rating": "bad"})

    assert response.status_code == 302
    assert EmailLog.objects.filter(template_key="satisfaction_bad_staff").count() == 1
