"""Search everywhere: the top bar's box, over every ticket the user may see
(any status, solved, closed and merged ones too) and, for agents, over
people and organizations.

Tickets are found as the lists find them (``lists._search``: the number,
the words of the subject or of one message through the search index
(``tickets.search``), the requester's email; customers never match an
internal note) and also by the requester's name. Results come newest
activity first; totals are counted up to ``tickets.search.COUNT_CAP`` + 1
(``SearchResults.ticket_count``), so a common word costs a page's worth of
work, not a pass over every visible ticket. Everything starts
from ``ticket_list_visible_to``, so a ticket the user may not see is never
found, by number or by text: the answer is the same as for a number that
does not exist.

Names of people and organizations have no folded copy in the database: they
are matched with the ORM's ``icontains``, which ignores case for A-Z on every
database (and beyond on PostgreSQL) but not accents.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from organizations.models import Organization, OrganizationDomain

from ..models import Ticket
from ..search import count_capped
from .lists import NUMBER, QUERY_MAX_CHARS, _email_fold, _search_match
from .visibility import ticket_list_visible_to


@dataclass(frozen=True)
class SearchResults:
    """One query's matches, unevaluated: the page slices and counts them."""

    tickets: QuerySet[Ticket]
    people: QuerySet[User]
    organizations: QuerySet[Organization]
    # False: ``tickets`` are those of the newest matches of a common word
    # only (``tickets.search.TicketMatch``); their total is a lower bound.
    tickets_complete: bool = True

    def ticket_count(self) -> int:
        """The number of tickets found, up to ``COUNT_CAP`` + 1 (more than
        ``COUNT_CAP`` shows as "1,000+")."""
        return count_capped(self.tickets)


def _query(text: str) -> str:
    """The text a search looks for: without NUL characters, which no stored
    text holds and PostgreSQL refuses in a query, trimmed and cut."""
    return text.replace("\x00", "").strip()[:QUERY_MAX_CHARS]


def search_ticket_by_number(user: User, text: str) -> Ticket | None:
    """The ticket whose number the text is ("1053" or "#1053"), when the user
    may see it; None otherwise, missing or not theirs alike."""
    match = NUMBER.match(_query(text))
    if match is None:
        return None
    return ticket_list_visible_to(user).filter(number=int(match.group(1))).first()


def search_tickets(user: User, text: str) -> QuerySet[Ticket]:
    """Every visible ticket the text finds, newest activity first, with the
    columns a list row shows."""
    return search_tickets_match(user, text)[0]


def search_tickets_match(user: User, text: str) -> tuple[QuerySet[Ticket], bool]:
    """``search_tickets``, and whether they are all the matches (False for a
    common word over many visible tickets: the newest matches only)."""
    text = _query(text)
    visible = ticket_list_visible_to(user)
    if not text:
        return visible.none(), True
    found, complete = _search_match(
        visible, text, include_internal=user.is_agent, requester_names=True
    )
    return found.for_rows().order_by("-updated_at", "-number"), complete


def search_people(user: User, text: str) -> QuerySet[User]:
    """People by name or email, for agents: admins find everyone; agents find
    their colleagues and the customers whose tickets they may see. Customers
    find nobody."""
    text = _query(text)
    if not text or not user.is_authenticated or not user.is_agent:
        return User.objects.none()
    people = User.objects.select_related("organization").filter(
        Q(email__contains=_email_fold(text)) | Q(full_name__icontains=text)
    )
    if not user.is_admin:
        # Probed per person who matches (the requester index), not a list of
        # every visible ticket's requester.
        requested = ticket_list_visible_to(user).filter(requester_id=OuterRef("pk"))
        people = people.filter(
            Q(role__in=[User.Role.AGENT, User.Role.ADMIN]) | Exists(requested)
        )
    return people.order_by("full_name", "email")


def search_organizations(user: User, text: str) -> QuerySet[Organization]:
    """Organizations by name or email domain, for agents (every agent may
    already pick any of them in the ticket list's filter). Customers find
    none."""
    text = _query(text)
    if not text or not user.is_authenticated or not user.is_agent:
        return Organization.objects.none()
    domains = OrganizationDomain.objects.filter(domain__contains=_email_fold(text))
    return Organization.objects.filter(
        Q(name__icontains=text) | Q(pk__in=domains.values("organization_id"))
    ).order_by("name")


def search_everywhere(user: User, text: str) -> SearchResults:
    """Everything the text finds for this user, one query set per section."""
    tickets, complete = search_tickets_match(user, text)
    return SearchResults(
        tickets=tickets,
        tickets_complete=complete,
        people=search_people(user, text),
        organizations=search_organizations(user, text),
    )
