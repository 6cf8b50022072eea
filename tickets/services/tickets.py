"""Opening, routing, merging and bulk-changing tickets."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError, PermissionDeniedError
from organizations.models import Department, Team
from tickets import permissions
from tickets.bodies import body_check_length, body_rendered
from tickets.models import (
    Category,
    Message,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
)
from tickets.search import ticket_search_text
from tickets.selectors import ticket_list_visible_to, ticket_merge_target_live

from .attachments import attachments_store
from .counts import ticket_counts_apply
from .errors import InvalidTicketChange, TicketClosedError
from .events import event_record, events_batched
from .sla import sla_clocks_start, sla_recompute
from .status import open_if_new, status_set, ticket_change_status

Status = Ticket.Status
Kind = TicketEvent.Kind

COUNTER_NAME = "ticket"


# --- Numbers ----------------------------------------------------------------


def _next_ticket_number() -> int:
    """Take the next free ticket number, inside the caller's transaction.

    Increments the counter row (see ``TicketNumberCounter``), which
    serializes concurrent openings on every database without a savepoint or
    a retried insert. The number is never below ``TICKET_NUMBER_START`` nor
    one a ticket holds already (demo data and imports insert their own
    numbers): then the counter jumps past the highest number in use.
    """
    counters = TicketNumberCounter.objects.filter(name=COUNTER_NAME)
    if not counters.update(last_number=F("last_number") + 1):
        # A fresh database: the first ticket creates the row (a race for it
        # is settled by get_or_create, or on MongoDB by a retried transaction).
        TicketNumberCounter.objects.get_or_create(name=COUNTER_NAME)
        counters.update(last_number=F("last_number") + 1)
    number = counters.values_list("last_number", flat=True).get()
    if number < settings.TICKET_NUMBER_START or (
        Ticket.objects.filter(number=number).exists()
    ):
        highest = Ticket.objects.aggregate(highest=Max("number"))["highest"] or 0
        number = max(highest + 1, settings.TICKET_NUMBER_START)
        counters.update(last_number=number)
    return number


def _insert_with_number(ticket: Ticket) -> None:
    """Give the ticket the next free number and insert it, in the caller's
    transaction (``ticket_create`` is atomic)."""
    ticket.number = _next_ticket_number()
    ticket.save(force_insert=True)


# --- Opening ----------------------------------------------------------------


@atomic
def ticket_create(
    *,
    requester: User,
    subject: str,
    body: str,
    actor: User | None = None,
    channel: str = Ticket.Channel.PORTAL,
    category: Category | None = None,
    priority: str = Ticket.Priority.NORMAL,
    department: Department | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    follow_up_of: Ticket | None = None,
    attachments: Sequence[UploadedFile] = (),
    email_message_id: str = "",
) -> Ticket:
    """Open a ticket with its first message.

    ``actor`` is whoever opened it: the requester in the portal, or an agent
    working on a customer's behalf. The returned ticket carries its first
    message in ``opening_message`` and the files that were refused in
    ``rejected_attachments``; the ticket itself is kept. The
    body is rendered once and stored; over ``MESSAGE_BODY_MAX_CHARS`` it
    raises MessageTooLong.
    """
    actor = actor or requester
    subject = subject.strip()
    if not subject:
        raise InvalidTicketChange("A ticket needs a subject.", code="subject_required")
    if not body.strip():
        raise InvalidTicketChange("A ticket needs a description.", code="body_required")
    body_check_length(body)
    if assignee is not None and not (assignee.is_agent and assignee.is_active):
        raise InvalidTicketChange("Only active agents can be assigned tickets.")
    if category is not None and not category.active and not actor.is_agent:
        raise InvalidTicketChange(
            f"The category {category} is no longer offered.", code="category_inactive"
        )
    if priority not in Ticket.Priority.values:
        raise InvalidTicketChange(f"Unknown priority {priority!r}.")
    if department is None and category is not None:
        department = category.default_department
    if (
        team is not None
        and department is not None
        and team.department_id != (department.pk)
    ):
        raise InvalidTicketChange(f"The team {team} is not part of {department}.")

    ticket = Ticket(
        subject=subject[:255],
        search_text=ticket_search_text(subject[:255]),
        requester=requester,
        organization_id=requester.organization_id,
        department=department or (team.department if team else None),
        team=team,
        assignee=assignee,
        category=category,
        priority=priority,
        status=Status.NEW,
        channel=channel,
        follow_up_of=follow_up_of,
        # Read now, not by the field's default: the clocks below start from
        # it, and the demo's history clock replaces ``timezone.now``.
        created_at=timezone.now(),
    )
    # The SLA clocks start before the insert, so the new row carries its
    # deadlines (one write instead of an insert and an update, and no look
    # for SLA notices a new ticket cannot have); the policy is announced
    # right after the creation.
    policy = sla_clocks_start(ticket=ticket)
    ticket_counts_apply(ticket=ticket)
    with events_batched():
        _insert_with_number(ticket)
        event_record(
            ticket=ticket, actor=actor, kind=Kind.CREATED, new_value=ticket.status
        )
        if policy is not None:
            event_record(
                ticket=ticket, actor=None, kind=Kind.SLA_POLICY, new_value=policy
            )
        message = Message.objects.create(
            ticket=ticket,
            author=actor,
            body=body,
            email_message_id=email_message_id,
            **body_rendered(body),
        )
        ticket.rejected_attachments = attachments_store(
            message=message, uploads=attachments
        )
    ticket.opening_message = message
    return ticket


# --- Triage and routing -----------------------------------------------------

TRACKED_FIELDS: dict[str, str] = {
    "subject": Kind.SUBJECT,
    "priority": Kind.PRIORITY,
    "category": Kind.CATEGORY,
    "department": Kind.DEPARTMENT,
    "team": Kind.TEAM,
    "assignee": Kind.ASSIGNEE,
}


def _require_workable(actor: User | None, ticket: Ticket) -> None:
    if ticket.status == Status.CLOSED:
        raise TicketClosedError("This ticket is closed and cannot change.")
    if actor is not None and not permissions.can_work_ticket(actor, ticket):
        raise PermissionDeniedError("Only agents working this ticket can change it.")


@atomic
def ticket_update(*, ticket: Ticket, actor: User | None, **changes: object) -> Ticket:
    """Change the ticket's routing and triage fields, one event per field.

    Accepts subject, priority, category, department, team and assignee. A
    department change drops a team that belongs elsewhere; a team sets its
    department; the assignee must be an agent. Any agent change opens a new
    ticket.
    """
    unknown = set(changes) - set(TRACKED_FIELDS)
    if unknown:
        raise InvalidTicketChange(f"Cannot change {', '.join(sorted(unknown))}.")
    _require_workable(actor, ticket)
    assignee = changes.get("assignee")
    if assignee is not None and not (assignee.is_agent and assignee.is_active):
        raise InvalidTicketChange("Only active agents can be assigned tickets.")
    if "priority" in changes and changes["priority"] not in Ticket.Priority.values:
        raise InvalidTicketChange(f"Unknown priority {changes['priority']!r}.")
    if "subject" in changes:
        changes["subject"] = str(changes["subject"]).strip()[:255]
        if not changes["subject"]:
            raise InvalidTicketChange(
                "A ticket needs a subject.", code="subject_required"
            )

    if "department" in changes and "team" not in changes:
        department = changes["department"]
        if ticket.team_id and (
            department is None or ticket.team.department_id != department.pk
        ):
            changes["team"] = None
    team = changes.get("team")
    if team is not None:
        if "department" not in changes:
            # Choosing a team moves the ticket to the team's department.
            if ticket.department_id != team.department_id:
                changes["department"] = team.department
        elif changes["department"] is None or (
            team.department_id != changes["department"].pk
        ):
            where = changes["department"] or "no department"
            raise InvalidTicketChange(f"The team {team} is not part of {where}.")

    update_fields = ["updated_at"]
    for name, kind in TRACKED_FIELDS.items():
        if name not in changes:
            continue
        old, new = getattr(ticket, name), changes[name]
        if old == new:
            continue
        setattr(ticket, name, new)
        update_fields.append(name)
        event_record(
            ticket=ticket,
            actor=actor,
            kind=kind,
            old_value=_field_display(name, old),
            new_value=_field_display(name, new),
        )
    if len(update_fields) == 1:
        return ticket
    if "subject" in update_fields:
        ticket.search_text = ticket_search_text(ticket.subject)
        update_fields.append("search_text")
    if actor is not None:
        update_fields += open_if_new(ticket=ticket, actor=actor)
    if SLA_INPUTS & set(update_fields) and ticket.status != Status.CLOSED:
        # A person changed what the policy and targets depend on.
        update_fields += sla_recompute(ticket=ticket, actor=actor)
    ticket_counts_apply(ticket=ticket)
    ticket.save(update_fields=list(dict.fromkeys(update_fields)))
    return ticket


SLA_INPUTS = {"priority", "category", "department"}


def _field_display(name: str, value: object) -> str:
    if name == "priority" and value:
        return Ticket.Priority(value).label
    return "" if value is None else str(value)


def ticket_assign(*, ticket: Ticket, actor: User, assignee: User | None) -> Ticket:
    """Give the ticket to an agent, or to nobody."""
    return ticket_update(ticket=ticket, actor=actor, assignee=assignee)


def ticket_take(*, ticket: Ticket, actor: User) -> Ticket:
    """ "Take it": the acting agent becomes the assignee."""
    return ticket_update(ticket=ticket, actor=actor, assignee=actor)


# --- Merging ----------------------------------------------------------------


def ticket_merge_check(*, source: Ticket, target: Ticket, actor: User) -> None:
    """Raise the reason ``actor`` may not merge ``source`` into ``target``,
    if there is one; the confirmation page asks it before showing anything,
    and ``ticket_merge`` again before it writes."""
    if source.pk == target.pk:
        raise InvalidTicketChange(
            f"{source.reference} cannot be merged into itself; name another ticket."
        )
    if source.merged_into_id is not None:
        raise InvalidTicketChange(f"{source.reference} is already merged.")
    _require_workable(actor, source)
    if not permissions.can_work_ticket(actor, target):
        raise PermissionDeniedError(f"You cannot work on {target.reference}.")
    if ticket_merge_target_live(ticket=target).pk == source.pk:
        raise InvalidTicketChange(
            f"{target.reference} was merged into {source.reference}; merging "
            "back would make the merges loop."
        )
    if target.merged_into_id is not None:
        raise InvalidTicketChange(
            f"{target.reference} was itself merged into another ticket; merge "
            "into that one instead."
        )
    if target.status == Status.CLOSED:
        raise TicketClosedError(
            f"{target.reference} is closed; merge into an open one."
        )


def merge_public_by_default(*, source: Ticket, target: Ticket) -> bool:
    """Whether the source's text should land on the target as a public
    message unless the agent says otherwise: only when one person asked both.
    Another requester's words on a stranger's ticket stay an internal note."""
    return source.requester_id == target.requester_id


@atomic
def ticket_merge(
    *, source: Ticket, target: Ticket, actor: User, public: bool | None = None
) -> Ticket:
    """Merge ``source`` into ``target``: the source closes and points at the
    target; the target gets a message quoting the source's request, public or
    internal as ``public`` says (None: ``merge_public_by_default``).

    Messages stay on the ticket they were written on, so nobody loses sight of
    what they wrote; later replies to the source, by anyone, follow the merge
    chain to its live end when their author may see it
    (``tickets.services.messages``). The source's requester is told of the
    merge (the ``merged_into`` event), not sent the "closed" email.

    Refuses a merge whose target's own chain leads back to the source, so a
    chain never loops; only data changed outside this service, or two
    opposite merges racing, could make one (the chain's follower stops and
    says so, ``MergeChainBroken``).
    """
    ticket_merge_check(source=source, target=target, actor=actor)
    if public is None:
        public = merge_public_by_default(source=source, target=target)

    first = source.messages.filter(internal=False).order_by("created_at", "pk").first()
    quoted = "\n".join(
        f"> {line}" for line in (first.body if first else "").splitlines()
    )
    note = f"Merged {source.reference} ({source.subject}) into this ticket.\n\n{quoted}"
    Message.objects.create(
        ticket=target,
        author=actor,
        internal=not public,
        body=note,
        **body_rendered(note),
    )
    event_record(
        ticket=source, actor=actor, kind=Kind.MERGED_INTO, new_value=target.reference
    )
    event_record(
        ticket=target, actor=actor, kind=Kind.MERGED_FROM, new_value=source.reference
    )
    source.merged_into = target
    fields = status_set(ticket=source, actor=actor, status=Status.CLOSED)
    ticket_counts_apply(ticket=source)
    source.save(update_fields=[*fields, "merged_into", "updated_at"])
    target_fields = open_if_new(ticket=target, actor=actor)
    ticket_counts_apply(ticket=target)
    target.save(update_fields=["updated_at", *target_fields])
    return target


# --- Bulk -------------------------------------------------------------------

UNCHANGED = object()


@dataclass
class BulkResult:
    """What a bulk action did: the numbers changed, and the refusals with why."""

    changed: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def tickets_bulk_update(
    *,
    actor: User,
    numbers: Sequence[int],
    status: str | None = None,
    priority: str | None = None,
    assignee: User | object | None = UNCHANGED,
) -> BulkResult:
    """Apply one change to many tickets, each in its own transaction (so call
    it outside any: on MongoDB a block inside another joins it, and one
    ticket's refusal could not be rolled back alone).

    A ticket the agent may not see or change, or whose status cannot move, is
    refused with its reason and reported; the others are changed.
    """
    changes = {}
    if priority is not None:
        changes["priority"] = priority
    if assignee is not UNCHANGED:
        changes["assignee"] = assignee
    visible = {
        ticket.number: ticket
        for ticket in ticket_list_visible_to(actor).filter(number__in=list(numbers))
    }
    result = BulkResult()
    for number in dict.fromkeys(numbers):
        ticket = visible.get(number)
        if ticket is None or not permissions.can_work_ticket(actor, ticket):
            result.refused.append((number, "not found, or not yours to change"))
            continue
        try:
            _bulk_apply(ticket=ticket, actor=actor, changes=changes, status=status)
        except ApplicationError as error:
            result.refused.append((number, error.message))
        else:
            result.changed.append(number)
    return result


@atomic
def _bulk_apply(
    *, ticket: Ticket, actor: User, changes: dict, status: str | None
) -> None:
    """One ticket's share of a bulk change: all of it or none of it."""
    if changes:
        ticket_update(ticket=ticket, actor=actor, **changes)
    if status is not None and status != ticket.status:
        ticket_change_status(ticket=ticket, actor=actor, status=status)
