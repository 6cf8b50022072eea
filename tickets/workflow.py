"""The ticket status machine: the one place that says which moves are allowed.

new      -> open, pending, on_hold, solved, closed   (first agent action opens)
open     -> pending, on_hold, solved, closed
pending  -> open, on_hold, solved, closed            (waiting on the customer)
on_hold  -> open, pending, solved, closed            (waiting on a third party)
solved   -> open, closed                             (reopen, or auto-close)
closed   -> nothing: a closed ticket is read-only

Nothing ever goes back to new. Who may make a move is a permission question
(``tickets.permissions``); this module only knows the moves themselves.
"""

from helpdesk.errors import ConflictError

from .models import UNSOLVED_STATUSES, Ticket

Status = Ticket.Status

__all__ = [
    "ALLOWED_TRANSITIONS",
    "UNSOLVED_STATUSES",
    "TransitionNotAllowed",
    "check_transition",
    "is_transition_allowed",
]

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED}
    ),
    Status.OPEN: frozenset(
        {Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED}
    ),
    Status.PENDING: frozenset(
        {Status.OPEN, Status.ON_HOLD, Status.SOLVED, Status.CLOSED}
    ),
    Status.ON_HOLD: frozenset(
        {Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED}
    ),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class TransitionNotAllowed(ConflictError):
    code = "transition_not_allowed"


def is_transition_allowed(old: str, new: str) -> bool:
    return new in ALLOWED_TRANSITIONS.get(old, frozenset())


def check_transition(old: str, new: str) -> None:
    """Raise TransitionNotAllowed, with a sentence a person understands."""
    if is_transition_allowed(old, new):
        return
    old_label, new_label = Status(old).label, Status(new).label
    if old == new:
        message = f"The ticket is already {old_label.lower()}."
    elif old == Status.CLOSED:
        message = "A closed ticket cannot change; open a follow-up ticket instead."
    elif new == Status.NEW:
        message = "A ticket cannot go back to new."
    else:
        message = f"A {old_label.lower()} ticket cannot become {new_label.lower()}."
    raise TransitionNotAllowed(message, extra={"from": old, "to": new})
