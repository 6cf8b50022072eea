"""Stuck messages are finished oldest first, by when they arrived.

Ids are opaque (ObjectIds on MongoDB are not a counter): their order is not
the order of arrival, so the batch is chosen by ``received_at``.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import InboundEmail
from integrations.services import inbound_store
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def raw(subject: str, message_id: str) -> bytes:
    return (
        f"From: Pat <pat@customer.example>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}@x>\r\n\r\nHi\r\n"
    ).encode()


def test_the_oldest_stuck_message_is_processed_first(monkeypatch, department):
    monkeypatch.setattr(tasks, "STUCK_BATCH", 1)
    now = timezone.now()
    newer = inbound_store(raw=raw("Newer", "n1"), source=InboundEmail.Source.PIPE)
    older = inbound_store(raw=raw("Older", "o1"), source=InboundEmail.Source.PIPE)
    InboundEmail.objects.filter(pk=newer.pk).update(
        received_at=now - timedelta(minutes=11)
    )
    InboundEmail.objects.filter(pk=older.pk).update(
        received_at=now - timedelta(hours=3)
    )
    assert tasks.process_stuck_inbound() == 1
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["Older"]
    assert tasks.process_stuck_inbound() == 1
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Newer",
        "Older",
    ]
