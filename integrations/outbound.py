"""Outgoing HTTP for Teams cards and webhooks: public addresses only, no
redirects, short timeouts, a bounded answer.

A URL's host is resolved once and the request goes to the address that was
checked (the TLS name and ``Host`` header stay the URL's), so a name that
resolves to a public address when checked and to 127.0.0.1 a moment later
(DNS rebinding) cannot reach an internal service. Every address the name
resolves to must be public (``ipaddress``' ``is_global``: not private,
loopback, link-local, shared, reserved, multicast or unspecified; an
IPv4-mapped IPv6 address counts as its IPv4 address), unless it lies in
``INTEGRATIONS_ALLOWED_NETWORKS``. urllib3 does the HTTP: it is already
installed with the stack and lets the connection go to a pinned address
while verifying the certificate for the URL's name.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import ipaddress
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import urllib3
import urllib3.connection
from django.conf import settings
from urllib3.util.ssl_match_hostname import CertificateError

from helpdesk.errors import ApplicationError

USER_AGENT = "Helpdesk-Integrations/1.0"
EXCERPT_CHARS = 1000
MAX_READ_BYTES = 64 * 1024
MAX_RETRY_AFTER_SECONDS = 3600.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(ApplicationError):
    """The URL may not be called: not http(s), no host, credentials in it, or
    a host that is (or resolves to) a non-public address."""

    code = "unsafe_target"


@dataclass(frozen=True)
class HttpOutcome:
    """What one request got. ``status`` is None when no answer came (refused,
    timed out, TLS failure, unsafe target), with the reason in ``error``.
    ``duration_ms`` is wall time in milliseconds; ``excerpt`` the first
    1,000 characters of the body (UTF-8, invalid bytes replaced);
    ``retry_after`` the seconds a 429 or 503 asked for (RFC 9110 §10.2.3:
    delay-seconds or an HTTP-date), capped at an hour, else None."""

    status: int | None
    duration_ms: int
    excerpt: str = ""
    retry_after: float | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def transient(self) -> bool:
        """Worth trying again: no answer, 408, 429 or a 5xx. A 3xx (redirects
        are not followed) or another 4xx will not change by itself."""
        return self.status is None or self.status in (408, 429) or self.status >= 500

    def summary(self) -> str:
        """``HTTP 503`` or the error, for logs and admin lists."""
        return f"HTTP {self.status}" if self.status is not None else self.error


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(cidr, strict=False)
        for cidr in settings.INTEGRATIONS_ALLOWED_NETWORKS
    ]


# IPv6 prefixes whose last 32 bits are an IPv4 address a packet may end up
# at: IPv4-translated (RFC 2765), NAT64 well-known and local-use prefixes
# (RFC 6052, RFC 8215) and the deprecated IPv4-compatible form (RFC 4291
# §2.5.5.1). ``ipaddress`` counts them global whatever the IPv4 inside.
_EMBEDDING_IPV4 = [
    ipaddress.ip_network("::ffff:0:0:0/96"),
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::/96"),
]
# Site-local (RFC 3879 deprecated it; ``ipaddress`` calls it global).
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries and may be routed to: mapped,
    translated, NAT64, IPv4-compatible or 6to4 (RFC 3056); None otherwise."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if any(address in network for network in _EMBEDDING_IPV4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_allowed(address: IPAddress) -> bool:
    """Whether requests may go to ``address``: a public one, or one inside
    ``INTEGRATIONS_ALLOWED_NETWORKS``. An IPv6 address carrying an IPv4 one
    (``::ffff:127.0.0.1``, ``64:ff9b::a00:1``, ``2002:7f00:1::`` ...) is
    judged as that IPv4 address; site-local IPv6 is not public."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in network for network in _allowed_networks()):
            return True
        if address in _SITE_LOCAL:
            return False
        address = _embedded_ipv4(address) or address
    if any(address in network for network in _allowed_networks()):
        return True
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Target:
    """Where a checked URL goes: ``host`` in ASCII (IDNA) form, ``port``
    (the scheme's default when absent), ``path`` with its query, percent-
    encoded, and the ``Host`` header to send."""

    scheme: str
    host: str
    port: int
    path: str
    host_header: str


def url_check(url: str) -> Target:
    """The parts of ``url`` to call, checked without resolving the name: an
    http(s) URL with a host and no ``user:password@``, whose host, when it
    is an address literal or ``localhost``, is allowed. Raises UnsafeTarget
    with a reason a person can act on. Used when an admin saves a URL (the
    name may not resolve from here yet) and before every request."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget(f"This is not a valid URL: {error}.") from error
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget("Only http:// and https:// URLs can be called.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeTarget("The URL has no host name.")
    host = _ascii_host(host)
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget(
            "Put no user name or password in the URL; the requests are signed."
        )
    literal = _literal_address(host)
    if literal is not None and not address_allowed(literal):
        raise UnsafeTarget(_refusal(host, literal))
    loopback = ipaddress.ip_address("127.0.0.1")
    named_loopback = host == "localhost" or host.endswith(".localhost")
    if literal is None and named_loopback and not address_allowed(loopback):
        raise UnsafeTarget(_refusal(host, loopback))
    default_port = 443 if parts.scheme == "https" else 80
    port = port or default_port
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    # As a browser sends it: spaces, controls and non-ASCII characters
    # percent-encoded (UTF-8), existing escapes kept. http.client refuses
    # the raw characters with an error quoting the path, and a Teams
    # webhook's path and query are its secret.
    path = quote(path, safe=_PRINTABLE_ASCII)
    shown_host = f"[{host}]" if ":" in host else host
    host_header = shown_host if port == default_port else f"{shown_host}:{port}"
    return Target(parts.scheme, host, port, path, host_header)


# A host name in ASCII (after IDNA): dot-separated labels of letters,
# digits, "-" and "_" (seen in real names), 1 to 63 characters each, at
# most 253 in all (RFC 1035 §2.3.4).
_HOST_NAME = re.compile(r"[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*\Z")


_PRINTABLE_ASCII = "".join(chr(code) for code in range(0x21, 0x7F))


def _ascii_host(host: str) -> str:
    """``host`` as it goes on the wire: an IPv6 literal as it is, a name
    in its ASCII (IDNA 2003, ``xn--``) form, lower case. Unicode spellings
    of digits and dots (``１２７。0.0.1``) become what the resolver would
    make of them, so the address check sees them too. UnsafeTarget for a
    name no resolver takes (an empty or over-long label, other
    characters)."""
    if ":" in host:
        return host
    try:
        ascii_host = host.encode("idna").decode("ascii").rstrip(".").lower()
    except UnicodeError:
        ascii_host = ""
    if len(ascii_host) > 253 or not _HOST_NAME.match(ascii_host):
        raise UnsafeTarget(f"{host[:100]} is not a valid host name.")
    return ascii_host


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:
        # The spellings inet_aton also takes: 2130706433, 0x7f.1, 127.1 ...
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _refusal(host: str, address: IPAddress) -> str:
    return (
        f"{host} is a private, loopback or otherwise non-public address "
        f"({address}); requests may only go to public addresses "
        "(INTEGRATIONS_ALLOWED_NETWORKS lists exceptions)."
    )


def resolve_checked(target: Target) -> str:
    """The address to connect to: every address the host resolves to must be
    allowed (UnsafeTarget naming the first that is not); the first is used.
    A name that does not resolve raises UnsafeTarget too (nothing to call)."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UnsafeTarget(f"{target.host} does not resolve: {error}.") from error
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address_allowed(address):
            raise UnsafeTarget(_refusal(target.host, address))
        addresses.append(str(address))
    if not addresses:
        raise UnsafeTarget(f"{target.host} resolves to no address.")
    return addresses[0]


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delay-seconds or an HTTP-date
    (RFC 9110 §10.2.3), at least 0 and at most an hour; None when absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def post_json(
    url: str, body: bytes, headers: dict[str, str] | None = None
) -> HttpOutcome:
    """POST ``body`` (JSON bytes) to ``url`` once and say what came back.

    Never raises for the network or the target: an unsafe URL, a refused
    connection, a timeout (``INTEGRATIONS_HTTP_TIMEOUT_SECONDS`` to connect
    and for each read, and as a deadline for the whole answer) or a TLS
    error is an outcome with ``status`` None and the reason. Redirects are
    answers, not followed. At most 64 KiB of the answer is read.
    """
    started = time.monotonic()

    def outcome(**fields) -> HttpOutcome:
        elapsed = int((time.monotonic() - started) * 1000)
        return HttpOutcome(duration_ms=elapsed, **fields)

    try:
        target = url_check(url)
        address = resolve_checked(target)
    except UnsafeTarget as error:
        return outcome(status=None, error=str(error)[:500])
    timeout = settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS
    # From here, not from ``started``: a slow DNS answer must not leave the
    # watchdog firing before the socket exists.
    deadline = time.monotonic() + 2 * timeout
    if target.scheme == "https":
        connection = urllib3.connection.HTTPSConnection(
            address,
            target.port,
            timeout=timeout,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        connection = urllib3.connection.HTTPConnection(
            address, target.port, timeout=timeout
        )
    request_headers = {
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
        **(headers or {}),
    }
    # The timeout bounds each socket operation; a receiver sending its
    # answer a byte at a time never trips it. At the deadline the watchdog
    # hangs up, which ends any read still waiting.
    cut = threading.Event()
    watchdog = threading.Timer(
        max(deadline - time.monotonic(), 0.0), _hang_up, args=(connection, cut)
    )
    watchdog.daemon = True
    watchdog.start()
    failures = (
        urllib3.exceptions.HTTPError,
        http.client.HTTPException,
        OSError,
        CertificateError,  # the name check, a ValueError the pool used to wrap
        ValueError,  # a header or path http.client will not send
    )
    try:
        try:
            connection.request(
                "POST",
                target.path,
                body=body,
                headers=request_headers,
                preload_content=False,
            )
            response = connection.getresponse()
            if cut.is_set():  # the headers ended because the watchdog hung up
                raise TimeoutError
        except failures as error:
            if cut.is_set():
                reason = f"TimeoutError: no complete answer within {2 * timeout:g} s"
            else:
                reason = f"{type(error).__name__}: {error}"
            if len(target.path) > 1:
                # Never the path or query in a log or an admin page.
                reason = reason.replace(target.path, "/…")
            return outcome(status=None, error=reason[:500])
        content = _read_bounded(response, deadline=deadline)
    finally:
        watchdog.cancel()
        connection.close()
    retry_after = None
    if response.status in (429, 503):
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    return outcome(
        status=response.status,
        excerpt=printable_excerpt(content),
        retry_after=retry_after,
    )


# Control characters other than tab and line breaks, and DEL: PostgreSQL
# text cannot hold NUL at all, and the rest only garble logs and pages.
_CONTROLS = {
    code: "\ufffd" for code in [*range(0x20), 0x7F] if chr(code) not in "\t\n\r"
}


def printable_excerpt(content: bytes) -> str:
    """The first EXCERPT_CHARS characters of an answer body as text: UTF-8
    with invalid bytes, NUL and other control characters (tab and line
    breaks kept) shown as U+FFFD, so any database stores it."""
    text = content[: EXCERPT_CHARS * 4].decode("utf-8", "replace")
    return text[:EXCERPT_CHARS].translate(_CONTROLS)


def _hang_up(connection, cut: threading.Event) -> None:
    cut.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _read_bounded(response, *, deadline: float) -> bytes:
    """Up to MAX_READ_BYTES of the body, until the deadline: what arrived
    by then (the status is already known; the body is only an excerpt)."""
    chunks: list[bytes] = []
    size = 0
    while size < MAX_READ_BYTES and time.monotonic() < deadline:
        # read1: at most one socket read, so the deadline is checked between
        # reads; read(4096) would wait for 4 KiB or the end.
        try:
            chunk = response.read1(4096)
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError):
            break  # cut off by the deadline, or the receiver hung up
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:MAX_READ_BYTES]
