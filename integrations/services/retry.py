"""An admin processing a failed inbound email again."""

from accounts.models import User
from helpdesk.errors import ConflictError, PermissionDeniedError

from ..models import InboundEmail
from ..permissions import can_manage_inbound
from .inbound import inbound_process


def inbound_retry(*, actor: User, inbound: InboundEmail) -> InboundEmail:
    """Run the failed message through ``inbound_process`` again, now, and
    return it with its new status, outcome and error (as the Django admin's
    *Retry* action does, one message at a time).

    The message is claimed first by a compare-and-set on its
    ``processed_at`` (every finished processing sets it anew), so two retries
    at once process it once: the second gets 409. Runs outside a
    transaction, as processing records its own outcome.

    Raises PermissionDeniedError (403) for anyone but an admin and
    ConflictError (409 ``not_failed``) unless the message is failed.
    """
    if not can_manage_inbound(actor):
        raise PermissionDeniedError("Only admins may retry inbound email.")
    claimed = InboundEmail.objects.filter(
        pk=inbound.pk,
        status=InboundEmail.Status.FAILED,
        processed_at=inbound.processed_at,
    ).update(processed_at=None)
    if not claimed:
        inbound.refresh_from_db()
        raise ConflictError(
            f"Only failed mail can be retried; this one is {inbound.status}.",
            code="not_failed",
        )
    inbound.processed_at = None
    return inbound_process(inbound=inbound)
