"""Polling an IMAP mailbox: fetch unseen mail, keep it, process it, then mark
it seen or move it. One bad message, or a dead server, never stops the rest."""

import contextlib
import imaplib
import logging
import re
import ssl
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from ..models import InboundEmail, Mailbox
from .inbound import inbound_process, inbound_store

log = logging.getLogger(__name__)
POLL_LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 30


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.security == Mailbox.Security.SSL:
        client = imaplib.IMAP4_SSL(
            mailbox.host,
            mailbox.port,
            ssl_context=ssl.create_default_context(),
            timeout=TIMEOUT_SECONDS,
        )
    else:
        client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
        if mailbox.security == Mailbox.Security.STARTTLS:
            client.starttls(ssl_context=ssl.create_default_context())
    client.login(mailbox.username, mailbox.password)
    return client


def _check(result: tuple, what: str) -> list:
    status, data = result
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what} failed: {status} {data!r}")
    return data


def _claim(mailbox: Mailbox) -> bool:
    """One poll per mailbox at a time, even with several workers and beats."""
    now = timezone.now()
    return bool(
        Mailbox.objects.filter(
            Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now),
            pk=mailbox.pk,
        ).update(poll_lease_until=now + POLL_LEASE)
    )


def mailbox_poll(*, mailbox: Mailbox) -> dict:
    """Fetch and process the mailbox's unseen messages; return counts.

    A message is marked seen (or moved) only after its bytes are stored, so a
    crash between fetching and storing fetches it again next time.
    """
    counts = {"fetched": 0, "processed": 0, "failed": 0, "ignored": 0}
    if not _claim(mailbox):
        return {**counts, "skipped": "another poll holds the mailbox"}
    client = None
    error = "the poll was interrupted"
    try:
        client = _connect(mailbox)
        _check(client.select(_quote(mailbox.folder)), f"SELECT {mailbox.folder}")
        uids = _check(client.uid("SEARCH", None, "UNSEEN"), "SEARCH")[0].split()
        unreadable = []
        for uid in uids:
            try:
                data = _check(client.uid("FETCH", uid, "(BODY.PEEK[])"), f"FETCH {uid}")
            except imaplib.IMAP4.error as problem:
                # One message the server will not hand over must not block the
                # rest; it stays unseen and is tried again next time.
                unreadable.append(f"{uid.decode()}: {problem}")
                continue
            raw = next((part[1] for part in data if isinstance(part, tuple)), None)
            if raw is None:
                unreadable.append(f"{uid.decode()}: no message data")
                continue
            inbound = inbound_store(
                raw=raw, source=InboundEmail.Source.IMAP, mailbox=mailbox
            )
            counts["fetched"] += 1
            _after(client, mailbox, uid)
            inbound = inbound_process(inbound=inbound)
            counts[inbound.status] = counts.get(inbound.status, 0) + 1
        error = "; ".join(f"could not fetch {item}" for item in unreadable)[:2000]
    except (OSError, imaplib.IMAP4.error, ValueError) as problem:
        error = f"{type(problem).__name__}: {problem}"
        log.warning("Polling %s failed: %s", mailbox.name, error)
    finally:
        if client is not None:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                client.logout()
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(), poll_lease_until=None, last_error=error
        )
    return {**counts, "error": error}


def _after(client: imaplib.IMAP4, mailbox: Mailbox, uid: bytes) -> None:
    if mailbox.after_processing == Mailbox.After.MOVE and mailbox.move_to_folder:
        target = _quote(mailbox.move_to_folder)
        _check(client.uid("COPY", uid, target), f"COPY {uid}")
        _check(client.uid("STORE", uid, "+FLAGS", "(\\Deleted \\Seen)"), "STORE")
        client.expunge()
    else:
        _check(client.uid("STORE", uid, "+FLAGS", "(\\Seen)"), f"STORE {uid}")


def _quote(folder: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9._/-]+", folder):
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
