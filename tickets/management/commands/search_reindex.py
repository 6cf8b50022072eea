import time

from django.conf import settings
from django.core.management.base import BaseCommand

from tickets.models import Message, Ticket
from tickets.search import (
    message_search_text,
    search_backend,
    search_index_rebuild,
    search_text_reindex,
    ticket_search_text,
)


class Command(BaseCommand):
    help = (
        "Fold every ticket subject and message body again into the search text "
        "that ticket search reads, then rebuild the search index from it. Run it "
        "after changing SEARCH_IGNORE_ACCENTS (or after a release that changes "
        "helpdesk.search_text), and after loading rows in bulk (--index-only when "
        "their search text was stored folded). Only rows whose folded text "
        "differs are written. Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--index-only",
            action="store_true",
            help="Skip the folding; only rebuild the index from the stored text.",
        )

    def handle(self, *args, **options):
        if not options["index_only"]:
            accents = "ignored" if settings.SEARCH_IGNORE_ACCENTS else "kept"
            self.stdout.write(f"Folding search text (accents {accents}).")
            for model, source, fold in (
                (Ticket, "subject", ticket_search_text),
                (Message, "body", message_search_text),
            ):
                seen, changed = search_text_reindex(
                    model, source=source, fold=fold, batch=2_000
                )
                name = model._meta.verbose_name_plural
                self.stdout.write(f"  {name}: {seen} read, {changed} updated")
        started = time.monotonic()
        self.stdout.write(f"Rebuilding the search index ({search_backend().name}).")
        documents = search_index_rebuild(
            progress=lambda text: self.stdout.write(f"  {text}")
        )
        self.stdout.write(
            f"  {documents} subjects and messages indexed in "
            f"{time.monotonic() - started:.1f} s"
        )
