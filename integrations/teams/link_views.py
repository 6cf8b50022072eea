"""The portal pages that link a Teams user to an account."""

from django.http import HttpRequest, HttpResponse


def teams_link(request: HttpRequest, token: str) -> HttpResponse:
    """Sign in, then confirm linking the Teams user to this account."""
    raise NotImplementedError


def teams_links(request: HttpRequest) -> HttpResponse:
    """The signed-in person's Teams links, each with Remove."""
    raise NotImplementedError


def teams_link_remove(request: HttpRequest, link_id: str) -> HttpResponse:
    """POST: remove one of the signed-in person's links (confirmed first)."""
    raise NotImplementedError
