"""Reads: every list or lookup returns only what the user may see.

List selectors fetch everything their rows show in a fixed number of queries,
so pages cost the same with 5 rows or 500.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from accounts.models import User

from .models import (
    UNSOLVED_STATUSES,
    Attachment,
    CannedResponse,
    Message,
    SavedFilter,
    Ticket,
    TicketEvent,
    TicketPresence,
)
from .permissions import agent_department_ids, agent_sees_all_tickets, agent_team_ids

Status = Ticket.Status
DONE_STATUSES = (Status.SOLVED, Status.CLOSED)
NUMBER = re.compile(r"^#?(\d{1,9})$")

# --- Visibility --------------------------------------------------------------


def _visibility_filter(user: User) -> Q | None:
    """None means everything the database holds."""
    if agent_sees_all_tickets(user):
        return None
    if user.is_agent:
        return (
            Q(department_id__in=list(agent_department_ids(user)))
            | Q(department__isnull=True)
            | Q(assignee_id=user.pk)
        )
    condition = Q(requester_id=user.pk)
    if user.organization_id is not None:
        condition |= Q(
            organization_id=user.organization_id,
            organization__share_tickets=True,
        )
    return condition


def ticket_list_visible_to(user: User) -> QuerySet[Ticket]:
    """Every ticket the user may see, ready for a list page."""
    queryset = Ticket.objects.for_list()
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    condition = _visibility_filter(user)
    return queryset if condition is None else queryset.filter(condition)


def ticket_get_for(user: User, number: int) -> Ticket:
    """The ticket with this number, or 404 when it is missing or not the user's
    to see: the two answers are the same so a guess learns nothing."""
    try:
        return ticket_list_visible_to(user).get(number=number)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.") from None


def ticket_get_for_agent(user: User, number: int) -> Ticket:
    """As ticket_get_for, for the workspace: only tickets the agent works."""
    if not user.is_agent:
        raise Http404("No such ticket.")
    return ticket_get_for(user, number)


# --- Searching and sorting --------------------------------------------------

PRIORITY_RANK = Case(
    *[
        When(priority=value, then=Value(rank))
        for rank, value in enumerate(Ticket.Priority.values)
    ],
    output_field=IntegerField(),
)

SORTS = {
    "-updated": ("-updated_at", "-number"),
    "updated": ("updated_at", "number"),
    "-created": ("-created_at", "-number"),
    "created": ("created_at", "number"),
    "-number": ("-number",),
    "number": ("number",),
    "-priority": ("-priority_rank", "-updated_at"),
    "priority": ("priority_rank", "-updated_at"),
    "subject": ("subject", "-number"),
    "status": ("status", "-updated_at"),
    "sla": (F("sla_next_due_at").asc(nulls_last=True), "-number"),
}


def _search(queryset: QuerySet[Ticket], text: str, *, include_internal: bool):
    """Number, subject, requester email and message text. Customers' searches
    never look inside internal notes."""
    text = text.strip()
    if not text:
        return queryset
    messages = Message.objects.filter(body__icontains=text)
    if not include_internal:
        messages = messages.filter(internal=False)
    condition = (
        Q(subject__icontains=text)
        | Q(requester__email__icontains=text)
        | Q(pk__in=messages.values("ticket_id"))
    )
    number = NUMBER.match(text)
    if number:
        condition |= Q(number=int(number.group(1)))
    return queryset.filter(condition)


def _sorted(queryset: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    order = SORTS.get(sort, SORTS["-updated"])
    if any(isinstance(key, str) and "priority_rank" in key for key in order):
        queryset = queryset.annotate(priority_rank=PRIORITY_RANK)
    return queryset.order_by(*order)


# --- The portal -------------------------------------------------------------


def portal_ticket_list(
    user: User, *, status: str = "", q: str = "", sort: str = "-updated"
) -> QuerySet[Ticket]:
    """The customer's tickets, plus their organization's when it shares them.

    ``status`` is a status, "open" for everything unsolved, or empty for all.
    """
    queryset = ticket_list_visible_to(user)
    if status == "unsolved":
        queryset = queryset.unsolved()
    elif status in Status.values:
        queryset = queryset.filter(status=status)
    queryset = _search(queryset, q, include_internal=False)
    return _sorted(queryset, sort)


def portal_ticket_detail(user: User, number: int) -> tuple[Ticket, list[Message]]:
    """The ticket and its public conversation, with attachments."""
    ticket = ticket_get_for(user, number)
    messages = list(
        ticket.messages.filter(internal=False)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    return ticket, messages


# --- The workspace ----------------------------------------------------------

VIEWS = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "team": "My teams",
    "department": "My departments",
    "all": "All unsolved",
    "at_risk": "SLA at risk",
    "solved": "Solved and closed",
}


VIEW_STATUSES = {
    "mine": UNSOLVED_STATUSES,
    "unassigned": UNSOLVED_STATUSES,
    "team": UNSOLVED_STATUSES,
    "department": UNSOLVED_STATUSES,
    "all": UNSOLVED_STATUSES,
    "at_risk": UNSOLVED_STATUSES,
    "solved": DONE_STATUSES,
}


def _view_scope(user: User, view: str) -> Q:
    """Whose tickets a view shows, before its status rule."""
    return {
        "mine": Q(assignee_id=user.pk),
        "unassigned": Q(assignee__isnull=True),
        "team": Q(team_id__in=list(agent_team_ids(user))),
        "department": Q(department_id__in=list(agent_department_ids(user))),
        "all": Q(),
        "at_risk": Q(
            sla_next_due_at__lte=timezone.now()
            + timedelta(minutes=settings.SLA_AT_RISK_MINUTES)
        ),
        "solved": Q(),
    }[view]


def _view_condition(user: User, view: str) -> Q:
    return _view_scope(user, view) & Q(status__in=VIEW_STATUSES[view])


@dataclass
class TicketFilters:
    """What the workspace list is narrowed to; every field is optional."""

    view: str = "all"
    statuses: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    category_id: int | None = None
    department_id: int | None = None
    team_id: int | None = None
    assignee: str = ""  # "", "me", "none" or a user id
    organization_id: int | None = None
    requester: str = ""  # an email fragment
    created_from: date | None = None
    created_to: date | None = None
    q: str = ""
    sort: str = "-updated"

    def is_bare_view(self) -> bool:
        """Only a view chosen (sorting aside): its total is a view count."""
        return self.view in VIEWS and self == TicketFilters(
            view=self.view, sort=self.sort
        )


# Days outside these narrow no ticket list, and at the ends of the calendar
# the time-zone arithmetic would overflow: such a bound is ignored.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9000, 1, 1)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def agent_ticket_list(user: User, filters: TicketFilters) -> QuerySet[Ticket]:
    """The workspace list: a view, narrowed by filters, searched and sorted.

    Chosen statuses replace the view's own status rule, so "Mine" with
    "Solved" shows the agent's solved tickets.
    """
    queryset = ticket_list_visible_to(user)
    view = filters.view if filters.view in VIEWS else "all"
    if filters.statuses:
        queryset = queryset.filter(_view_scope(user, view), status__in=filters.statuses)
    else:
        queryset = queryset.filter(_view_condition(user, view))
    if filters.priorities:
        queryset = queryset.filter(priority__in=filters.priorities)
    for name in ("category_id", "department_id", "team_id", "organization_id"):
        value = getattr(filters, name)
        if value is not None:
            queryset = queryset.filter(**{name: value})
    if filters.assignee == "me":
        queryset = queryset.filter(assignee_id=user.pk)
    elif filters.assignee == "none":
        queryset = queryset.filter(assignee__isnull=True)
    elif filters.assignee:
        try:
            queryset = queryset.filter(
                assignee_id=User._meta.pk.to_python(filters.assignee)
            )
        except ValidationError:
            queryset = queryset.none()  # not an id on this database
    if filters.requester.strip():
        queryset = queryset.filter(
            requester__email__icontains=filters.requester.strip()
        )
    if filters.created_from and filters.created_from > EARLIEST_DAY:
        queryset = queryset.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to and filters.created_to < LATEST_DAY:
        end = _day_start(filters.created_to + timedelta(days=1))
        queryset = queryset.filter(created_at__lt=end)
    queryset = _search(queryset, filters.q, include_internal=True)
    return _sorted(queryset, filters.sort)


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
        view: Count("pk", filter=_view_condition(user, view)) for view in VIEWS
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


def agent_ticket_detail(user: User, number: int) -> dict:
    """Everything the agent's ticket page shows, in a fixed number of queries."""
    ticket = ticket_get_for_agent(user, number)
    messages = list(
        ticket.messages.select_related("author")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
        )
        .order_by("created_at", "pk")
    )
    events = list(
        ticket.events.select_related("actor").order_by("-created_at", "-pk")[:200]
    )
    requester_tickets = list(
        ticket_list_visible_to(user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .order_by("-updated_at")[:5]
    )
    # From the timeline, not a query: SQLite plans "merged_into = x" as a full
    # scan once its statistics say nearly every row has no merge.
    merged = sorted(
        {
            event.new_value
            for event in events
            if event.kind == TicketEvent.Kind.MERGED_FROM
        }
    )
    return {
        "ticket": ticket,
        "conversation": messages,
        "events": events,
        "requester_tickets": requester_tickets,
        "merged_tickets": merged,
    }


def presence_others(ticket: Ticket, user: User, window_seconds: int) -> list:
    """Other agents who have had the ticket open within the window."""
    since = timezone.now() - timedelta(seconds=window_seconds)
    return list(
        TicketPresence.objects.filter(ticket=ticket, last_seen__gte=since)
        .exclude(user=user)
        .select_related("user")
        .order_by("user__full_name")
    )


def canned_for(user: User) -> QuerySet[CannedResponse]:
    """The agent's own canned responses and the shared ones."""
    return CannedResponse.objects.filter(Q(owner=user) | Q(shared=True)).select_related(
        "owner"
    )


def saved_filters_for(user: User) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(owner=user)


def event_list_for(user: User, number: int) -> tuple[Ticket, list[TicketEvent]]:
    ticket = ticket_get_for_agent(user, number)
    return ticket, list(ticket.events.select_related("actor").order_by("-created_at"))


def conversation_for(user: User, ticket: Ticket) -> list[Message]:
    """The messages of a ticket the user may read, oldest first, with authors
    and attachments: customers never get internal notes (as with files)."""
    messages = ticket.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    )
    if not user.is_agent:
        messages = messages.filter(internal=False)
    return list(messages.order_by("created_at", "pk"))


def attachment_get_for(user: User, number: int, attachment_id: str) -> Attachment:
    """An attachment, looked up through its ticket: an id from another ticket,
    or from an internal note for a customer, is a 404."""
    ticket = ticket_get_for(user, number)
    attachments = Attachment.objects.filter(message__ticket=ticket)
    if not user.is_agent:
        attachments = attachments.filter(message__internal=False)
    try:
        return attachments.select_related("message").get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError):
        raise Http404("No such attachment.") from None
