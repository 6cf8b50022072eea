from django.core.management.base import BaseCommand

from tickets.services.metrics import metrics_backfill


class Command(BaseCommand):
    help = (
        "Compute every ticket's report figures (first reply and resolution "
        "times, public replies, reopens) again from its stored history, as "
        "the services keep them. Run it after changing an SLA calendar's hours "
        "or holidays if the reports should measure old tickets by the new "
        "ones, or after data was written outside the services. Only tickets "
        "whose figures differ are written; safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Tickets read and written per batch.",
        )

    def handle(self, *args, batch_size=500, **options):
        updated = metrics_backfill(batch_size=batch_size)
        noun = "ticket" if updated == 1 else "tickets"
        self.stdout.write(f"Updated the report figures of {updated} {noun}.")
