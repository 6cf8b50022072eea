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

from django.db import IntegrityError
from django.http import Http404

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError
from tickets.models import Ticket

from ..models import TeamsCommand, TeamsConnector
from .activity import Activity
from .answers import answer, help_answer, neutral
from .handlers import HANDLERS, NOT_FOUND, Command, Outcome, absolute
from .linking import LinkRequest, link_path
from .links import user_for_teams

TEXT_LIMIT = 2_000
AGENT_VERBS = frozenset({"take", "assign", "reply", "note", "solve"})
MAX_TICKET_NUMBER = 2_147_483_647

ALREADY = "Already handled: this message was answered before."
AGENTS_ONLY = "Only agents can take, assign, reply to, add notes to or solve tickets."
NOT_LINKED = (
    "I do not know you yet. Sign in and confirm to link your Teams account: {url}"
)
NO_IDENTITY = "Teams did not say who you are, so I cannot link your account."

# ASCII digits only: "\d" would also read "#١٢" or fullwidth digits as 12.
_NUMBER = re.compile(r"#?([0-9]+)\Z")


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
        answer(NOT_LINKED.format(url=absolute(path)), "Then write to me again."),
        "not linked: sent the link",
    )
