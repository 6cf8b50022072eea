from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from knowledge.services.faq_io import FaqError, faq_import, faq_parse, format_for


class Command(BaseCommand):
    help = (
        "Import a FAQ file (.json: a list of {question, answer, category, "
        "slug}; .csv: those columns; category and slug optional) as published "
        "public articles. Importing the same file again changes nothing; a "
        "changed answer updates its article. The slug (export_faq writes it) "
        "finds an article again after its title was edited; agents-only, "
        "customers-only and draft articles written by hand are never "
        "overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--format",
            choices=["json", "csv"],
            help="The file's format when its extension does not say.",
        )

    def handle(self, *args, path: str, format: str | None = None, **options):
        try:
            fmt = format or format_for(path)
            data = Path(path).read_bytes()
        except FaqError as error:
            raise CommandError(error.message) from None
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            result = faq_import(entries=faq_parse(data, fmt=fmt), actor=None)
        except FaqError as error:
            raise CommandError(
                f"{path}: {error.message} Nothing was imported."
            ) from None
        self.stdout.write(f"Imported {path}: {result}.")
