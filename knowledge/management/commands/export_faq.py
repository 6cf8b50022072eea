from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from knowledge.services.faq_io import FaqError, faq_dump, faq_export_entries, format_for


class Command(BaseCommand):
    help = (
        "Write the published public articles to a FAQ file: JSON or CSV by "
        "the file's extension (the format import_faq reads, with each "
        "article's slug so a round trip finds the same articles)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path: str, **options):
        try:
            fmt = format_for(path)
        except FaqError as error:
            raise CommandError(error.message) from None
        entries = faq_export_entries()
        try:
            Path(path).write_text(faq_dump(entries, fmt=fmt), encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
        self.stdout.write(f"Exported {len(entries)} articles to {path}.")
