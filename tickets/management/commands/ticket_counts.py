from django.core.management.base import BaseCommand, CommandError

from tickets.services import ticket_counts_differences, ticket_counts_rebuild


class Command(BaseCommand):
    help = (
        "The workspace's kept view counts (TicketCount). --check compares them "
        "with a direct count of the tickets and exits 1 when they disagree; "
        "--rebuild replaces them with a direct count (run it after a bulk load "
        "or an import that bypassed the ticket services). Each reads every "
        "ticket once."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true")
        action.add_argument("--rebuild", action="store_true")

    def handle(self, *args, check=False, rebuild=False, **options):
        if rebuild:
            rows = ticket_counts_rebuild()
            self.stdout.write(f"Rebuilt the ticket counts: {rows} rows.")
            return
        differences = ticket_counts_differences()
        if not differences:
            self.stdout.write("The ticket counts agree with the tickets.")
            return
        for key, kept, counted in differences:
            department, team, assignee, status = key
            self.stderr.write(
                f"department={department} team={team} assignee={assignee} "
                f"status={status}: kept {kept}, counted {counted}"
            )
        raise CommandError(
            f"{len(differences)} ticket counts disagree with the tickets; "
            "run ticket_counts --rebuild."
        )
