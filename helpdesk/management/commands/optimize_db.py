from django.core.management.base import BaseCommand

from helpdesk.maintenance import database_optimize


class Command(BaseCommand):
    help = (
        "Refresh the database's query-planner statistics (SQLite needs this after "
        "large imports; beat also runs it nightly)."
    )

    def handle(self, *args, **options):
        self.stdout.write(database_optimize())
