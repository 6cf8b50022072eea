"""Agents' saved ticket-list filters."""

from django.db import IntegrityError
from django.http import QueryDict

from accounts.models import User
from helpdesk.db import atomic
from tickets.models import SavedFilter

from .errors import InvalidTicketChange

# Paging is not part of a filter: a saved filter always opens on page 1.
NOT_SAVED = {"page", "csrfmiddlewaretoken", "name"}


def clean_query(query: str) -> str:
    params = QueryDict(query, mutable=True)
    for key in NOT_SAVED:
        params.pop(key, None)
    for key in list(params):
        if not any(params.getlist(key)):
            params.pop(key)
    return params.urlencode()


@atomic
def saved_filter_save(*, owner: User, name: str, query: str) -> SavedFilter:
    """Save the filter under ``name``, replacing one of the same name."""
    name = name.strip()[:100]
    if not name:
        raise InvalidTicketChange("Give the filter a name.")
    saved = SavedFilter.objects.filter(owner=owner, name=name).first()
    if saved is not None:
        saved.query = clean_query(query)
        saved.save(update_fields=["query", "updated_at"])
        return saved
    try:
        with atomic():
            return SavedFilter.objects.create(
                owner=owner, name=name, query=clean_query(query)
            )
    except IntegrityError as error:  # a double click raced us: the block fails
        raise InvalidTicketChange("That filter was just saved; try again.") from error


@atomic
def saved_filter_delete(*, owner: User, saved: SavedFilter) -> None:
    if saved.owner_id != owner.pk:
        raise InvalidTicketChange("That filter is not yours.")
    saved.delete()
