"""Which ticket an inbound mail answers: by In-Reply-To/References against
the Message-IDs we sent and received (and our thread root ``<ticket-N@...>``),
then by the [#1042] token in the subject, but only a ticket the sender may
see, or the live end of a merged ticket's chain that they may see.
"""

import re

from accounts.models import User
from notifications.models import EmailLog
from tickets import permissions, selectors
from tickets.models import Message, Ticket

from ..parsing import ParsedEmail

# As many digits as the subject's [#N] token (integrations.parsing): a longer
# number is no ticket of ours, and would overflow the database's integer.
ROOT = re.compile(r"^<ticket-(\d{1,9})@")


def ticket_answered(parsed: ParsedEmail, sender: User) -> Ticket | None:
    """The ticket this mail answers, if the sender may see it.

    A merged ticket the sender may not see still leads to the live ticket at
    the end of its merge chain when they may see that one (someone copied on
    the merged ticket's mail who belongs on the live one); a stranger reaches
    neither. The merged ticket itself is returned when visible, so the reply
    is recorded as coming through it."""
    candidates: list[int] = []
    # Tickets named by number are read whole at once; ids found through
    # Message-IDs are read one by one, in order, until one is visible.
    named: dict = {}
    numbers = []
    ids = parsed.thread_ids
    if ids:
        candidates += list(
            EmailLog.objects.filter(
                message_id__in=ids, ticket__isnull=False
            ).values_list("ticket_id", flat=True)
        )
        candidates += list(
            Message.objects.filter(email_message_id__in=ids).values_list(
                "ticket_id", flat=True
            )
        )
        numbers = [int(m.group(1)) for m in map(ROOT.match, ids) if m]
    if parsed.ticket_token is not None:
        numbers.append(parsed.ticket_token)
    if numbers:
        found = {
            ticket.number: ticket
            for ticket in Ticket.objects.select_related("organization").filter(
                number__in=numbers
            )
        }
        for number in numbers:  # thread roots first, then the subject's token
            if number in found:
                named[found[number].pk] = found[number]
                candidates.append(found[number].pk)
    for ticket_id in dict.fromkeys(candidates):
        ticket = named.get(ticket_id) or Ticket.objects.select_related(
            "organization"
        ).get(pk=ticket_id)
        if permissions.can_view_ticket(sender, ticket):
            return ticket
        live = selectors.ticket_merge_live_for(user=sender, ticket=ticket)
        if live is not None:
            return live
    return None
