"""Ticket numbers stay unique when many tickets are opened at the same moment."""

import threading

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from tickets import services
from tickets.models import Ticket

from .factories import TicketFactory

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


@pytest.mark.django_db
def test_a_number_taken_by_an_imported_ticket_is_skipped(settings, customer):
    settings.TICKET_NUMBER_START = 7001
    TicketFactory(number=7001)
    TicketFactory(number=7002)
    ticket = services.ticket_create(requester=customer, subject="New", body="Hi")
    assert ticket.number == 7003


@pytest.mark.django_db
def test_a_raised_start_number_applies_from_the_next_ticket(settings, customer):
    settings.TICKET_NUMBER_START = 1001
    first = services.ticket_create(requester=customer, subject="One", body="Hi")
    settings.TICKET_NUMBER_START = 9001
    second = services.ticket_create(requester=customer, subject="Two", body="Hi")
    assert (first.number, second.number) == (1001, 9001)
