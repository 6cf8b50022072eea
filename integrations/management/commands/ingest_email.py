import sys

from django.core.management.base import BaseCommand, CommandError

from integrations.models import InboundEmail, Mailbox
from integrations.services import inbound_process, inbound_store

EX_TEMPFAIL = 75  # sysexits.h: the MTA should try again later


class Command(BaseCommand):
    help = (
        "Read one email from standard input (an MTA pipe, or a saved .eml) and "
        "turn it into a ticket or a reply. The message is stored first; a "
        "processing failure is kept and reported, and still exits 0 because the "
        "mail is safely ours. Exits 75 (try again) only when it cannot be stored."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox", help="Name of the mailbox it arrived at (for routing)."
        )

    def handle(self, *args, mailbox=None, **options):
        box = None
        if mailbox:
            box = Mailbox.objects.filter(name=mailbox).first()
            if box is None:
                raise CommandError(f"There is no mailbox named {mailbox!r}.")
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("Standard input was empty: no email to ingest.")
        try:
            inbound = inbound_store(
                raw=raw, source=InboundEmail.Source.PIPE, mailbox=box
            )
        except Exception as error:
            self.stderr.write(f"Could not store the message: {error}")
            sys.exit(EX_TEMPFAIL)
        inbound = inbound_process(inbound=inbound)
        line = f"inbound #{inbound.pk}: {inbound.status}: {inbound.outcome}"
        if inbound.status == InboundEmail.Status.FAILED:
            self.stderr.write(line)
            self.stderr.write(inbound.error.splitlines()[0] if inbound.error else "")
        else:
            self.stdout.write(line)
