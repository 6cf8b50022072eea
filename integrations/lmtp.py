"""The LMTP listener: a long-running way in for mail servers.

Postfix (``lmtp:inet:127.0.0.1:8024``) or Exim (an ``lmtp`` transport)
deliver each message here instead of starting ``manage.py ingest_email`` for
it. The listener only stores: every message's raw bytes are kept
(``inbound_store``) before it answers 250, then its id goes to the worker
(``integrations.tasks.process_inbound``), several ids per task when mail
arrives quickly. When the message cannot be stored the answer is 451 (try
again later), so the mail server keeps it and retries: nothing is dropped.

Who may deliver: by default only connections from this machine
(127.0.0.0/8 and ::1); ``INBOUND_LMTP_ALLOWED_NETWORKS`` or ``--allow-from``
widens that (a mail server in another container). Anyone else is answered
550 at MAIL FROM. LMTP has no authentication here: never expose the port.

The protocol is aiosmtpd's ``LMTP``; the database work runs in a small pool
of threads, as Django's ORM is synchronous.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import signal
import threading
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from aiosmtpd.lmtp import LMTP
from django.conf import settings
from django.db import close_old_connections, connection, connections

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOCAL_NETWORKS = ("127.0.0.0/8", "::1/128")
# Ids handed to one worker task at most, and the longest an id waits for
# others to join it (seconds).
BATCH_MAX = 50
BATCH_WAIT_SECONDS = 0.05
# How long a stopping listener lets deliveries under way finish (seconds).
SHUTDOWN_GRACE_SECONDS = 30.0


def networks(values: Iterable[str]) -> list[Network]:
    """Parse CIDR strings (``"10.0.0.0/8"``, ``"::1"``); raises ValueError."""
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values]


def peer_allowed(peer: object, allowed: list[Network]) -> bool:
    """Whether a connection's peer (``(host, port, ...)``) is in ``allowed``."""
    if not isinstance(peer, tuple) or not peer:
        return False  # a Unix socket has no address; not supported here
    try:
        address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in allowed)


def store_message(raw: bytes) -> str:
    """Store one message and return its id (runs in a pool thread). Raises
    whatever storing raised: the caller answers "try again later"."""
    from .models import InboundEmail
    from .services import inbound_store

    close_old_connections()
    try:
        inbound = inbound_store(raw=raw, source=InboundEmail.Source.LMTP)
    except Exception:
        # A broken connection must not fail every later delivery too.
        connection.close()
        raise
    return str(inbound.pk)


def enqueue_messages(ids: list[str]) -> None:
    """Queue stored messages for the worker (runs in a pool thread)."""
    from .services import inbound_enqueue

    close_old_connections()
    inbound_enqueue(inbound_ids=ids)


class Batcher:
    """Collects stored ids and hands them to ``enqueue`` in batches of at
    most ``BATCH_MAX``, none waiting longer than ``BATCH_WAIT_SECONDS``.

    A failed hand-over is logged: the messages are stored, and
    ``process_stuck_inbound`` finishes them later."""

    def __init__(self, enqueue: Callable[[list[str]], None]) -> None:
        self.enqueue = enqueue
        self.ids: list[str] = []
        self.condition = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(
            target=self._run, name="lmtp-enqueue", daemon=True
        )
        self.thread.start()

    def add(self, inbound_id: str) -> None:
        with self.condition:
            self.ids.append(inbound_id)
            self.condition.notify()

    def close(self) -> None:
        """Hand over what is left and stop."""
        with self.condition:
            self.closed = True
            self.condition.notify()
        self.thread.join()

    def _take(self) -> list[str] | None:
        with self.condition:
            while not self.ids and not self.closed:
                self.condition.wait()
            if not self.ids:
                return None
            if not self.closed and len(self.ids) < BATCH_MAX:
                self.condition.wait_for(
                    lambda: self.closed or len(self.ids) >= BATCH_MAX,
                    timeout=BATCH_WAIT_SECONDS,
                )
            batch, self.ids = self.ids[:BATCH_MAX], self.ids[BATCH_MAX:]
            return batch

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            try:
                self.enqueue(batch)
            except Exception:
                log.exception(
                    "Could not queue %d stored message(s); process_stuck_inbound "
                    "will finish them",
                    len(batch),
                )
        connections.close_all()


@dataclass
class InboundHandler:
    """aiosmtpd handler: refuses peers outside ``allowed``, stores each
    message once, and answers every recipient with the outcome."""

    allowed: list[Network]
    executor: ThreadPoolExecutor
    batcher: Batcher
    store: Callable[[bytes], str] = store_message
    in_flight: int = 0
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.idle.set()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if not peer_allowed(session.peer, self.allowed):
            log.warning("LMTP: refused a delivery from %s", session.peer)
            return "550 5.7.1 Deliveries from this address are not accepted"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not peer_allowed(session.peer, self.allowed):
            return "550 5.7.1 Deliveries from this address are not accepted"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        """One stored copy for all the recipients; LMTP wants one reply per
        recipient, so the same answer is given once for each."""
        self.in_flight += 1
        self.idle.clear()
        try:
            loop = asyncio.get_running_loop()
            inbound_id = await loop.run_in_executor(
                self.executor, self.store, bytes(envelope.original_content)
            )
        except Exception as error:
            log.exception("LMTP: could not store a message")
            reply = f"451 4.3.0 Could not store the message ({type(error).__name__})"
        else:
            self.batcher.add(inbound_id)
            reply = f"250 2.0.0 Stored as inbound #{inbound_id}"
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self.idle.set()
        return "\r\n".join([reply] * max(1, len(envelope.rcpt_tos)))


class InboundLMTP(LMTP):
    """aiosmtpd's LMTP, taking lines as long as mail really has: a line over
    RFC 5321's 1,000 characters is common in the wild and must not make a
    message bounce."""

    line_length_limit = 1 << 20


@dataclass
class ListenerOptions:
    host: str = "127.0.0.1"
    port: int = 8024
    allowed: list[Network] = field(default_factory=lambda: networks(LOCAL_NETWORKS))
    max_bytes: int = 0  # 0: INBOUND_MAX_BYTES
    threads: int = 4
    hostname: str = ""


class Listener:
    """The LMTP server on an event loop: ``await start()``, then ``await
    stop()`` (refuse new connections, let deliveries under way finish, hand
    over the ids still waiting)."""

    def __init__(
        self,
        options: ListenerOptions,
        *,
        store: Callable[[bytes], str] = store_message,
        enqueue: Callable[[list[str]], None] = enqueue_messages,
    ) -> None:
        self.options = options
        self.executor = ThreadPoolExecutor(
            max_workers=options.threads, thread_name_prefix="lmtp-store"
        )
        self.batcher = Batcher(enqueue)
        self.handler = InboundHandler(
            allowed=options.allowed,
            executor=self.executor,
            batcher=self.batcher,
            store=store,
        )
        self.server: asyncio.base_events.Server | None = None
        self.sessions: weakref.WeakSet[InboundLMTP] = weakref.WeakSet()

    def _protocol(self) -> InboundLMTP:
        session = InboundLMTP(
            self.handler,
            data_size_limit=self.options.max_bytes or settings.INBOUND_MAX_BYTES,
            enable_SMTPUTF8=True,
            hostname=self.options.hostname or None,
            ident="helpdesk LMTP",
            loop=asyncio.get_running_loop(),
        )
        self.sessions.add(session)
        return session

    @property
    def port(self) -> int:
        """The port bound (the one asked for, or the one given for 0)."""
        if self.server is None:
            raise RuntimeError("The listener has not started.")
        return self.server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            self._protocol, host=self.options.host, port=self.options.port
        )

    async def stop(self, grace: float = SHUTDOWN_GRACE_SECONDS) -> None:
        if self.server is not None:
            self.server.close()
        try:
            await asyncio.wait_for(self.handler.idle.wait(), timeout=grace)
        except TimeoutError:
            log.warning("LMTP: stopped with deliveries under way (not answered)")
        for session in list(self.sessions):
            if session.transport is not None:
                session.transport.close()
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.batcher.close)
        await loop.run_in_executor(None, self._close_pool)

    def _close_pool(self) -> None:
        """Close each pool thread's database connection, then the pool."""
        barrier = threading.Barrier(self.options.threads)

        def close_connections() -> None:
            connections.close_all()
            barrier.wait(timeout=5)

        for _ in range(self.options.threads):
            self.executor.submit(close_connections)
        self.executor.shutdown(wait=True)


async def serve_until_signal(options: ListenerOptions, ready=None) -> None:
    """Run the listener until SIGTERM or SIGINT, then stop it cleanly."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    listener = Listener(options)
    await listener.start()
    if ready is not None:
        ready(listener)
    await stopping.wait()
    await listener.stop()
