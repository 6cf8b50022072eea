"""A listener that fails after commit is logged; the change it followed stands.

Events are announced in ``robust`` on-commit hooks. Django logs a robust
hook's failure by the hook's ``__qualname__``; a hook without one (a bare
``functools.partial``) turned every such failure into a 500. The events of a
request reach their listeners in one task (``tickets.tasks.events_announce``),
which logs a failing listener and still tells the others.
"""

import logging

import pytest
from django.urls import reverse

from tickets.models import Ticket, TicketEvent
from tickets.services.sla_sweep import sla_sweep
from tickets.signals import ticket_events_recorded

from .office import berlin
from .test_sla import policy, started  # noqa: F401 (fixture)


class ListenerDown(Exception):
    pass


@pytest.fixture
def failing_listener():
    """Connect a listener to the ticket events signal that always raises."""

    def listener(**kwargs):
        raise ListenerDown("the mail relay is down")

    ticket_events_recorded.connect(listener, dispatch_uid="test-failing-bulk")
    yield
    ticket_events_recorded.disconnect(dispatch_uid="test-failing-bulk")


def failures_logged(caplog) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name.startswith("django.")
        and record.levelno == logging.ERROR
        and record.exc_info
        and isinstance(record.exc_info[1], ListenerDown)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_failing_listener_is_logged_and_the_new_request_still_succeeds(
    failing_listener, login, customer, caplog
):
    caplog.set_level(logging.ERROR)
    response = login(customer).post(
        reverse("tickets:portal_new"),
        {"subject": "Cannot print", "body": "Nothing comes out"},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == ticket.get_absolute_url()
    assert TicketEvent.objects.filter(ticket=ticket).exists()
    # The listeners hear of a create in the worker's task (eager here), which
    # sends to each robustly: Django logs the failing one, the others hear.
    [record] = failures_logged(caplog)
    assert "send_robust" in record.getMessage()


@pytest.mark.django_db
def test_a_failing_listener_of_the_sla_sweep_is_logged_and_the_sweep_counts(
    failing_listener,
    policy,  # noqa: F811
    django_capture_on_commit_callbacks,
    caplog,
):
    caplog.set_level(logging.ERROR)
    ticket = started(berlin(2026, 11, 30, 9, 0))
    # Opening the ticket ran its own hooks already where the test is not one
    # transaction (MongoDB): only the sweep's are looked at.
    caplog.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = sla_sweep(now=berlin(2026, 11, 30, 10, 30))
    assert result.breaches == 1
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.SLA_BREACHED
    ).exists()
    [record] = failures_logged(caplog)
    assert "ticket_events_recorded" in record.getMessage()
