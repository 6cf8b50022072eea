"""What other apps may listen to.

``ticket_event_recorded`` is sent after the transaction that wrote a
TicketEvent commits, with ``event_id``. Notifications (email) and webhooks
listen; the tickets app does not know who does.
"""

import threading
from contextlib import contextmanager

from django.dispatch import Signal

ticket_event_recorded = Signal()

# The same for many events at once (the SLA sweep), with ``event_ids``, so a
# listener can hand them to one task instead of thousands.
ticket_events_recorded = Signal()


_quiet = threading.local()


@contextmanager
def events_unannounced():
    """Record events without announcing them, for history being written
    rather than made (the demo data): nobody is emailed about it."""
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = False


def events_announced() -> bool:
    return not getattr(_quiet, "on", False)
