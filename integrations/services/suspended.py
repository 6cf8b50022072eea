"""Deciding on suspended mail: accept it as the reply it claimed to be, or
reject it (kept, never deleted)."""

from django.utils import timezone

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import ConflictError, PermissionDeniedError

from ..models import InboundEmail
from ..permissions import can_review_suspended
from .inbound import inbound_process

Status = InboundEmail.Status


def _claim(*, inbound: InboundEmail, actor: User, status: str, outcome: str = ""):
    """Move the mail out of the queue in one conditional update, so two agents
    deciding at once cannot both act on it."""
    if not can_review_suspended(actor, inbound):
        raise PermissionDeniedError("You cannot review this mail.")
    fields = {"status": status, "reviewed_by": actor, "reviewed_at": timezone.now()}
    if outcome:
        fields["outcome"] = outcome[:500]
    claimed = InboundEmail.objects.filter(
        pk=inbound.pk, status=Status.SUSPENDED
    ).update(**fields)
    if not claimed:
        raise ConflictError(
            "This mail is no longer waiting: someone else has decided on it.",
            code="already_reviewed",
        )


def suspended_accept(*, inbound: InboundEmail, actor: User) -> InboundEmail:
    """Process the mail as what it claimed to be (a reply by its From address,
    usually), marked "sender not verified" with who accepted it. Processing
    problems are recorded on the row as for any inbound mail, not raised."""
    # One transaction: nobody else (the stuck-mail sweep) ever sees it pending.
    with atomic():
        _claim(inbound=inbound, actor=actor, status=Status.PENDING)
        return inbound_process(inbound=InboundEmail.objects.get(pk=inbound.pk))


@atomic
def suspended_reject(*, inbound: InboundEmail, actor: User) -> InboundEmail:
    """Keep the mail as rejected: it never reaches a ticket, and the raw
    message stays for the record."""
    _claim(
        inbound=inbound,
        actor=actor,
        status=Status.REJECTED,
        outcome=f"Rejected by {actor.display_name}: {inbound.outcome}",
    )
    return InboundEmail.objects.get(pk=inbound.pk)
