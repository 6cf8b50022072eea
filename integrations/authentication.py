"""Who really sent an email, as far as the mail servers we trust can tell.

A From header is whatever the sender typed. The receiving mail server checks
SPF, DKIM and DMARC and writes what it found into an Authentication-Results
header (RFC 8601). Anyone can write such a header into the mail they send, so
only headers whose authserv-id (their first word) is listed in
``INBOUND_TRUSTED_AUTHSERV_IDS`` are read, and of those only the receiving
server's own block: the topmost trusted header and the Authentication-Results
headers directly adjacent to it (no header of another name in between).

Why the block: the receiving server's milters (OpenDKIM, OpenDMARC, an SPF
policy daemon, rspamd) prepend their headers one after another on top of the
message, above the receiving MTA's own Received header; everything the sender
wrote, including headers carrying our server's name, lies below that Received
header. RFC 8601, section 5, asks the receiving server to remove incoming
headers that claim its authserv-id, but not every server does, so a trusted
header outside the block is ignored (the detail says how many), and a method
the block does not report counts as not checked: a trusted fail, none or
temperror is never overridden by a header further down. Within the block, the
topmost header reporting a method supplies it. This needs the receiving
server to write its results above its Received header, as Postfix with
milters and rspamd do (Exim needs ``add_header = :at_start:``); a mailbox
server's Received header added above the block (Dovecot LMTP) does no harm.

The verdict is ``pass`` (DMARC passed, or without a DMARC result a DKIM
signature or SPF check passed for the From address's organizational domain,
RFC 7489 relaxed alignment), ``fail`` (DMARC failed, nothing that passed is
aligned, the From header is ambiguous, or a trusted header cannot be read),
or ``none`` (no trusted header: the product cannot know).

Headers are parsed with ``authres`` (the RFC 8601 reference parser, the one
dkimpy uses). It takes time faster than linear in the header's length and
recurses on nested comments, so only headers that name a trusted server are
parsed, at most ``MAX_TRUSTED_HEADERS`` of them, each at most
``MAX_HEADER_CHARS`` long; anything it cannot read counts as a failure, never
as a pass.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import authres
from publicsuffixlist import PublicSuffixList

from tickets.models import Message

Verdict = Message.SenderVerification

MAX_HEADER_CHARS = 4_000
MAX_TRUSTED_HEADERS = 10
# The authserv-id: the first word, after any comments (RFC 8601, section 2.2).
AUTHSERV_ID = re.compile(r"^\s*(?:\([^()]*\)\s*)*([^\s;()]+)")
METHODS = ("dmarc", "dkim", "spf")


@dataclass(frozen=True)
class SenderCheck:
    """The verdict on a From address (a ``Message.SenderVerification`` value)
    and a sentence for agents saying which results decided it."""

    verdict: str
    detail: str


@cache
def _public_suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list bundled with the package; no network


def organizational_domain(domain: str) -> str:
    """``mail.acme.co.uk`` -> ``acme.co.uk`` (RFC 7489, section 3.2)."""
    domain = domain.strip().rstrip(".").lower()
    return _public_suffixes().privatesuffix(domain) or domain


def _domain_of(value: str) -> str:
    """The domain of an address (``user@domain``, ``@domain``) or a domain,
    lower-cased and in its ASCII (IDNA) form, as mail servers report it."""
    domain = value.strip().strip('"<>').rsplit("@", 1)[-1].rstrip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def _aligned(value: str | None, from_domain: str) -> bool:
    if not value:
        return False
    domain = _domain_of(value)
    return bool(domain) and organizational_domain(domain) == organizational_domain(
        from_domain
    )


def _property(result, ptype: str, name: str) -> str | None:
    for prop in result.properties:
        if prop.type.lower() == ptype and prop.name.lower() == name:
            return str(prop.value)
    return None


def _parse(value: str):
    """authres' header object, or None when the header cannot be read."""
    if len(value) > MAX_HEADER_CHARS:
        return None
    try:
        # A trailing ";" is common in the wild and harmless; authres refuses it.
        return authres.AuthenticationResultsHeader.parse_value(value.rstrip("; "))
    except Exception:  # authres raises its own errors and RecursionError
        return None


def _describe(result) -> str:
    shown = " ".join(f"{p.type}.{p.name}={p.value}" for p in result.properties[:3])
    return f"{result.method}={result.result}" + (f" {shown}" if shown else "")


def _server(value: str) -> str:
    match = AUTHSERV_ID.match(value)
    return match.group(1).rstrip(".").lower() if match else ""


def sender_check(
    *,
    result_runs: Sequence[Sequence[str]],
    from_address: str,
    from_count: int = 1,
    trusted_ids: Iterable[str],
) -> SenderCheck:
    """Judge the From address from the message's Authentication-Results.

    ``result_runs`` are the header values in the order they appear, the
    topmost (added last, by the server nearest to us) first, grouped in runs
    of headers that no other header separates (``ParsedEmail.
    authentication_results_runs``); ``from_count`` is how many addresses the
    From header(s) name. Reads no database, sends nothing.
    """
    trusted = {
        server.strip().rstrip(".").lower() for server in trusted_ids if server.strip()
    }
    if not trusted:
        return SenderCheck(
            Verdict.UNCHECKED,
            "No receiving mail server is trusted (INBOUND_TRUSTED_AUTHSERV_IDS).",
        )
    found: dict[str, tuple[str, list]] = {}  # method -> (server, its results)
    # (server, value) of the receiving server's block: the first run that holds
    # a trusted header, its trusted headers; those of later runs are ignored.
    block: list[tuple[str, str]] = []
    ignored = 0
    for run in result_runs:
        servers = [(_server(value), value) for value in run]
        of_trusted = [(server, v) for server, v in servers if server in trusted]
        if block:
            ignored += len(of_trusted)
        else:
            block = of_trusted
    if not block:
        return SenderCheck(
            Verdict.UNCHECKED,
            "No Authentication-Results from a trusted mail server ("
            + ", ".join(sorted(trusted))
            + ").",
        )
    for server, value in block[:MAX_TRUSTED_HEADERS]:
        header = _parse(value)
        if header is None:
            return SenderCheck(
                Verdict.FAILED,
                f"An Authentication-Results header from {server} could not be read.",
            )
        for method in METHODS:
            of_method = [r for r in header.results if r.method.lower() == method]
            if of_method and method not in found:
                found[method] = (server, of_method)
    verdict = _verdict(found, from_address=from_address, from_count=from_count)
    if ignored:
        note = (
            f" (ignored: {ignored} trusted Authentication-Results header(s) "
            "below the receiving server's results)"
        )
        verdict = SenderCheck(verdict.verdict, verdict.detail[: 500 - len(note)] + note)
    return verdict


def _verdict(
    found: dict[str, tuple[str, list]], *, from_address: str, from_count: int
) -> SenderCheck:
    """The verdict from the receiving server's results, by method."""
    if from_count != 1:
        return SenderCheck(
            Verdict.FAILED,
            f"The message names {from_count} From addresses; a mail server may "
            "have checked another one than the one shown.",
        )
    from_domain = _domain_of(from_address)

    if "dmarc" in found:
        server, dmarc = found["dmarc"]
        for result in dmarc:
            if result.result.lower() == "fail":
                return SenderCheck(Verdict.FAILED, f"{_describe(result)} (by {server})")
        for result in dmarc:
            checked = _property(result, "header", "from")
            if result.result.lower() == "pass" and (
                checked is None or _domain_of(checked) == from_domain
            ):
                return SenderCheck(Verdict.PASSED, f"{_describe(result)} (by {server})")
    for method, ptype, names in (
        ("dkim", "header", ("d", "i")),
        ("spf", "smtp", ("mailfrom",)),
    ):
        server, method_results = found.get(method, ("", []))
        for result in method_results:
            if result.result.lower() != "pass":
                continue
            for name in names:
                if _aligned(_property(result, ptype, name), from_domain):
                    return SenderCheck(
                        Verdict.PASSED,
                        f"{_describe(result)} (by {server}), aligned "
                        f"with {from_domain}",
                    )
    seen = "; ".join(
        _describe(result)
        for server, method_results in found.values()
        for result in method_results[:3]
    )
    return SenderCheck(
        Verdict.FAILED,
        (
            f"Nothing that passed is aligned with {from_domain}"
            + (f": {seen}" if seen else "")
        )[:500],
    )
