"""Satisfaction through the API: agents read it, the requester writes it with
their session or key, or with the survey token."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from tickets.models import SatisfactionRating, Ticket
from tickets.satisfaction_tokens import survey_token_make

from .factories import TicketFactory

pytestmark = pytest.mark.django_db


def post_with_token(payload):
    return Client().post(
        "/api/v1/satisfaction", payload, content_type="application/json"
    )


def test_the_requester_rates_with_their_key_and_agents_read_it(api_as, agent):
    ticket = TicketFactory(solved=True, department=agent.departments.get())
    response = api_as(ticket.requester).post(
        f"/tickets/{ticket.number}/satisfaction",
        {"rating": "bad", "comment": "Slow"},
    )
    assert response.status_code == 200
    assert response.json()["rating"] == "bad"

    staff = api_as(agent)
    body = staff.get(f"/tickets/{ticket.number}/satisfaction").json()
    assert (body["rating"], body["comment"]) == ("bad", "Slow")
    detail = staff.get(f"/tickets/{ticket.number}").json()
    assert detail["satisfaction"]["rating"] == "bad"
    listed = staff.get("/tickets", {"view": "solved", "satisfaction": "bad"}).json()
    assert [row["number"] for row in listed["results"]] == [ticket.number]
    assert (
        staff.get("/tickets", {"view": "solved", "satisfaction": "good"}).json()[
            "results"
        ]
        == []
    )


def test_the_requester_rates_with_their_session(login, customer):
    ticket = TicketFactory(solved=True, requester=customer)
    client = login(customer)
    response = client.post(
        f"/api/v1/tickets/{ticket.number}/satisfaction",
        {"rating": "good"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert SatisfactionRating.objects.get(ticket=ticket).rating == "good"


def test_nobody_else_rates_through_the_api(api_as, agent):
    ticket = TicketFactory(solved=True, department=agent.departments.get())
    path = f"/tickets/{ticket.number}/satisfaction"
    other = api_as(UserFactory()).post(path, {"rating": "bad"})
    assert other.status_code == 404  # someone else's ticket does not exist
    staff = api_as(agent).post(path, {"rating": "good"})
    assert staff.status_code == 403
    assert staff.json()["code"] == "not_the_requester"
    assert api_as(UserFactory()).get(path).status_code == 404
    assert not SatisfactionRating.objects.exists()


def test_an_unsolved_ticket_cannot_be_rated_through_the_api(api_as):
    ticket = TicketFactory(open=True)
    response = api_as(ticket.requester).post(
        f"/tickets/{ticket.number}/satisfaction", {"rating": "good"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_solved"
    assert not SatisfactionRating.objects.exists()


def test_a_bad_value_is_a_400(api_as):
    ticket = TicketFactory(solved=True)
    response = api_as(ticket.requester).post(
        f"/tickets/{ticket.number}/satisfaction", {"rating": "meh"}
    )
    assert response.status_code == 400
    assert "rating" in response.json()["errors"]


def test_the_token_rates_its_own_ticket_without_signing_in():
    ticket = TicketFactory(solved=True)
    token = survey_token_make(ticket)
    response = post_with_token({"token": token, "rating": "good"})
    assert response.status_code == 200
    assert response.json()["ticket"] == ticket.number
    replay = post_with_token({"token": token, "rating": "bad", "comment": "Hm"})
    assert replay.status_code == 200
    rating = SatisfactionRating.objects.get()
    assert (rating.ticket, rating.rated_by, rating.rating) == (
        ticket,
        ticket.requester,
        "bad",
    )


def test_another_tickets_token_tampered_or_expired_is_refused(settings):
    settings.CSAT_TOKEN_MAX_AGE_DAYS = 30
    ticket = TicketFactory(solved=True)
    other = TicketFactory(solved=True, requester=ticket.requester)
    token = survey_token_make(ticket)

    wrong = post_with_token({"token": token, "number": other.number, "rating": "bad"})
    assert wrong.status_code == 404
    assert wrong.json()["code"] == "survey_link_invalid"

    tampered = post_with_token({"token": token[:-2] + "zz", "rating": "bad"})
    assert tampered.status_code == 404

    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        expired = post_with_token({"token": token, "rating": "bad"})
    assert expired.status_code == 410
    assert expired.json()["code"] == "survey_link_expired"

    Ticket.objects.filter(pk=ticket.pk).update(requester=UserFactory())
    moved = post_with_token({"token": token, "rating": "bad"})
    assert moved.status_code == 404
    assert not SatisfactionRating.objects.exists()


def test_the_api_refuses_ratings_when_surveys_are_off(api_as, settings):
    ticket = TicketFactory(solved=True)
    settings.CSAT_ENABLED = False
    token_answer = post_with_token(
        {"token": survey_token_make(ticket), "rating": "good"}
    )
    assert token_answer.status_code == 404
    assert token_answer.json()["code"] == "satisfaction_off"
    session_answer = api_as(ticket.requester).post(
        f"/tickets/{ticket.number}/satisfaction", {"rating": "good"}
    )
    assert session_answer.status_code == 404
    assert not SatisfactionRating.objects.exists()
