from django.conf import settings
from django.core.management.base import BaseCommand

from tickets.models import Message, Ticket
from tickets.search import message_search_text, search_text_reindex, ticket_search_text


class Command(BaseCommand):
    help = (
        "Fold every ticket subject and message body again into the search text "
        "that ticket search reads. Run it after changing SEARCH_IGNORE_ACCENTS "
        "(or after a release that changes helpdesk.search_text); only rows whose "
        "folded text differs are written. Safe to interrupt and run again."
    )

    def handle(self, *args, **options):
        accents = "ignored" if settings.SEARCH_IGNORE_ACCENTS else "kept"
        self.stdout.write(f"Folding search text (accents {accents}).")
        for model, source, fold in (
            (Ticket, "subject", ticket_search_text),
            (Message, "body", message_search_text),
        ):
            seen, changed = search_text_reindex(model, source=source, fold=fold)
            name = model._meta.verbose_name_plural
            self.stdout.write(f"  {name}: {seen} read, {changed} updated")
