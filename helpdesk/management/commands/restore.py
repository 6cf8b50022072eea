from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpdesk.backup.errors import BackupError
from helpdesk.backup.service import backup_restore

from .backup import read_passphrase


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup` into this database (a "
        "freshly migrated one, of any engine), checking every checksum first. "
        "All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive file.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete everything the database holds first (asks to confirm).",
        )
        parser.add_argument(
            "--passphrase-file",
            metavar="PATH",
            help="Read the passphrase from this file instead of BACKUP_PASSPHRASE.",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Do not ask to confirm --replace.",
        )

    def handle(self, *args, **options):
        if options["replace"] and options["interactive"]:
            try:
                answer = input(
                    "This deletes every ticket, user and setting in this database "
                    "and puts the archive's in their place. Type 'replace' to go "
                    "on: "
                )
            except (EOFError, KeyboardInterrupt):
                raise CommandError(
                    "Restore cancelled (no answer; run with --no-input where no "
                    "one can type it); nothing was changed."
                ) from None
            if answer.strip() != "replace":
                raise CommandError("Restore cancelled; nothing was changed.")
        progress = None if options["verbosity"] < 1 else self.stdout.write
        try:
            counts = backup_restore(
                Path(options["path"]),
                passphrase=read_passphrase(options["passphrase_file"]),
                replace=options["replace"],
                progress=progress,
            )
        except BackupError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(counts.values()):,} rows into "
                f"{len([c for c in counts.values() if c])} tables. People sign in "
                f"with their old passwords; sessions from before are gone."
            )
        )
