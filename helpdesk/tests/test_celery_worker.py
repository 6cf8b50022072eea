"""A real Celery worker, over a real Redis, writing to the test database."""

from datetime import timedelta

from celery.result import EagerResult
from django.conf import settings
from django.utils import timezone

from tickets.models import Ticket
from tickets.tasks import close_solved_tickets
from tickets.tests.factories import TicketFactory


def test_real_worker_runs_a_task_against_the_test_database(start_worker):
    start_worker()
    old = timezone.now() - timedelta(days=settings.TICKET_AUTO_CLOSE_DAYS + 1)
    ticket = TicketFactory(solved=True, solved_at=old)

    result = close_solved_tickets.apply_async(queue=start_worker.queue)

    assert result.get(timeout=60) == 1
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    assert ticket.events.get().actor is None
    # It ran in the worker process, not eagerly in this one.
    assert not isinstance(result, EagerResult)
