"""What a change would do, worked out before it is made: the facts the
workspace's confirmation steps show ("this will email 6 customers", "you will
no longer see this ticket"). Reads only; the services check again on write.
"""

from dataclasses import dataclass, field

from accounts.models import User
from organizations.models import Department, Team

from ..models import Ticket
from ..permissions import can_change_status, can_close_ticket, can_work_ticket
from ..workflow import is_transition_allowed
from .visibility import ticket_list_visible_to

Status = Ticket.Status

# The statuses whose arrival emails the requester: the default automation
# rules send "ticket_solved" and "ticket_closed" to them (see
# notifications.services.notice_for, which tickets may not import). A test
# (tests/test_guards_bulk.py) moves tickets to every status and checks the
# mail against this set.
CUSTOMER_NOTICE_STATUSES = frozenset({Status.SOLVED, Status.CLOSED})


def status_change_emails_customers(status: str) -> bool:
    return status in CUSTOMER_NOTICE_STATUSES


@dataclass
class BulkStatusPreview:
    """A bulk status change, before it is made."""

    status: str
    changing: list[Ticket] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def customer_count(self) -> int:
        """Distinct active requesters of the tickets that will change."""
        return len(
            {
                ticket.requester_id
                for ticket in self.changing
                if ticket.requester.is_active
            }
        )

    @property
    def emails_customers(self) -> bool:
        return status_change_emails_customers(self.status) and self.customer_count > 0


def _refusal(user: User, ticket: Ticket, status: str) -> str:
    if ticket.status == status:
        return f"already {ticket.get_status_display().lower()}"
    if not is_transition_allowed(ticket.status, status):
        return (
            f"a {ticket.get_status_display().lower()} ticket cannot become "
            f"{Status(status).label.lower()}"
        )
    if status == Status.CLOSED and not can_close_ticket(user):
        return "only admins close tickets"
    return "you cannot change its status"


def bulk_status_preview(
    user: User, numbers: list[int], status: str
) -> BulkStatusPreview:
    """Which of the selected tickets a bulk "set status" would change, and
    why the others would be left alone; the same rules as
    ``tickets_bulk_update``, in two queries."""
    preview = BulkStatusPreview(status=status)
    visible = {
        ticket.number: ticket
        for ticket in ticket_list_visible_to(user)
        .select_related("requester")
        .filter(number__in=list(numbers))
    }
    for number in dict.fromkeys(numbers):
        ticket = visible.get(number)
        if ticket is None or not can_work_ticket(user, ticket):
            preview.skipped.append((number, "not found, or not yours to change"))
        elif ticket.status != status and can_change_status(user, ticket, status):
            preview.changing.append(ticket)
        else:
            preview.skipped.append((number, _refusal(user, ticket, status)))
    return preview


@dataclass(frozen=True)
class RoutingPreview:
    """Where a sidebar change sends a ticket, and whether its agent keeps it."""

    department: Department | None
    team: Team | None
    still_visible: bool

    @property
    def consistent(self) -> bool:
        """False when the team is not part of the department: the service
        refuses such a change, so there is nothing to ask about."""
        return self.team is None or (
            self.department is not None
            and self.team.department_id == self.department.pk
        )

    @property
    def destination(self) -> str:
        if self.department is None:
            return "no department"
        if self.team is None:
            return self.department.name
        return f"{self.department.name} / {self.team.name}"


def ticket_routing_preview(
    user: User, ticket: Ticket, changes: dict[str, object]
) -> RoutingPreview:
    """Where ``ticket_update(**changes)`` would route the ticket, and whether
    ``user`` could still work it there (``permissions.can_work_ticket``).

    Mirrors the service's routing: a team moves the ticket to the team's
    department; a department drops a team that belongs elsewhere.
    """
    department = changes.get("department", ticket.department)
    team = changes.get("team", ticket.team)
    if "team" in changes and team is not None and "department" not in changes:
        department = team.department
    if (
        "department" in changes
        and "team" not in changes
        and team is not None
        and (department is None or team.department_id != department.pk)
    ):
        team = None
    assignee = changes.get("assignee", ticket.assignee)
    probe = Ticket(
        status=ticket.status,
        department=department,
        team=team,
        assignee_id=assignee.pk if assignee is not None else None,
    )
    return RoutingPreview(
        department=department,
        team=team,
        still_visible=can_work_ticket(user, probe),
    )
