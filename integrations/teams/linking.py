"""Who is writing in Teams: linking an Azure AD user to a helpdesk account.

The bot answers an unlinked person with a portal link carrying a signed
token (Django's ``signing``, salted for this use, valid for
``TEAMS_LINK_MAX_AGE_MINUTES``) that names their tenant, Azure AD object id,
Teams name and the connector they wrote through. Signing in and confirming
on that page creates the ``TeamsLink``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from helpdesk.errors import ApplicationError

SALT = "integrations.teams.link"


class LinkTokenInvalid(ApplicationError):
    """The link is malformed, forged or expired."""

    code = "teams_link_invalid"


@dataclass(frozen=True)
class LinkRequest:
    """What a link token says: who wrote in Teams, through which connector."""

    tenant_id: str
    aad_object_id: str
    display_name: str
    connector_id: str


def link_token_make(request: LinkRequest) -> str:
    """A URL-safe signed token for ``request`` (not encrypted: it names the
    Teams user, which the person holding it already knows)."""
    return signing.dumps(
        {
            "t": request.tenant_id,
            "a": request.aad_object_id,
            "n": request.display_name,
            "c": request.connector_id,
        },
        salt=SALT,
        compress=True,
    )


def link_token_read(token: str) -> LinkRequest:
    """The request a token carries; LinkTokenInvalid when it was not made
    here, was changed, or is older than ``TEAMS_LINK_MAX_AGE_MINUTES``."""
    try:
        data = signing.loads(
            token, salt=SALT, max_age=settings.TEAMS_LINK_MAX_AGE_MINUTES * 60
        )
    except signing.SignatureExpired as error:
        raise LinkTokenInvalid(
            "This link has expired. Write to the helpdesk in Teams again for a new one."
        ) from error
    except signing.BadSignature as error:
        raise LinkTokenInvalid("This link is not valid.") from error
    if not isinstance(data, dict) or not data.get("a"):
        raise LinkTokenInvalid("This link is not valid.")
    return LinkRequest(
        tenant_id=str(data.get("t") or ""),
        aad_object_id=str(data["a"]),
        display_name=str(data.get("n") or ""),
        connector_id=str(data.get("c") or ""),
    )


def link_path(request: LinkRequest) -> str:
    """The portal path that confirms the link (absolute it for Teams)."""
    return reverse(
        "integrations:teams_link", kwargs={"token": link_token_make(request)}
    )
