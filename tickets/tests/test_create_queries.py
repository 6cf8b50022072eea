"""Opening a ticket costs at most 20 queries on the request path.

Measured as production runs it: tasks are not eager, so the after-commit
hook hands the create's events to the broker (the tests' filesystem broker)
in one task instead of telling every listener in the request. Each test also
checks that the work really happened or was really queued (the ticket, its
first message, its SLA clocks, one ``events_announce`` task naming every
event it recorded), so a create that did nothing could not pass.
"""

import pytest
from celery import current_app
from celery.app.task import Task
from django.urls import reverse

from accounts.tests.factories import UserFactory
from tickets.models import Message, Ticket, TicketEvent

from .test_sla import policy  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

MAX_QUERIES = 20


@pytest.fixture
def queued(monkeypatch):
    """Tasks go to the broker as in production; returns the names and
    arguments of every task sent, in order."""
    sent: list[tuple[str, tuple]] = []
    original = Task.apply_async

    def spy(self, args=None, kwargs=None, **options):
        sent.append((self.name, tuple(args or ())))
        return original(self, args, kwargs, **options)

    monkeypatch.setattr(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(Task, "apply_async", spy)
    return sent


def assert_opened(ticket: Ticket, body: str, queued: list) -> None:
    """The ticket, its first message, its SLA clocks and the worker's share."""
    assert Message.objects.get(ticket=ticket).body == body
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.CREATED
    ).exists()
    assert ticket.sla_policy_id is not None
    assert ticket.first_response_due_at is not None
    assert ticket.resolution_due_at is not None
    event_ids = {
        str(pk)
        for pk in TicketEvent.objects.filter(ticket=ticket).values_list("pk", flat=True)
    }
    announced = [
        set(args[0]) for name, args in queued if name == "tickets.tasks.events_announce"
    ]
    # One broker round trip per create, announcing every event it recorded.
    assert announced == [event_ids]


def post_counted(client, url, data, django_assert_max_num_queries, capture, queued):
    """The queries of a repeat create: the first one in a process also loads
    the SLA calendar and, on a fresh database, makes the number counter.
    Returns the response and the ticket it opened."""
    with capture(execute=True):
        assert client.post(url, {**data, "subject": "Warm-up"}).status_code == 302
    queued.clear()
    with (
        django_assert_max_num_queries(MAX_QUERIES),
        capture(execute=True),
    ):
        response = client.post(url, data)
    return response, Ticket.objects.exclude(subject="Warm-up").get()


def test_agent_form_create_is_cheap(
    login,
    agent,
    policy,  # noqa: F811
    queued,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    client = login(agent)
    client.get(reverse("tickets:agent_new"))
    response, ticket = post_counted(
        client,
        reverse("tickets:agent_new"),
        {
            "requester_email": "new.customer@example.com",
            "requester_name": "New Customer",
            "subject": "Printer on fire",
            "body": "Smoke everywhere",
            "priority": Ticket.Priority.HIGH,
        },
        django_assert_max_num_queries,
        django_capture_on_commit_callbacks,
        queued,
    )
    assert response.status_code == 302
    assert response.url == ticket.get_agent_url()
    assert ticket.requester.email == "new.customer@example.com"
    assert ticket.channel == Ticket.Channel.AGENT
    assert_opened(ticket, "Smoke everywhere", queued)


def test_agent_form_create_for_a_known_customer_is_cheap(
    login,
    agent,
    customer,
    policy,  # noqa: F811
    queued,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    client = login(agent)
    response, ticket = post_counted(
        client,
        reverse("tickets:agent_new"),
        {
            "requester_email": customer.email,
            "subject": "VPN down",
            "body": "Since this morning",
            "priority": Ticket.Priority.NORMAL,
            "assign_to_me": "on",
        },
        django_assert_max_num_queries,
        django_capture_on_commit_callbacks,
        queued,
    )
    assert response.status_code == 302
    assert ticket.requester == customer
    assert ticket.assignee == agent
    assert_opened(ticket, "Since this morning", queued)


def test_portal_create_is_cheap(
    login,
    customer,
    policy,  # noqa: F811
    queued,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    client = login(customer)
    client.get(reverse("tickets:portal_new"))
    response, ticket = post_counted(
        client,
        reverse("tickets:portal_new"),
        {"subject": "Cannot print", "body": "Nothing comes out"},
        django_assert_max_num_queries,
        django_capture_on_commit_callbacks,
        queued,
    )
    assert response.status_code == 302
    assert response.url == ticket.get_absolute_url()
    assert ticket.requester == customer
    assert_opened(ticket, "Nothing comes out", queued)


def test_api_create_is_cheap(
    api_as,
    policy,  # noqa: F811
    queued,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    api = api_as(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            api.post("/tickets", {"subject": "Warm-up", "body": "-"}).status_code == 201
        )
    queued.clear()
    with (
        django_assert_max_num_queries(MAX_QUERIES),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(
            "/tickets", {"subject": "Cannot print", "body": "Nothing comes out"}
        )
    assert response.status_code == 201
    ticket = Ticket.objects.exclude(subject="Warm-up").get()
    assert ticket.channel == Ticket.Channel.API
    assert_opened(ticket, "Nothing comes out", queued)


def test_the_queued_work_sends_the_acknowledgement(
    login,
    customer,
    policy,  # noqa: F811
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """With eager tasks (the worker's work done in-process), the same create
    ends in the requester's acknowledgement and the agents' notice: moving
    the work to the worker lost none of it."""
    with django_capture_on_commit_callbacks(execute=True):
        response = login(customer).post(
            reverse("tickets:portal_new"),
            {"subject": "Cannot print", "body": "Nothing comes out"},
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert any(customer.email in mail.to for mail in mailoutbox)
    assert all(f"[{ticket.reference}]" in mail.subject for mail in mailoutbox)
