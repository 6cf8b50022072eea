"""Who else has a ticket open: the collision notice."""

from django.utils import timezone

from accounts.models import User
from tickets.models import Ticket, TicketPresence


def presence_touch(*, ticket: Ticket, user: User, typing: bool) -> None:
    """Record that ``user`` has the ticket open (and whether they type).

    Called by the ticket page's poll; one row per agent and ticket, updated in
    place, so it stays small however long the page is open.
    """
    updated = TicketPresence.objects.filter(ticket=ticket, user=user).update(
        last_seen=timezone.now(), typing=typing
    )
    if not updated:
        TicketPresence.objects.get_or_create(
            ticket=ticket,
            user=user,
            defaults={"last_seen": timezone.now(), "typing": typing},
        )


def presence_leave(*, ticket: Ticket, user: User) -> None:
    TicketPresence.objects.filter(ticket=ticket, user=user).delete()
