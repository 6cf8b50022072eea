import sys

from django.core.management.base import BaseCommand, CommandError

from integrations.models import InboundEmail, Mailbox
from integrations.services import inbound_queue

EX_TEMPFAIL = 75  # sysexits.h: the MTA should try again later


class Command(BaseCommand):
    help = (
        "Read one email from standard input (an MTA pipe, or a saved .eml), "
        "store it and queue it for the worker, which turns it into a ticket or "
        "a reply. Exits 0 once the message is stored (it is ours from then on: "
        "a processing failure is kept and reported on it), 75 (try again later) "
        "when it cannot be stored. For more than a trickle of mail, deliver to "
        "the long-running LMTP listener instead (manage.py lmtp_server)."
    )
    # An MTA starts this once per message: Django's system checks (a second of
    # CPU: URLs, templates, models) have no business on that path.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox", help="Name of the mailbox it arrived at (for routing)."
        )

    def handle(self, *args, mailbox=None, **options):
        try:
            box = Mailbox.objects.filter(name=mailbox).first() if mailbox else None
        except Exception as error:  # the database is down: try again later
            self.stderr.write(f"Could not look up the mailbox: {error}")
            sys.exit(EX_TEMPFAIL)
        if mailbox and box is None:
            raise CommandError(f"There is no mailbox named {mailbox!r}.")
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("Standard input was empty: no email to ingest.")
        try:
            inbound = inbound_queue(
                raw=raw, source=InboundEmail.Source.PIPE, mailbox=box
            )
        except Exception as error:  # the database or the disk: not stored
            self.stderr.write(f"Could not store the message: {error}")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"inbound #{inbound.pk}: queued")
