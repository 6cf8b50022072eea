"""Ticket numbers stay unique when many tickets are opened at the same moment."""

import threading

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from tickets import services
from tickets.models import Ticket

THREADS = 12
PER_THREAD = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gets_unique_consecutive_numbers(settings):
    settings.TICKET_NUMBER_START = 1001
    requesters = [UserFactory() for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors = []

    def open_tickets(requester):
        try:
            start.wait()
            for index in range(PER_THREAD):
                services.ticket_create(
                    requester=requester, subject=f"Load {index}", body="Same time"
                )
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_tickets, args=(r,)) for r in requesters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    total = THREADS * PER_THREAD
    assert len(numbers) == total
    assert numbers == list(range(1001, 1001 + total))
    print(f"{connection.vendor}: {total} tickets from {THREADS} threads, no gaps")
