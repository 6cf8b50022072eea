"""Customer satisfaction: the requester rates a solved ticket Good or Bad.

Only the ticket's requester rates it (never an agent, never a colleague who
sees a shared request), only once it is solved or closed, and they may change
their rating until the ticket has been closed for CSAT_TOKEN_MAX_AGE_DAYS. A
new or changed rating leaves a ``satisfaction`` event (new_value good/bad,
old_value the rating before or ""), which the notifications turn into the
``satisfaction_good`` / ``satisfaction_bad`` events automation rules act on.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError, ConflictError, PermissionDeniedError
from tickets.models import SatisfactionRating, Ticket, TicketEvent

from .events import event_record

Status = Ticket.Status
Rating = SatisfactionRating.Rating
RATEABLE_STATUSES = (Status.SOLVED, Status.CLOSED)


class SurveysOff(ApplicationError):
    code = "satisfaction_off"
    status_code = 404


class SatisfactionClosed(ConflictError):
    code = "satisfaction_closed"


def surveys_enabled() -> bool:
    return bool(settings.CSAT_ENABLED)


def satisfaction_window_ends_at(ticket: Ticket) -> datetime | None:
    """When the rating of this ticket can no longer be given or changed: the
    closing plus CSAT_TOKEN_MAX_AGE_DAYS. None while it is not closed yet
    (solved tickets may be rated however long they stay solved)."""
    if ticket.status != Status.CLOSED:
        return None
    closed_at = ticket.closed_at or ticket.solved_at or ticket.updated_at
    return closed_at + timedelta(days=settings.CSAT_TOKEN_MAX_AGE_DAYS)


def satisfaction_open(ticket: Ticket, *, now: datetime | None = None) -> bool:
    """Whether the ticket may be rated now, by its requester: surveys on, the
    ticket solved or closed (not merged away), inside the window."""
    if not surveys_enabled() or ticket.status not in RATEABLE_STATUSES:
        return False
    if ticket.merged_into_id is not None:
        return False
    ends_at = satisfaction_window_ends_at(ticket)
    return ends_at is None or (now or timezone.now()) < ends_at


def can_rate(user: User, ticket: Ticket) -> bool:
    """The requester, a customer, while the ticket may be rated."""
    return (
        user.is_authenticated
        and user.is_active
        and not user.is_agent
        and ticket.requester_id == user.pk
        and satisfaction_open(ticket)
    )


def satisfaction_for(ticket: Ticket) -> SatisfactionRating | None:
    """The ticket's rating, or None; reuses a select_related row."""
    try:
        return ticket.satisfaction
    except SatisfactionRating.DoesNotExist:
        return None


def satisfaction_check(actor: User, ticket: Ticket) -> None:
    """Raise the reason ``actor`` may not rate ``ticket`` now, if any:
    SurveysOff, PermissionDeniedError or SatisfactionClosed."""
    if not surveys_enabled():
        raise SurveysOff("Satisfaction surveys are turned off.")
    if actor.is_agent or ticket.requester_id != actor.pk or not actor.is_active:
        raise PermissionDeniedError(
            "Only the person who opened this request can rate it.",
            code="not_the_requester",
        )
    if ticket.status not in RATEABLE_STATUSES or ticket.merged_into_id is not None:
        raise SatisfactionClosed(
            "Only solved requests can be rated. This one is "
            f"{ticket.get_status_display().lower()}"
            f"{' (merged into another)' if ticket.merged_into_id else ''}.",
            code="not_solved",
        )
    if not satisfaction_open(ticket):
        raise SatisfactionClosed(
            "This request was closed too long ago to be rated or to change its rating."
        )


@atomic
def satisfaction_rate(
    *,
    ticket: Ticket,
    actor: User,
    rating: str,
    comment: str | None = None,
) -> SatisfactionRating:
    """Give or change the requester's rating; ``comment`` None keeps the one
    there is (a one-click rating from an email leaves an earlier comment).

    Records a ``satisfaction`` event when the rating is new or changes, so a
    repeated click (a replayed link, a double submit) notifies nobody twice.
    Raises SurveysOff, PermissionDeniedError or SatisfactionClosed; a
    ConflictError only if other requests kept changing the rating while this
    one tried to write it.
    """
    if rating not in Rating.values:
        raise ApplicationError("Choose Good or Bad.", code="invalid_rating")
    satisfaction_check(actor, ticket)
    if comment is not None:
        comment = comment.strip()
    # Each write only lands on the row as it was read (a compare-and-set), so
    # two requests at once (a double click, a replayed link, two tabs) never
    # both record the same change: the one that loses reads again and finds
    # the rating already given.
    for _attempt in range(RATE_ATTEMPTS):
        existing, old_rating = _rating_written(ticket, actor, rating, comment)
        if existing is not None:
            break
    else:
        raise ConflictError(
            "This request was rated a moment ago; reload to see the rating.",
            code="rated_twice",
        )
    if rating != old_rating:
        event_record(
            ticket=ticket,
            actor=actor,
            kind=TicketEvent.Kind.SATISFACTION,
            old_value=old_rating,
            new_value=rating,
        )
    ticket.satisfaction = existing
    return existing


RATE_ATTEMPTS = 3


def _rating_written(
    ticket: Ticket, actor: User, rating: str, comment: str | None
) -> tuple[SatisfactionRating | None, str]:
    """Give or change the rating from the row as it is now: (the rating, the
    answer it had before, "" for none), or (None, "") when another request
    wrote it between the read and the write."""
    now = timezone.now()
    existing = SatisfactionRating.objects.filter(ticket=ticket).first()
    if existing is None:
        created = SatisfactionRating(
            ticket=ticket,
            rated_by=actor,
            rating=rating,
            comment=comment or "",
            created_at=now,
            rated_at=now,
        )
        try:
            with atomic():
                created.save()
        except IntegrityError:
            return None, ""  # rated a moment ago: read it again
        return created, ""
    changes: dict = {}
    if rating != existing.rating:
        changes["rating"] = rating
    if comment is not None and comment != existing.comment:
        changes["comment"] = comment
    if not changes:
        return existing, existing.rating
    changes |= {"rated_by": actor, "rated_at": now}
    written = SatisfactionRating.objects.filter(
        pk=existing.pk, rating=existing.rating, comment=existing.comment
    ).update(**changes)
    if not written:
        return None, ""
    old_rating = existing.rating
    for name, value in changes.items():
        setattr(existing, name, value)
    return existing, old_rating
