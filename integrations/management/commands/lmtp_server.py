import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.lmtp import ListenerOptions, networks, serve_until_signal


class Command(BaseCommand):
    help = (
        "Listen for LMTP deliveries from the mail server (Postfix "
        "lmtp:inet:HOST:PORT, Exim's lmtp transport). Each message is stored "
        "before the 250 answer and queued for the worker; 451 when it cannot "
        "be stored, so the mail server retries. Only local connections may "
        "deliver unless --allow-from says otherwise. Stops cleanly on SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host",
            default=settings.INBOUND_LMTP_HOST,
            help="Address to bind (INBOUND_LMTP_HOST, default 127.0.0.1).",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=settings.INBOUND_LMTP_PORT,
            help="Port to listen on (INBOUND_LMTP_PORT, default 8024).",
        )
        parser.add_argument(
            "--allow-from",
            action="append",
            metavar="CIDR",
            help="A network that may deliver (repeat for more); replaces "
            "INBOUND_LMTP_ALLOWED_NETWORKS, which defaults to this machine only.",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="Threads that store messages in the database (default 4).",
        )

    def handle(self, *args, host, port, allow_from, threads, **options):
        try:
            allowed = networks(allow_from or settings.INBOUND_LMTP_ALLOWED_NETWORKS)
        except ValueError as error:
            raise CommandError(f"Not a network: {error}") from error
        if threads < 1:
            raise CommandError("--threads must be at least 1.")
        listener_options = ListenerOptions(
            host=host, port=port, allowed=allowed, threads=threads
        )

        def ready(listener) -> None:
            shown = ", ".join(str(network) for network in allowed)
            self.stdout.write(
                f"LMTP listening on {host}:{listener.port} "
                f"(deliveries accepted from {shown}; "
                f"at most {settings.INBOUND_MAX_BYTES:,} bytes a message)"
            )
            self.stdout.flush()

        asyncio.run(serve_until_signal(listener_options, ready=ready))
        self.stdout.write("LMTP listener stopped.")
