"""A backup taken while people keep opening tickets and replying holds one
consistent moment: no message without its ticket, no ticket without its
first message, and as many rows as the manifest says."""

import threading

import pytest
from django.db import connections

from accounts.tests.factories import UserFactory
from helpdesk.backup.service import backup_create, backup_restore
from tickets.models import Message, Ticket, TicketEvent
from tickets.services import message_add, ticket_create

pytestmark = pytest.mark.django_db(transaction=True)


class Writer(threading.Thread):
    """Opens tickets and replies to them until told to stop."""

    def __init__(self, requester):
        super().__init__(daemon=True)
        self.requester = requester
        self.stop = threading.Event()
        self.opened = 0
        self.lock = threading.Condition()
        self.error = None

    def run(self):
        try:
            while not self.stop.is_set():
                ticket = ticket_create(
                    requester=self.requester,
                    subject=f"Busy {self.opened}",
                    body="Help.",
                )
                message_add(ticket=ticket, author=self.requester, body="More details.")
                with self.lock:
                    self.opened += 1
                    self.lock.notify_all()
        except Exception as error:  # reported by the test, not lost in a thread
            self.error = error
        finally:
            connections.close_all()

    def wait_for(self, count: int) -> None:
        with self.lock:
            assert self.lock.wait_for(lambda: self.opened >= count or self.error, 60)


def test_a_backup_during_writes_restores_to_one_consistent_moment(tmp_path):
    requester = UserFactory()
    writer = Writer(requester)
    writer.start()
    writer.wait_for(3)

    def between_models(line: str) -> None:
        # Tickets are read: let three more tickets and their messages be
        # committed before the messages are read. Without one snapshot the
        # archive would hold messages of tickets it does not hold.
        if line.startswith("tickets.ticket:"):
            seen = writer.opened
            writer.wait_for(seen + 3)

    try:
        result = backup_create(output=tmp_path / "busy.tar.gz", progress=between_models)
    finally:
        writer.stop.set()
        writer.join(60)
    assert writer.error is None
    written_meanwhile = (
        Ticket.objects.count() - result.manifest["models"]["tickets.ticket"]["rows"]
    )
    assert written_meanwhile >= 3

    counts = backup_restore(result.path, replace=True)

    for label, entry in result.manifest["models"].items():
        assert counts[label] == entry["rows"], label
    assert Ticket.objects.count() == result.manifest["models"]["tickets.ticket"]["rows"]
    tickets = set(Ticket.objects.values_list("pk", flat=True))
    assert set(Message.objects.values_list("ticket_id", flat=True)) <= tickets
    for ticket in Ticket.objects.all():
        assert ticket.messages.exists(), ticket.reference
        assert TicketEvent.objects.filter(ticket=ticket, kind="created").exists()
