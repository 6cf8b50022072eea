"""Where a merged ticket's conversation went: the end of its merge chain.

Merging closes the source and points its ``merged_into`` at the target; the
target may later be merged in turn (B into A, then A into D). Every reply to
any ticket of the chain, by email, the API, the portal or the workspace,
follows it to the live ticket at its end through ``ticket_merge_target_live``.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from accounts.models import User
from helpdesk.errors import ConflictError

from ..models import Ticket
from ..permissions import can_view_ticket

MERGE_CHAIN_MAX_HOPS = 100


class MergeChainBroken(ConflictError):
    """The chain loops, or is longer than MERGE_CHAIN_MAX_HOPS: data that no
    merge can produce (``ticket_merge`` refuses a loop and only merges into an
    open ticket), so an administrator must repair ``merged_into``."""

    code = "merge_chain_broken"


def ticket_merge_target_live(
    *, ticket: Ticket, max_hops: int = MERGE_CHAIN_MAX_HOPS
) -> Ticket:
    """The ticket at the end of ``ticket``'s merge chain: ``ticket`` itself
    when it was never merged (no query), otherwise the first ticket along
    ``merged_into`` that points nowhere. One query per hop, the ticket with
    its organization (which ``permissions.can_view_ticket`` reads), so a chain
    of 50 merges costs 50 small queries.

    Raises MergeChainBroken when a ticket repeats or after ``max_hops`` hops,
    instead of looping. Says nothing about who may see the result: callers
    check ``permissions`` on the ticket returned.
    """
    seen = {ticket.pk}
    current = ticket
    for _hop in range(max_hops):
        if current.merged_into_id is None:
            return current
        if current.merged_into_id in seen:
            raise MergeChainBroken(
                f"The merges from {ticket.reference} loop back to "
                f"{current.reference}; an administrator must correct them."
            )
        current = Ticket.objects.select_related("organization").get(
            pk=current.merged_into_id
        )
        seen.add(current.pk)
    if current.merged_into_id is None:
        return current
    raise MergeChainBroken(
        f"{ticket.reference} was merged more than {max_hops} times over; the "
        "chain was not followed to its end. An administrator must correct it."
    )


def ticket_merge_live_for(*, user: User, ticket: Ticket) -> Ticket | None:
    """For a page or a mail about the merged ``ticket``: the live ticket its
    replies go to, or None when it was never merged, when ``user`` may not see
    the live ticket (following merges never shows what the user could not
    open), or when the chain is broken (nothing to point at)."""
    if ticket.merged_into_id is None:
        return None
    try:
        live = ticket_merge_target_live(ticket=ticket)
    except MergeChainBroken:
        return None
    return live if can_view_ticket(user, live) else None


@dataclass(frozen=True)
class MergeSide:
    """One ticket of a merge, as the confirmation page shows it."""

    ticket: Ticket
    messages: int
    internal: int


@dataclass(frozen=True)
class MergePreview:
    """What the agent confirms: both tickets, and how they differ."""

    source: MergeSide
    target: MergeSide
    # Whether the source's requester may open the target (the merge notice
    # links to it only then).
    requester_sees_target: bool

    @property
    def same_requester(self) -> bool:
        return self.source.ticket.requester_id == self.target.ticket.requester_id

    @property
    def same_organization(self) -> bool:
        return self.source.ticket.organization_id == self.target.ticket.organization_id


def _merge_side(ticket: Ticket) -> MergeSide:
    counts = ticket.messages.aggregate(
        total=Count("pk"), internal=Count("pk", filter=Q(internal=True))
    )
    return MergeSide(
        ticket=ticket, messages=counts["total"], internal=counts["internal"]
    )


def ticket_merge_preview(*, source: Ticket, target: Ticket) -> MergePreview:
    """Both tickets of a merge with their message counts. The caller has
    checked that the agent works both (``services.ticket_merge_check``)."""
    return MergePreview(
        source=_merge_side(source),
        target=_merge_side(target),
        requester_sees_target=can_view_ticket(source.requester, target),
    )
