"""Who else has a ticket open: the collision notice."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from tickets.models import Ticket, TicketPresence


def presence_touch(
    *,
    ticket: Ticket,
    user: User,
    typing: bool,
    seen: TicketPresence | None = None,
) -> None:
    """Record that ``user`` has the ticket open (and whether they type).

    Called by the ticket page and its poll; one row per agent and ticket,
    updated in place, so it stays small however long the page is open.
    ``seen`` is the agent's row as the caller just read it: when it says the
    same thing and is under half a poll interval old (the page shown again
    after a reply, say), nothing is written; colleagues see presence for
    ``PRESENCE_WINDOW_SECONDS``, so the row stays current for them.
    """
    now = timezone.now()
    refresh = timedelta(seconds=settings.PRESENCE_POLL_SECONDS / 2)
    if seen is not None and seen.typing == typing and now - seen.last_seen < refresh:
        return
    updated = TicketPresence.objects.filter(ticket=ticket, user=user).update(
        last_seen=now, typing=typing
    )
    if not updated:
        TicketPresence.objects.get_or_create(
            ticket=ticket,
            user=user,
            defaults={"last_seen": now, "typing": typing},
        )


def presence_leave(*, ticket: Ticket, user: User) -> None:
    TicketPresence.objects.filter(ticket=ticket, user=user).delete()
