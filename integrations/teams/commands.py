"""Working tickets from Teams: reading a command and running it as the
linked person, through the same selectors, services and permission checks
as the web.

A person who may not see a ticket gets the answer a missing ticket gets
(``NOT_FOUND``), word for word. Customers may use ``help``, ``new``,
``#1042`` and ``mine``; the agent commands are refused to them without
looking the ticket up. Every accepted request is recorded in
``TeamsCommand`` before it acts, which claims its activity id: a replay,
even one racing the first request, is answered "already handled" and does
nothing. Nothing here makes an outbound call (Teams waits 5 seconds at most).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.db import IntegrityError
from django.http import Http404

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError
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

from ..models import TeamsCommand, TeamsConnector
from .activity import Activity
from .answers import answer, help_answer, neutral
from .linking import LinkRequest, link_path
from .links import user_for_teams

MINE_LIMIT = 10
TEXT_LIMIT = 2_000
# The channel a ticket opened from Teams gets: Teams is a chat client, and
# the model has no Teams value (adding one is a migration).
CHANNEL = Ticket.Channel.CHAT
AGENT_VERBS = frozenset({"take", "assign", "reply", "note", "solve"})
VERBS = frozenset({"help", "new", "show", "mine"}) | AGENT_VERBS
MAX_TICKET_NUMBER = 2_147_483_647

NOT_FOUND = "I cannot find that ticket, or you may not see it."
ALREADY = "Already handled: this message was answered before."
AGENTS_ONLY = "Only agents can take, assign, reply to, add notes to or solve tickets."
NOT_LINKED = (
    "I do not know you yet. Sign in and confirm to link your Teams account: {url}"
)
NO_IDENTITY = "Teams did not say who you are, so I cannot link your account."

_NUMBER = re.compile(r"#?(\d+)\Z")


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


def command_parse(text: str) -> Command:
    """``text`` (plain, mention removed) as a Command. Unknown words are
    verb ``unknown``; ``#1042`` and ``1042`` alone are ``show``."""
    first_line, _, following = text.strip().partition("\n")
    words = first_line.split(None, 1)
    if not words:
        return Command(verb="help")
    head = words[0].lower()
    after = words[1] if len(words) > 1 else ""
    if _NUMBER.match(head):
        return _with_number("show", head, after + "\n" + following)
    if head == "new":
        return Command(verb="new", rest=(after + "\n" + following).strip())
    if head in ("help", "mine"):
        return Command(verb=head)
    if head in AGENT_VERBS or head == "show":
        number, _, text_after = after.partition(" ")
        if not number:
            return Command(verb=head, bad_number=True)
        return _with_number(head, number, text_after + "\n" + following)
    return Command(verb="unknown")


def _with_number(verb: str, word: str, rest: str) -> Command:
    match = _NUMBER.match(word.strip())
    if match is None:
        return Command(verb=verb, bad_number=True, rest=rest.strip())
    digits = match.group(1)
    if len(digits) > 10 or int(digits) > MAX_TICKET_NUMBER:
        # No ticket has it; answered as any missing ticket.
        return Command(verb=verb, number=0, rest=rest.strip())
    return Command(verb=verb, number=int(digits), rest=rest.strip())


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- Running ----------------------------------------------------------------


def command_handle(*, connector: TeamsConnector, activity: Activity) -> dict:
    """Answer one signed, fresh activity: the message activity to return.

    Records a TeamsCommand first (which claims the activity id: a replay is
    answered ALREADY and does nothing), runs the command as the linked
    account, then stores the outcome on the row. Service refusals
    (ApplicationError) become the answer; nothing here raises for them."""
    if TeamsCommand.objects.filter(
        connector=connector, activity_id=activity.id
    ).exists():
        return answer(ALREADY)
    user = user_for_teams(
        tenant_id=activity.tenant_id, aad_object_id=activity.aad_object_id
    )
    command = command_parse(activity.text)
    record = teams_command_claim(
        connector=connector, activity=activity, user=user, verb=command.verb
    )
    if record is None:
        # The same activity, recorded by a request running alongside this one.
        return answer(ALREADY)
    result = _run(command=command, user=user, activity=activity, connector=connector)
    teams_command_finish(record=record, outcome=result.outcome, ticket=result.ticket)
    return result.message


def teams_command_claim(
    *,
    connector: TeamsConnector,
    activity: Activity,
    user: User | None,
    verb: str,
) -> TeamsCommand | None:
    """Record that this activity arrived, before acting on it; None when
    its id is already recorded for this connector (the unique constraint
    decides a race; the failed insert's block is rolled back whole, and the
    error is caught outside it)."""
    try:
        return _teams_command_insert(
            connector=connector, activity=activity, user=user, verb=verb
        )
    except IntegrityError:
        return None


@atomic
def _teams_command_insert(
    *,
    connector: TeamsConnector,
    activity: Activity,
    user: User | None,
    verb: str,
) -> TeamsCommand:
    return TeamsCommand.objects.create(
        connector=connector,
        activity_id=activity.id,
        aad_object_id=activity.aad_object_id,
        display_name=activity.display_name,
        user=user,
        text=activity.text[:TEXT_LIMIT],
        verb=verb,
        outcome="received",
    )


@atomic
def teams_command_finish(
    *, record: TeamsCommand, outcome: str, ticket: Ticket | None
) -> TeamsCommand:
    """Store what the command did (``outcome``, capped to the column) and the
    ticket it was about."""
    record.outcome = outcome[:500]
    record.ticket = ticket
    record.save(update_fields=["outcome", "ticket"])
    return record


def _run(
    *,
    command: Command,
    user: User | None,
    activity: Activity,
    connector: TeamsConnector,
) -> Outcome:
    if command.verb == "help":
        return Outcome(help_answer(), "help")
    if user is None:
        return _not_linked(activity, connector)
    if command.verb == "unknown":
        return Outcome(help_answer("I did not understand that."), "not understood")
    if command.verb in AGENT_VERBS and not user.is_agent:
        return Outcome(answer(AGENTS_ONLY), "refused: agents only")
    if command.bad_number:
        return Outcome(
            help_answer("Name the ticket by its number, like #1042."),
            "no ticket number",
        )
    handler = HANDLERS[command.verb]
    try:
        return handler(command=command, user=user)
    except Http404:
        return Outcome(answer(NOT_FOUND), "not found")
    except ApplicationError as error:
        return Outcome(answer(neutral(error.message, 500)), f"refused: {error.code}")


def _not_linked(activity: Activity, connector: TeamsConnector) -> Outcome:
    if not activity.aad_object_id:
        return Outcome(answer(NO_IDENTITY), "not linked: no Azure AD id")
    path = link_path(
        LinkRequest(
            tenant_id=activity.tenant_id,
            aad_object_id=activity.aad_object_id,
            display_name=activity.display_name,
            connector_id=str(connector.pk),
        )
    )
    return Outcome(
        answer(NOT_LINKED.format(url=_absolute(path)), "Then write to me again."),
        "not linked: sent the link",
    )


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
    url = _absolute(
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
    lines.append(f"Open it in the helpdesk: {_absolute(url)}")
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
