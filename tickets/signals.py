"""What other apps may listen to.

``ticket_event_recorded`` is sent after the transaction that wrote a
TicketEvent commits, with ``event_id``. Notifications (email) and webhooks
listen; the tickets app does not know who does.
"""

from django.dispatch import Signal

ticket_event_recorded = Signal()

# The same for many events at once (the SLA sweep), with ``event_ids``, so a
# listener can hand them to one task instead of thousands.
ticket_events_recorded = Signal()
