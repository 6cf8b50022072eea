"""The portable search backend's term index (``tickets.search.backends
.portable``): one row per distinct word of each subject and each message.

Used where the database has no full-text index of its own that the helpdesk
drives (MongoDB), or when ``SEARCH_BACKEND = "portable"``. The native
backends keep their index in the database and leave this table empty.
"""

from django.db import models
from django.db.models.signals import post_migrate, post_save


class SearchTerm(models.Model):
    """A word (``tickets.search.tokens``) of a ticket's subject (``ticket``
    set, ``message`` empty) or of a message (``message`` set, ``ticket``
    empty, ``internal`` copied from the message)."""

    term = models.CharField(max_length=64)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    internal = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["term"], name="tickets_searchterm_term")]

    def __str__(self) -> str:
        return self.term


def _ticket_saved(sender, instance, created, update_fields, raw=False, **kwargs):
    if raw:
        return
    from tickets.search import search_backend

    search_backend().ticket_saved(
        instance, created=created, update_fields=update_fields
    )


def _message_saved(sender, instance, created, update_fields, raw=False, **kwargs):
    if raw:
        return
    from tickets.search import search_backend

    search_backend().message_saved(
        instance, created=created, update_fields=update_fields
    )


# The index follows the rows whatever path saved them (services, the admin,
# factories), as Wagtail's signal handlers and the native backends' triggers
# do; rows written with ``update()`` or ``bulk_create()`` are indexed by
# ``manage.py search_reindex``.
post_save.connect(_ticket_saved, sender="tickets.Ticket", weak=False)
post_save.connect(_message_saved, sender="tickets.Message", weak=False)


def _install_after_migrate(sender, app_config, apps=None, **kwargs):
    """Recreate the native index's triggers a table rebuild dropped (SQLite
    rebuilds a table to alter it), once the search migration is applied."""
    if app_config.label != "tickets" or apps is None:
        return
    try:
        apps.get_model("tickets", "SearchTerm")
    except LookupError:
        return  # migrated back to before the search index
    from tickets.search.backends import install_native

    install_native(fill_portable=False)


post_migrate.connect(_install_after_migrate, weak=False)
