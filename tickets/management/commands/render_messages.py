from django.core.management.base import BaseCommand

from helpdesk.rendering import RENDERER_VERSION
from tickets.bodies import bodies_refresh
from tickets.models import Message

BATCH = 500


class Command(BaseCommand):
    help = (
        "Render again every message whose stored HTML an older renderer wrote "
        "(after a release that raises helpdesk.rendering.RENDERER_VERSION). "
        "Pages do the same lazily, one conversation at a time."
    )

    def handle(self, *args, **options):
        stale = Message.objects.exclude(body_html_version=RENDERER_VERSION)
        done = 0
        while True:
            # Each pass takes the oldest stale rows left; rendered rows leave
            # the query, so no offset is needed and ids stay opaque.
            batch = list(stale.order_by("created_at", "pk")[:BATCH])
            if not batch:
                break
            done += bodies_refresh(batch)
            self.stdout.write(f"  {done} messages rendered")
        self.stdout.write(f"Rendered {done} messages with renderer {RENDERER_VERSION}.")
