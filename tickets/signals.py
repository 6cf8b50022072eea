"""What other apps may listen to.

``ticket_events_recorded`` is sent, with ``event_ids``, once the transaction
that wrote TicketEvents has committed: by a worker's task for the events one
transaction recorded (``services.events.event_record``), and by the SLA sweep
for its batches. It is the only way in: notifications (email), webhooks and
Teams listen to it; the tickets app does not know who does.
"""

import threading
from contextlib import contextmanager

from django.dispatch import Signal

# Many events at once, with ``event_ids`` (a list), so a listener can hand
# them to one task instead of one task per event.
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
