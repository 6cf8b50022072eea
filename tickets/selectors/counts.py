"""The workspace's view counts and dashboard, cached per agent."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q

from accounts.models import User

from ..models import UNSOLVED_STATUSES
from ..permissions import agent_department_ids, agent_sees_all_tickets, agent_team_ids
from .lists import VIEWS, Status, view_condition
from .visibility import ticket_list_visible_to

COUNTS_VERSION_KEY = "tickets:counts-version"


def counts_version_bump() -> None:
    """Any ticket change makes every agent's cached counts stale."""
    try:
        cache.incr(COUNTS_VERSION_KEY)
    except ValueError:
        cache.set(COUNTS_VERSION_KEY, 1, timeout=None)


def agent_view_counts(user: User, *, statuses: bool = False) -> dict[str, int]:
    """Tickets in each workspace view (and each status), in one query.

    Cached for WORKSPACE_COUNTS_CACHE_SECONDS, keyed on the agent, their
    departments and teams, and a version every ticket change bumps: counts are
    fresh after any change where the cache is shared (Redis), and at most that
    many seconds old where each process keeps its own.
    """
    key = ":".join(
        [
            "tickets:counts",
            str(cache.get(COUNTS_VERSION_KEY, 0)),
            str(user.pk),
            "all" if agent_sees_all_tickets(user) else "",
            ",".join(map(str, sorted(agent_department_ids(user)))),
            ",".join(map(str, sorted(agent_team_ids(user)))),
            "statuses" if statuses else "",
        ]
    )
    counts = cache.get(key)
    if counts is not None:
        return counts
    aggregates = {
        view: Count("pk", filter=view_condition(user, view)) for view in VIEWS
    }
    if statuses:
        aggregates.update(
            {
                f"status_{value}": Count("pk", filter=Q(status=value))
                for value in Status.values
            }
        )
        aggregates["unsolved"] = Count("pk", filter=Q(status__in=UNSOLVED_STATUSES))
    counts = ticket_list_visible_to(user).order_by().aggregate(**aggregates)
    cache.set(key, counts, timeout=settings.WORKSPACE_COUNTS_CACHE_SECONDS)
    return counts


def agent_dashboard(user: User) -> dict:
    """The workspace home: counts per view and status, the agent's open work,
    and what changed last."""
    counts = agent_view_counts(user, statuses=True)
    visible = ticket_list_visible_to(user)
    return {
        "counts": counts,
        "views": [(key, label, counts[key]) for key, label in VIEWS.items()],
        "status_counts": [
            (Status(value).label, value, counts[f"status_{value}"])
            for value in Status.values
        ],
        "my_open": list(
            visible.unsolved().filter(assignee_id=user.pk).order_by("-updated_at")[:10]
        ),
        "recently_updated": list(visible.order_by("-updated_at")[:10]),
    }
