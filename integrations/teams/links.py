"""Teams links: who a Teams user is here (reads), and confirming or removing
a link (writes)."""

from __future__ import annotations

from django.db import IntegrityError
from django.db.models import QuerySet

from accounts.models import User
from helpdesk.db import atomic
from helpdesk.errors import ApplicationError, PermissionDeniedError

from ..models import TeamsLink
from .linking import LinkRequest


def user_for_teams(*, tenant_id: str, aad_object_id: str) -> User | None:
    """The active account linked to this Teams user, or None (unlinked, or
    the account was deactivated)."""
    if not aad_object_id:
        return None
    link = (
        TeamsLink.objects.select_related("user")
        .filter(tenant_id=tenant_id or "", aad_object_id=aad_object_id)
        .first()
    )
    if link is None or not link.user.is_active:
        return None
    return link.user


class TeamsLinkRefused(ApplicationError):
    """The link cannot be made: the account is deactivated, or the Teams user
    is already linked to another account."""

    code = "teams_link_refused"
    status_code = 409


def teams_link_confirm(*, user: User, request: LinkRequest) -> TeamsLink:
    """Link the Teams user a token named (``request``) to ``user``, who has
    signed in and confirmed. Returns the link.

    Already linked to ``user``: nothing changes, the existing link is
    returned (a second click, an old tab). Linked to another account:
    TeamsLinkRefused, nothing changes. The bot's answer carrying the link is
    visible to everyone in the channel, so a link never replaces another
    person's: the old one must be removed first, by its owner on their
    Teams page or by an admin. A deactivated account is refused too.

    One write in ``helpdesk.db.atomic``; two confirmations racing for the
    same Teams user meet the unique constraint, and the loser gets
    TeamsLinkRefused (the block fails, nothing is kept).
    """
    if not user.is_active:
        raise TeamsLinkRefused("This account is deactivated; it cannot be linked.")
    taken = teams_link_taken_message(request.display_name)
    existing = TeamsLink.objects.filter(
        tenant_id=request.tenant_id, aad_object_id=request.aad_object_id
    ).first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise TeamsLinkRefused(taken)
        return existing
    try:
        with atomic():
            return TeamsLink.objects.create(
                tenant_id=request.tenant_id,
                aad_object_id=request.aad_object_id,
                display_name=request.display_name[:255],
                user=user,
            )
    except IntegrityError as error:  # confirmed elsewhere a moment ago
        raise TeamsLinkRefused(taken) from error


def teams_link_taken_message(display_name: str) -> str:
    """Why a Teams user already linked to another account cannot be linked
    (the other account is not named)."""
    name = display_name or "This Teams user"
    return (
        f"{name} is already linked to another helpdesk account. A link never "
        "replaces someone else's: its owner removes it first (under Microsoft "
        "Teams in their profile), or an admin does."
    )


def teams_link_remove(*, actor: User, link: TeamsLink) -> None:
    """Remove ``link``; only its own account may (PermissionDeniedError
    otherwise; views look the link up among the actor's own, so another
    person's is a 404 before this). From then on that Teams user is
    unlinked and can ask the bot for ``help`` only, until linked again."""
    if link.user_id != actor.pk:
        raise PermissionDeniedError("You can only remove your own Teams links.")
    with atomic():
        link.delete()


def teams_links_of(user: User) -> QuerySet[TeamsLink]:
    """``user``'s own links, newest first (no other person's)."""
    return TeamsLink.objects.filter(user=user).order_by("-linked_at", "-pk")
