from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpdesk.backup.errors import BackupError
from helpdesk.backup.service import backup_create, backup_verify


def read_passphrase(path: str | None) -> str | None:
    """The passphrase in the file ``path`` (first line, UTF-8), or None: the
    setting. Raises ``CommandError`` when the file cannot be read, is empty
    or is not UTF-8 text."""
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError, UnicodeDecodeError) as error:
        reason = "it is not UTF-8 text" if isinstance(error, ValueError) else error
        raise CommandError(f"Cannot read a passphrase from {path}: {reason}") from None


class Command(BaseCommand):
    help = (
        "Back up the database and every attachment into one archive (into the "
        "backup storage, keeping the newest BACKUP_KEEP, or to --output), or "
        "check an archive with --verify."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="Write the archive to this file (or into this folder) instead "
            "of the backup storage.",
        )
        parser.add_argument(
            "--verify",
            metavar="PATH",
            help="Check this archive's checksums and manifest; restore nothing.",
        )
        parser.add_argument(
            "--passphrase-file",
            metavar="PATH",
            help="Read the passphrase from this file instead of BACKUP_PASSPHRASE.",
        )
        parser.add_argument(
            "--no-compress",
            action="store_true",
            help="Do not gzip the archive (BACKUP_COMPRESS otherwise).",
        )

    def handle(self, *args, **options):
        passphrase = read_passphrase(options["passphrase_file"])
        progress = None if options["verbosity"] < 1 else self.stdout.write
        try:
            if options["verify"]:
                manifest = backup_verify(Path(options["verify"]), passphrase=passphrase)
                rows = sum(entry["rows"] for entry in manifest["models"].values())
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{options['verify']}: intact. A {manifest['engine']} backup "
                        f"of {manifest['created_at']} by helpdesk "
                        f"{manifest['product_version']}: {rows:,} rows in "
                        f"{len(manifest['models'])} models, "
                        f"{sum(1 for m in manifest['files'] if m.startswith('files/'))}"
                        f" files."
                    )
                )
                return
            result = backup_create(
                output=Path(options["output"]) if options["output"] else None,
                passphrase=passphrase,
                compress=False if options["no_compress"] else None,
                progress=progress,
            )
        except BackupError as error:
            raise CommandError(error.message) from None
        where = result.path or f"backup storage: {result.name}"
        self.stdout.write(self.style.SUCCESS(f"Backup written and verified: {where}"))
