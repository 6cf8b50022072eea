"""Teams links: who a Teams user is here (reads), and confirming or removing
a link (writes)."""

from __future__ import annotations

from accounts.models import User

from ..models import TeamsLink


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
