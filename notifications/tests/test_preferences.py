"""Email preferences offer each person the optional emails of their role, and
saving refuses any other."""

import pytest
from django.urls import reverse

from helpdesk.errors import ApplicationError
from notifications.models import Event, NotificationOptOut
from notifications.services import opt_outs_set

pytestmark = pytest.mark.django_db

URL = reverse("notifications:preferences")
AGENT_LABELS = [
    "New tickets in my queues",
    "Customer replies on tickets I own",
    "Tickets assigned to me",
    "Tickets I own that are about to miss an SLA target",
    "Tickets I own that missed an SLA target",
]
CUSTOMER_LABELS = [
    "A confirmation when I open a request",
    "When my request is marked solved",
    "When my request is closed",
]
AGENT_EVENTS = {
    Event.TICKET_CREATED,
    Event.CUSTOMER_REPLY,
    Event.TICKET_ASSIGNED,
    Event.SLA_WARNING,
    Event.SLA_BREACH,
}
CUSTOMER_EVENTS = {Event.TICKET_CREATED, Event.TICKET_SOLVED, Event.TICKET_CLOSED}


def opt_outs(user) -> set[str]:
    return set(
        NotificationOptOut.objects.filter(user=user).values_list("event", flat=True)
    )


@pytest.mark.parametrize("who", ["agent", "admin_user"])
def test_agents_see_only_agent_emails(who, login, request):
    page = login(request.getfixturevalue(who)).get(URL).content.decode()
    for label in AGENT_LABELS:
        assert label in page
    for label in CUSTOMER_LABELS:
        assert label not in page
    assert "Our replies to your requests" not in page


def test_customers_see_only_customer_emails(login, customer):
    page = login(customer).get(URL).content.decode()
    for label in CUSTOMER_LABELS:
        assert label in page
    for label in AGENT_LABELS:
        assert label not in page


def test_an_agent_turns_off_agent_emails_only(login, agent):
    response = login(agent).post(URL, {"receive": [Event.TICKET_ASSIGNED]})
    assert response.status_code == 302
    assert opt_outs(agent) == AGENT_EVENTS - {Event.TICKET_ASSIGNED}


def test_a_customer_turns_off_customer_emails_only(login, customer):
    response = login(customer).post(URL, {"receive": []})
    assert response.status_code == 302
    assert opt_outs(customer) == CUSTOMER_EVENTS


@pytest.mark.parametrize(
    ("who", "foreign"),
    [
        ("agent", Event.TICKET_SOLVED),
        ("agent", Event.AGENT_REPLY),
        ("customer", Event.CUSTOMER_REPLY),
        ("customer", Event.SLA_BREACH),
    ],
)
def test_posting_another_roles_email_is_refused(who, foreign, login, request):
    user = request.getfixturevalue(who)
    NotificationOptOut.objects.create(user=user, event=Event.TICKET_CREATED)
    response = login(user).post(URL, {"receive": [foreign]})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert opt_outs(user) == {Event.TICKET_CREATED}


@pytest.mark.parametrize(
    ("who", "foreign"),
    [("agent", Event.TICKET_CLOSED), ("customer", Event.TICKET_ASSIGNED)],
)
def test_the_service_refuses_another_roles_email(who, foreign, request):
    user = request.getfixturevalue(who)
    with pytest.raises(ApplicationError, match="Not an email you can turn off"):
        opt_outs_set(user=user, events={foreign, Event.TICKET_CREATED})
    assert opt_outs(user) == set()


def test_opt_outs_from_an_earlier_role_stay_hidden_and_kept(login, customer):
    NotificationOptOut.objects.create(user=customer, event=Event.TICKET_SOLVED)
    customer.role = customer.Role.AGENT
    customer.save()
    client = login(customer)
    assert "When my request is marked solved" not in client.get(URL).content.decode()

    client.post(URL, {"receive": list(AGENT_EVENTS)})
    assert opt_outs(customer) == {Event.TICKET_SOLVED}
