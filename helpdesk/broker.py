"""The broker when there is no Redis: kombu's filesystem transport (the
settings' ``filesystem://`` URL), waiting at most ``DRAIN_SECONDS`` for a
message at a time. ``helpdesk/celery.py`` selects it (``broker_transport``)
in worker processes only.

Celery runs a transport without an event loop, as this one, in its blocking
loop: it asks for messages with a 2-second timeout and, told to stop, asks
once more before it stops (``celery.worker.loops.synloop``). A warm shutdown
took up to about 4 s, more on a busy machine, and honcho (``make run``) kills
what has not stopped 5 s after Ctrl-C. With shorter waits the worker stops
within about a second and picks up a new task within half a second.
"""

from kombu.transport.filesystem import Transport as FilesystemTransport

DRAIN_SECONDS = 0.5


class Transport(FilesystemTransport):
    """kombu's filesystem transport with the wait for messages capped."""

    def drain_events(self, connection, timeout=None):
        # None asks to block until a message comes: left as it is.
        if timeout is not None and timeout > DRAIN_SECONDS:
            timeout = DRAIN_SECONDS
        return super().drain_events(connection, timeout=timeout)
