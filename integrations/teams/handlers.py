"""The commands themselves, each run as the linked person through the same
selectors, services and permission checks as the web (``commands`` reads,
records and dispatches them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.http import Http404

from accounts.models import User
from tickets.models import Ticket
from tickets.models.tickets import UNSOLVED_STATUSES
from tickets.selectors import ticket_get_for, ticket_list_visible_to
from tickets.services import (
    message_add,
    ticket_assign,
    ticket_change_status,
    ticket_create,
    ticket_take,
)

from .answers import answer, neutral

MINE_LIMIT = 10
# The channel a ticket opened from Teams gets: Teams is a chat client, and
# the model has no Teams value (adding one is a migration).
CHANNEL = Ticket.Channel.CHAT
NOT_FOUND = "I cannot find that ticket, or you may not see it."


@dataclass
class Command:
    """A parsed command: the verb, the ticket number named (if any) and the
    rest of the text."""

    verb: str
    number: int | None = None
    rest: str = ""
    bad_number: bool = False


@dataclass
class Outcome:
    """An answer and what to record about it."""

    message: dict
    outcome: str
    ticket: Ticket | None = None


def absolute(path: str) -> str:
    """``path`` (from ``reverse``) as a full URL on SITE_URL, for answers
    read outside the site."""
    return settings.SITE_URL.rstrip("/") + path


def _ticket(user: User, command: Command) -> Ticket:
    """The named ticket if ``user`` may see it; Http404 otherwise (missing
    and unseen alike, as ``ticket_get_for`` answers on the web)."""
    if not command.number:
        raise Http404
    return ticket_get_for(user, command.number)


def _new(*, command: Command, user: User) -> Outcome:
    subject, _, description = command.rest.partition("\n")
    subject, description = subject.strip(), description.strip()
    if not subject:
        return Outcome(
            answer("Write a subject after `new`, like: new Printer is broken"),
            "no subject",
        )
    ticket = ticket_create(
        requester=user,
        actor=user,
        subject=subject,
        body=description or subject,
        channel=CHANNEL,
    )
    url = absolute(
        ticket.get_agent_url() if user.is_agent else ticket.get_absolute_url()
    )
    return Outcome(
        answer(
            f"Opened {ticket.reference}: {neutral(ticket.subject)}",
            f"Open it in the helpdesk: {url}",
        ),
        "created",
        ticket,
    )


def _show(*, command: Command, user: User) -> Outcome:
    ticket = _ticket(user, command)
    lines = [
        f"**{ticket.reference}** {neutral(ticket.subject)}",
        f"Status: {ticket.get_status_display()}",
    ]
    if user.is_agent:
        assignee = ticket.assignee.display_name if ticket.assignee else "nobody"
        lines.append(f"Assignee: {neutral(assignee)}")
        lines.append(f"Priority: {ticket.get_priority_display()}")
        lines.append(f"SLA: {_sla_line(ticket)}")
    else:
        handler = ticket.assignee.display_name if ticket.assignee else "Our team"
        lines.append(f"Handled by: {neutral(handler)}")
    last = (
        ticket.messages.filter(internal=False)
        .select_related("author")
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is not None:
        lines.append(
            f"Last reply by {neutral(last.author.display_name)}: "
            f"{neutral(last.body, 300)}"
        )
    url = ticket.get_agent_url() if user.is_agent else ticket.get_absolute_url()
    lines.append(f"Open it in the helpdesk: {absolute(url)}")
    return Outcome(answer(*lines), "shown", ticket)


def _sla_line(ticket: Ticket) -> str:
    """The nearest running SLA target as agents read it: its name, its
    state (on track, at risk, overdue) and when it is due, in UTC."""
    from tickets.services.sla import nearest_deadline, sla_minutes_left
    from tickets.services.sla_policies import policy_cached

    if ticket.sla_policy_id is None:
        return "no SLA policy"
    if ticket.status not in UNSOLVED_STATUSES:
        return "stopped (not open)"
    nearest = nearest_deadline(ticket)
    if nearest is None:
        return "paused" if ticket.sla_paused_since else "no running target"
    target, due = nearest
    policy = policy_cached(ticket.sla_policy_id)
    minutes, _ = sla_minutes_left(ticket, due)
    if minutes < 0:
        state = "overdue"
    elif policy is not None and minutes <= policy.warn_before_minutes:
        state = "at risk"
    else:
        state = "on track"
    label = {
        "first_response": "first reply",
        "next_response": "next reply",
        "resolution": "resolution",
    }.get(str(target), str(target))
    when = due.astimezone(UTC).strftime("%a %d %b %Y %H:%M UTC")
    return f"{state}, {label} due {when}"


def _mine(*, command: Command, user: User) -> Outcome:
    tickets = ticket_list_visible_to(user).filter(status__in=list(UNSOLVED_STATUSES))
    tickets = (
        tickets.filter(assignee_id=user.pk)
        if user.is_agent
        else tickets.filter(requester_id=user.pk)
    )
    tickets = tickets.order_by("-updated_at", "-pk")
    shown = list(tickets[:MINE_LIMIT])
    if not shown:
        whose = "assigned to you" if user.is_agent else "of yours"
        return Outcome(answer(f"No open tickets {whose}."), "listed 0")
    total = tickets.count() if len(shown) == MINE_LIMIT else len(shown)
    title = "Open tickets assigned to you" if user.is_agent else "Your open requests"
    rows = "\n".join(
        f"- {ticket.reference} {neutral(ticket.subject, 120)} "
        f"({ticket.get_status_display()})"
        for ticket in shown
    )
    more = f"and {total - len(shown)} more" if total > len(shown) else ""
    return Outcome(answer(f"**{title}** ({total})", rows, more), f"listed {total}")


def _take(*, command: Command, user: User) -> Outcome:
    ticket = ticket_take(ticket=_ticket(user, command), actor=user)
    return Outcome(
        answer(f"You took {ticket.reference}: {neutral(ticket.subject)}"),
        "taken",
        ticket,
    )


def _assign(*, command: Command, user: User) -> Outcome:
    ticket = _ticket(user, command)
    email = command.rest.split(None, 1)[0] if command.rest.split() else ""
    email = email.removeprefix("mailto:")
    if not email:
        return Outcome(
            answer("Name the agent by email, like: assign #1042 ann@example.com"),
            "no assignee",
            ticket,
        )
    assignee = User.objects.filter(email__iexact=email, is_active=True).first()
    if assignee is None or not assignee.is_agent:
        return Outcome(
            answer(f"No active agent has the address {neutral(email, 254)}."),
            "no such agent",
            ticket,
        )
    ticket = ticket_assign(ticket=ticket, actor=user, assignee=assignee)
    return Outcome(
        answer(f"Assigned {ticket.reference} to {neutral(assignee.display_name)}."),
        "assigned",
        ticket,
    )


def _message(*, command: Command, user: User, internal: bool) -> Outcome:
    ticket = _ticket(user, command)
    if not command.rest.strip():
        kind = "note" if internal else "reply"
        return Outcome(
            answer(f"Write the {kind} after the number, like: {kind} #1042 Thanks!"),
            "empty",
            ticket,
        )
    message = message_add(
        ticket=ticket, author=user, body=command.rest.strip(), internal=internal
    )
    done = "Added an internal note to" if internal else "Replied publicly on"
    return Outcome(
        answer(f"{done} {message.ticket.reference}."),
        "noted" if internal else "replied",
        message.ticket,
    )


def _reply(*, command: Command, user: User) -> Outcome:
    return _message(command=command, user=user, internal=False)


def _note(*, command: Command, user: User) -> Outcome:
    return _message(command=command, user=user, internal=True)


def _solve(*, command: Command, user: User) -> Outcome:
    ticket = _ticket(user, command)
    if ticket.status == Ticket.Status.SOLVED:
        return Outcome(
            answer(f"{ticket.reference} is already solved."), "already solved", ticket
        )
    ticket = ticket_change_status(
        ticket=ticket, actor=user, status=Ticket.Status.SOLVED
    )
    return Outcome(answer(f"Marked {ticket.reference} solved."), "solved", ticket)


HANDLERS = {
    "new": _new,
    "show": _show,
    "mine": _mine,
    "take": _take,
    "assign": _assign,
    "reply": _reply,
    "note": _note,
    "solve": _solve,
}
