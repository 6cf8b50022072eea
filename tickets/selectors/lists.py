"""Ticket lists: searching and sorting, the portal's list and the workspace's
views and filters."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from helpdesk.search_text import search_fold

from ..models import UNSOLVED_STATUSES, SatisfactionRating, Ticket
from ..permissions import agent_department_ids, agent_team_ids
from ..search import ticket_text_match
from .seek import SeekOrder, SortKey
from .visibility import ticket_list_visible_to

Status = Ticket.Status
DONE_STATUSES = (Status.SOLVED, Status.CLOSED)
NUMBER = re.compile(r"^#?(\d{1,9})$")
QUERY_MAX_CHARS = 1000  # longer search text is cut, not refused


# --- Searching and sorting --------------------------------------------------

PRIORITY_RANK = Case(
    *[
        When(priority=value, then=Value(rank))
        for rank, value in enumerate(Ticket.Priority.values)
    ],
    output_field=IntegerField(),
)


def _order(*keys: str) -> SeekOrder:
    """An order from field names ("-" for descending); every order ends with
    the ticket number, so it is total and a page edge is exact."""
    return SeekOrder(
        tuple(
            SortKey(
                key.lstrip("-"),
                descending=key.startswith("-"),
                nullable=key.lstrip("-") in NULLABLE_SORT_FIELDS,
            )
            for key in keys
        )
    )


NULLABLE_SORT_FIELDS = {"sla_next_due_at"}  # NULLs last, either way

SORTS: dict[str, SeekOrder] = {
    "-updated": _order("-updated_at", "-number"),
    "updated": _order("updated_at", "number"),
    "-created": _order("-created_at", "-number"),
    "created": _order("created_at", "number"),
    "-number": _order("-number"),
    "number": _order("number"),
    "-priority": _order("-priority_rank", "-updated_at", "-number"),
    "priority": _order("priority_rank", "-updated_at", "-number"),
    "subject": _order("subject", "-number"),
    "status": _order("status", "-updated_at", "-number"),
    "sla": _order("sla_next_due_at", "-number"),
}
# Orders on text: the database's collation decides, so parts read separately
# cannot be merged in Python (see ``list_partitions``).
TEXT_SORTS = {"subject", "status"}
# A list is read in at most this many parts (statuses times teams, say).
MAX_PARTS = 12


def sort_order(sort: str) -> SeekOrder:
    """The order a list's ``sort`` choice names; unknown ones sort by the
    latest change."""
    return SORTS.get(sort, SORTS["-updated"])


def _search(queryset: QuerySet[Ticket], text: str, *, include_internal: bool):
    """``_search_match``'s tickets."""
    return _search_match(queryset, text, include_internal=include_internal)[0]


def _search_match(
    queryset: QuerySet[Ticket],
    text: str,
    *,
    include_internal: bool,
    requester_names: bool = False,
) -> tuple[QuerySet[Ticket], bool]:
    """Tickets whose subject or one message holds every word of ``text`` (the
    last word also as the start of a word), whose requester's email holds
    ``text``, or whose number it is ("1053", "#1053"). Customers' searches
    never look inside internal notes.

    Words are found through the search index (``tickets.search``): folded
    alike on both sides, so case is ignored in every script (and accents,
    with ``SEARCH_IGNORE_ACCENTS``) the same on every database. Since issue
    18 text matches whole words, or the start of the last one, not any
    substring: "voice" no longer finds "invoice"; a query of whole words finds
    what it found before, and more (its words in any order).

    Email addresses are stored lower-cased rather than folded: they are
    matched as a substring, on the query folded without dropping accents,
    when the query is one word (an address has no spaces); they are looked
    up among the people first, so the ticket list can use its indexes.
    """
    text = text.strip()
    if not text:
        return queryset, True
    match = ticket_text_match(text, include_internal=include_internal, visible=queryset)
    condition = match.condition if match is not None else Q(pk__in=[])
    requesters = Q()
    if not any(character.isspace() for character in text):
        requesters |= Q(email__contains=_email_fold(text))
    if requester_names:
        requesters |= Q(full_name__icontains=text)
    if requesters:
        condition |= Q(requester_id__in=_people(requesters))
    number = NUMBER.match(text)
    if number:
        condition |= Q(number=int(number.group(1)))
    return queryset.filter(condition), match is None or match.complete


REQUESTERS_LISTED = 500  # people named by id; more stay a subquery


def _people(condition: Q) -> list | QuerySet[User]:
    """The ids of the people ``condition`` finds: a list when they are few,
    so the database can look their tickets up by the requester index (and
    PostgreSQL combine it with the other terms in a bitmap), else the
    subquery itself."""
    people = User.objects.filter(condition).values_list("pk", flat=True)
    listed = list(people[: REQUESTERS_LISTED + 1])
    return listed if len(listed) <= REQUESTERS_LISTED else people


def _email_fold(text: str) -> str:
    return search_fold(text, ignore_accents=False, limit=QUERY_MAX_CHARS)


def _sorted(queryset: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    order = sort_order(sort)
    if any(key.name == "priority_rank" for key in order.keys):
        queryset = queryset.annotate(priority_rank=PRIORITY_RANK)
    return queryset.order_by(*order.order_by())


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


def portal_list_partitions(user: User, *, q: str = "", sort: str = "") -> list[Q]:
    """The parts the portal list is read in (see ``tickets.selectors.seek``):
    the customer's own requests, then their organization's others when it
    shares them; each has an index in the list's order. None when searching."""
    if q.strip() or sort in TEXT_SORTS or not user.is_authenticated:
        return []
    organization = user.organization if user.organization_id else None
    if organization is None or not organization.share_tickets:
        return []
    return [
        Q(requester_id=user.pk),
        Q(organization_id=organization.pk) & ~Q(requester_id=user.pk),
    ]


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


def view_condition(user: User, view: str) -> Q:
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
    satisfaction: str = ""  # "", "good", "bad" or "unrated"
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
        queryset = queryset.filter(view_condition(user, view))
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
            requester__email__contains=_email_fold(filters.requester.strip())
        )
    if filters.created_from and filters.created_from > EARLIEST_DAY:
        queryset = queryset.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to and filters.created_to < LATEST_DAY:
        end = _day_start(filters.created_to + timedelta(days=1))
        queryset = queryset.filter(created_at__lt=end)
    if filters.satisfaction == "unrated":
        queryset = queryset.filter(satisfaction__isnull=True)
    elif filters.satisfaction in SatisfactionRating.Rating.values:
        queryset = queryset.filter(satisfaction__rating=filters.satisfaction)
    queryset = _search(queryset, filters.q, include_internal=True)
    # The rating for the list's column, in the rows' own query (a join on
    # the one-to-one; ``for_rows`` restricts the ticket's columns only).
    queryset = queryset.annotate(satisfaction_rating=F("satisfaction__rating"))
    return _sorted(queryset, filters.sort)


def agent_list_partitions(user: User, filters: TicketFilters) -> list[Q]:
    """The parts the workspace list is read in (see ``tickets.selectors.seek``):
    one per status the list shows, and per team or department for those views,
    so each part is one range of an index in the list's order. Empty (read in
    one query) for a search, a sort on text, or a single part."""
    if filters.q.strip() or filters.sort in TEXT_SORTS:
        return []
    view = filters.view if filters.view in VIEWS else "all"
    statuses = sorted(filters.statuses or VIEW_STATUSES[view])
    parts = [Q(status=value) for value in statuses]
    scopes = {
        "team": (filters.team_id, agent_team_ids),
        "department": (filters.department_id, agent_department_ids),
    }
    if view in scopes and scopes[view][0] is None:
        ids = sorted(scopes[view][1](user), key=str)
        if len(ids) > 1 and len(ids) * len(parts) <= MAX_PARTS:
            parts = [Q(**{f"{view}_id": pk}) & part for pk in ids for part in parts]
    return parts if 1 < len(parts) <= MAX_PARTS else []
