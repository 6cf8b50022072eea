"""The workspace's view counts and dashboard.

Counts are sums over the few hundred rows of ``TicketCount`` that the
services keep as tickets change (``tickets.services.counts``), so they cost
the same at a thousand tickets or a million and are never stale. "SLA at
risk" depends on the clock, not on a change: it is counted from the tickets,
an index range on ``sla_next_due_at`` among unsolved ones.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import User

from ..models import UNSOLVED_STATUSES, TicketCount
from .lists import VIEWS, Status, view_condition
from .seek import merged_first
from .visibility import ticket_list_visible_to, ticket_visibility_condition

CLOCK_VIEWS = ("at_risk",)  # counted from the tickets, not kept


def agent_view_counts(user: User, *, statuses: bool = False) -> dict[str, int]:
    """Tickets in each workspace view (and, with ``statuses``, in each status
    and "unsolved"), among the tickets ``user`` may see: two queries, one
    over the kept counts and one for the at-risk range."""
    rows = TicketCount.objects.order_by()
    visible = ticket_visibility_condition(user)
    if visible is not None:
        rows = rows.filter(visible)
    sums = {
        view: Sum("count", filter=view_condition(user, view), default=0)
        for view in VIEWS
        if view not in CLOCK_VIEWS
    }
    if statuses:
        sums.update(
            {
                f"status_{value}": Sum("count", filter=Q(status=value), default=0)
                for value in Status.values
            }
        )
        sums["unsolved"] = Sum(
            "count", filter=Q(status__in=UNSOLVED_STATUSES), default=0
        )
    counts = rows.aggregate(**sums)
    counts["at_risk"] = _at_risk_count(user)
    return {key: counts[key] for key in [*VIEWS, *sums] if key in counts}


class CountAtLeast(int):
    """A count that stopped at its limit: shown as "1000+"."""

    def __str__(self) -> str:
        return f"{int(self)}+"


# Beyond this many, "SLA at risk" shows "1000+": counting them all would grow
# with the backlog on every page that shows the view counts.
AT_RISK_COUNT_LIMIT = 1000


def _at_risk_count(user: User) -> int:
    """Unsolved tickets whose next deadline is past or within
    ``SLA_AT_RISK_MINUTES``: a range on the (status, sla_next_due_at) index,
    read no further than ``AT_RISK_COUNT_LIMIT`` (then a ``CountAtLeast``)."""
    cutoff = timezone.now() + timedelta(minutes=settings.SLA_AT_RISK_MINUTES)
    found = (
        ticket_list_visible_to(user)
        .select_related(None)
        .filter(status__in=UNSOLVED_STATUSES, sla_next_due_at__lte=cutoff)
        .order_by()[: AT_RISK_COUNT_LIMIT + 1]
        .count()
    )
    return CountAtLeast(AT_RISK_COUNT_LIMIT) if found > AT_RISK_COUNT_LIMIT else found


def agent_dashboard(user: User) -> dict:
    """The workspace home: counts per view and status, the agent's open work
    (ten, newest change first) and what changed last."""
    counts = agent_view_counts(user, statuses=True)
    visible = ticket_list_visible_to(user)
    return {
        "counts": counts,
        "views": [(key, label, counts[key]) for key, label in VIEWS.items()],
        "status_counts": [
            (Status(value).label, value, counts[f"status_{value}"])
            for value in Status.values
        ],
        # One short index range per status, merged: sorting all of an
        # agent's open tickets to keep ten would grow with them.
        "my_open": merged_first(
            visible.filter(assignee_id=user.pk),
            [Q(status=value) for value in sorted(UNSOLVED_STATUSES)],
            ("-updated_at", "-number"),
            10,
        ),
        # The same per status: no index leads with the change time alone.
        "recently_updated": merged_first(
            visible,
            [Q(status=value) for value in sorted(Status.values)],
            ("-updated_at", "-number"),
            10,
        ),
    }
