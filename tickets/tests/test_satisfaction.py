"""Customer satisfaction: who may rate what, when, and how (service, survey
links, portal, agent pages)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from helpdesk.errors import PermissionDeniedError
from organizations.tests.factories import OrganizationFactory
from tickets.models import SatisfactionRating, Ticket, TicketEvent
from tickets.satisfaction_tokens import survey_token_make
from tickets.services.satisfaction import (
    SatisfactionClosed,
    SurveysOff,
    satisfaction_rate,
)

from .factories import TicketFactory

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind


def survey_url(ticket, **query) -> str:
    url = reverse("tickets:survey", kwargs={"token": survey_token_make(ticket)})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def satisfaction_events(ticket) -> list[tuple[str, str]]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=Kind.SATISFACTION)
        .order_by("created_at", "pk")
        .values_list("old_value", "new_value")
    )


# --- The service --------------------------------------------------------------


def test_the_requester_rates_changes_and_each_change_is_an_event():
    ticket = TicketFactory(solved=True)
    requester = ticket.requester

    satisfaction_rate(ticket=ticket, actor=requester, rating="good")
    satisfaction_rate(ticket=ticket, actor=requester, rating="good", comment="Quick")
    satisfaction_rate(ticket=ticket, actor=requester, rating="bad")

    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.rating, rating.comment, rating.rated_by) == (
        "bad",
        "Quick",
        requester,
    )
    # The repeat of "good" (with a comment) changed no rating: no event.
    assert satisfaction_events(ticket) == [("", "good"), ("good", "bad")]


@pytest.mark.parametrize("status", ["new", "open", "pending", "on_hold"])
def test_an_unsolved_ticket_cannot_be_rated(status):
    ticket = TicketFactory(status=status)
    with pytest.raises(SatisfactionClosed):
        satisfaction_rate(ticket=ticket, actor=ticket.requester, rating="good")
    assert not SatisfactionRating.objects.exists()
    assert satisfaction_events(ticket) == []


def test_agents_and_other_people_cannot_rate(agent):
    ticket = TicketFactory(solved=True, department=agent.departments.get())
    own_ticket = TicketFactory(solved=True, requester=agent)
    for actor, target in [
        (agent, ticket),
        (UserFactory(), ticket),
        (agent, own_ticket),
    ]:
        with pytest.raises(PermissionDeniedError):
            satisfaction_rate(ticket=target, actor=actor, rating="bad")
    assert not SatisfactionRating.objects.exists()


def test_the_rating_can_change_until_the_ticket_has_been_closed_for_the_window(
    settings,
):
    settings.CSAT_TOKEN_MAX_AGE_DAYS = 30
    now = timezone.now()
    ticket = TicketFactory(closed=True, closed_at=now - timedelta(days=29))
    satisfaction_rate(ticket=ticket, actor=ticket.requester, rating="good")
    with (
        time_machine.travel(now + timedelta(days=2), tick=False),
        pytest.raises(SatisfactionClosed),
    ):
        satisfaction_rate(ticket=ticket, actor=ticket.requester, rating="bad")
    assert SatisfactionRating.objects.get(ticket=ticket).rating == "good"


def test_surveys_off_refuses_ratings(settings):
    settings.CSAT_ENABLED = False
    ticket = TicketFactory(solved=True)
    with pytest.raises(SurveysOff):
        satisfaction_rate(ticket=ticket, actor=ticket.requester, rating="good")


# --- The survey link ------------------------------------------------------------


def test_opening_the_link_preselects_and_records_nothing(client):
    ticket = TicketFactory(solved=True)
    response = client.get(survey_url(ticket, rating="bad"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "How would you rate the support you received?" in page
    assert 'value="bad" autocomplete="off" required checked' in page
    assert " data-autosubmit>" in page  # the script sends it, by POST
    assert "js/satisfaction.js" in page
    assert not SatisfactionRating.objects.exists()  # GET never writes


def test_the_link_rates_then_takes_a_comment_and_says_until_when(client):
    ticket = TicketFactory(solved=True)
    url = survey_url(ticket)
    response = client.post(url, {"rating": "good"})
    assert response.status_code == 302
    assert SatisfactionRating.objects.get(ticket=ticket).rating == "good"

    page = client.get(url + "?rating=good").content.decode()
    assert "You rated our support" in page
    assert " data-autosubmit>" not in page  # already the rating: nothing to send
    assert "You can change your rating until" in page

    client.post(url, {"rating": "good", "comment": "Thanks, Alex!"})
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.rating, rating.comment) == ("good", "Thanks, Alex!")
    assert satisfaction_events(ticket) == [("", "good")]


def test_a_tampered_link_is_refused_with_a_page(client):
    ticket = TicketFactory(solved=True)
    token = survey_token_make(ticket)
    for bad in [token[:-3] + "abc", token + "x", "nonsense", token.replace(":", "")]:
        response = client.post(
            reverse("tickets:survey", kwargs={"token": bad}), {"rating": "bad"}
        )
        assert response.status_code == 404
        assert "This survey link is not valid" in response.content.decode()
    assert not SatisfactionRating.objects.exists()


def test_an_expired_link_is_refused(client, settings):
    settings.CSAT_TOKEN_MAX_AGE_DAYS = 30
    ticket = TicketFactory(solved=True)
    url = survey_url(ticket)
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        response = client.post(url, {"rating": "bad"})
    assert response.status_code == 410
    assert "This survey link has expired" in response.content.decode()
    assert not SatisfactionRating.objects.exists()


def test_a_link_rates_only_its_own_ticket_for_its_own_requester(client):
    """Replayed, the link changes only the rating it made; another ticket of
    the same requester and other people's tickets are untouched."""
    ticket = TicketFactory(solved=True)
    sibling = TicketFactory(solved=True, requester=ticket.requester)
    stranger = TicketFactory(solved=True)
    url = survey_url(ticket)
    client.post(url, {"rating": "good"})
    client.post(url, {"rating": "bad"})
    client.post(url, {"rating": "bad"})
    assert list(SatisfactionRating.objects.values_list("ticket", "rating")) == [
        (ticket.pk, "bad")
    ]
    assert SatisfactionRating.objects.get().rated_by == ticket.requester
    assert satisfaction_events(sibling) == satisfaction_events(stranger) == []


def test_a_replayed_link_is_refused_after_the_window(client, settings):
    """The link is still within its own age, but the ticket has been closed
    for the whole window: the rating stays as it was."""
    settings.CSAT_TOKEN_MAX_AGE_DAYS = 30
    now = timezone.now()
    ticket = TicketFactory(closed=True, closed_at=now - timedelta(days=29))
    url = survey_url(ticket)
    assert client.post(url, {"rating": "good"}).status_code == 302
    with time_machine.travel(now + timedelta(days=2), tick=False):
        response = client.post(url, {"rating": "bad"})
    assert response.status_code == 409
    assert "closed too long ago" in response.content.decode()
    assert SatisfactionRating.objects.get().rating == "good"


def test_a_link_stops_working_when_the_ticket_gets_another_requester(client):
    ticket = TicketFactory(solved=True)
    url = survey_url(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(requester=UserFactory())
    response = client.post(url, {"rating": "bad"})
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert not SatisfactionRating.objects.exists()


def test_a_link_cannot_rate_an_unsolved_ticket(client):
    ticket = TicketFactory(open=True)
    opened = client.get(survey_url(ticket, rating="good"))
    assert opened.status_code == 409  # said at once, with nothing to send
    assert " data-autosubmit>" not in opened.content.decode()
    assert "This one is open." in opened.content.decode()
    response = client.post(survey_url(ticket), {"rating": "good"})
    assert response.status_code == 409
    assert "Only solved requests can be rated" in response.content.decode()
    assert not SatisfactionRating.objects.exists()


def test_survey_pages_say_surveys_are_off(client, settings):
    ticket = TicketFactory(solved=True)
    url = survey_url(ticket, rating="good")
    settings.CSAT_ENABLED = False
    for response in (client.get(url), client.post(url, {"rating": "good"})):
        assert response.status_code == 404
        assert "Satisfaction surveys are turned off." in response.content.decode()
    assert not SatisfactionRating.objects.exists()


# --- The portal -------------------------------------------------------------------


def test_the_portal_offers_the_choice_on_a_solved_request(login, customer):
    ticket = TicketFactory(solved=True, requester=customer)
    client = login(customer)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "How would you rate the support you received?" in page
    response = client.post(
        reverse("tickets:portal_satisfaction", args=[ticket.number]),
        {"rating": "bad", "comment": "Took a week"},
    )
    assert response.status_code == 302
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.rating, rating.comment) == ("bad", "Took a week")
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "You rated it" in page and "Took a week" in page


def test_the_portal_offers_no_choice_on_an_open_request(login, customer):
    ticket = TicketFactory(open=True, requester=customer)
    client = login(customer)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "How would you rate" not in page
    client.post(
        reverse("tickets:portal_satisfaction", args=[ticket.number]),
        {"rating": "good"},
    )
    assert not SatisfactionRating.objects.exists()


def test_a_customer_cannot_rate_someone_elses_request(login, customer):
    ticket = TicketFactory(solved=True)
    response = login(customer).post(
        reverse("tickets:portal_satisfaction", args=[ticket.number]),
        {"rating": "bad"},
    )
    assert response.status_code == 404
    assert not SatisfactionRating.objects.exists()


def test_a_colleague_sees_no_choice_and_cannot_rate(login):
    organization = OrganizationFactory(share_tickets=True)
    requester = UserFactory(organization=organization)
    colleague = UserFactory(organization=organization)
    ticket = TicketFactory(solved=True, requester=requester)
    client = login(colleague)
    assert (
        "How would you rate"
        not in client.get(ticket.get_absolute_url()).content.decode()
    )
    response = client.post(
        reverse("tickets:portal_satisfaction", args=[ticket.number]),
        {"rating": "bad"},
    )
    assert response.status_code == 403
    assert not SatisfactionRating.objects.exists()


def test_an_agent_cannot_rate_through_the_portal(login, agent):
    ticket = TicketFactory(solved=True, department=agent.departments.get())
    response = login(agent).post(
        reverse("tickets:portal_satisfaction", args=[ticket.number]),
        {"rating": "good"},
    )
    assert response.status_code == 403
    assert not SatisfactionRating.objects.exists()


def test_the_portal_shows_no_choice_when_surveys_are_off(login, customer, settings):
    settings.CSAT_ENABLED = False
    ticket = TicketFactory(solved=True, requester=customer)
    page = login(customer).get(ticket.get_absolute_url()).content.decode()
    assert "How would you rate" not in page


# --- Agents see it ----------------------------------------------------------------


def rate(ticket, rating, comment=""):
    return SatisfactionRating.objects.create(
        ticket=ticket, rated_by=ticket.requester, rating=rating, comment=comment
    )


def test_agents_see_the_rating_and_comment_on_the_ticket(login, agent, settings):
    ticket = TicketFactory(solved=True, department=agent.departments.get())
    rate(ticket, "bad", "Nobody called back")
    settings.CSAT_ENABLED = False  # existing ratings stay visible
    page = login(agent).get(ticket.get_agent_url()).content.decode()
    assert "Customer satisfaction" in page
    assert "Bad" in page and "Nobody called back" in page


def test_the_list_filters_and_shows_ratings_in_words(login, agent):
    department = agent.departments.get()
    good = TicketFactory(solved=True, department=department, subject="Printer fixed")
    bad = TicketFactory(solved=True, department=department, subject="Still broken")
    unrated = TicketFactory(solved=True, department=department, subject="No answer")
    rate(good, "good")
    rate(bad, "bad")
    client = login(agent)
    url = reverse("tickets:agent_list") + "?view=solved"

    def subjects(choice):
        page = client.get(f"{url}&satisfaction={choice}").content.decode()
        return {t.subject for t in (good, bad, unrated) if t.subject in page}, page

    assert subjects("good")[0] == {"Printer fixed"}
    assert subjects("bad")[0] == {"Still broken"}
    assert subjects("unrated")[0] == {"No answer"}
    everything, page = subjects("")
    assert everything == {"Printer fixed", "Still broken", "No answer"}
    assert ">Satisfaction</th>" in page
    assert "</span> Good</span>" in page and "</span> Bad</span>" in page
    assert "Not rated" in page


def test_the_list_with_ratings_is_flat(login, agent, django_assert_max_num_queries):
    department = agent.departments.get()
    client = login(agent)
    url = reverse("tickets:agent_list") + "?view=solved&per_page=100"

    def grow(n):
        for index in range(n):
            ticket = TicketFactory(solved=True, department=department)
            if index % 3:
                rate(ticket, "good" if index % 2 else "bad")

    def queries():
        client.get(url)
        with django_assert_max_num_queries(40) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    grow(4)
    few = queries()
    grow(30)
    assert queries() == few


def test_the_timeline_says_who_rated(login, agent):
    ticket = TicketFactory(solved=True, department=agent.departments.get())
    satisfaction_rate(ticket=ticket, actor=ticket.requester, rating="good")
    page = login(agent).get(ticket.get_agent_url()).content.decode()
    assert "rated the support good" in page
