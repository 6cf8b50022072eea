"""Reading an email: who sent it, what it says, its files, and whether a
machine wrote it. Standard library only. The body is kept whole: only a reply
to an existing ticket loses its quoted history (``integrations.quotes``)."""

import functools
import re
from dataclasses import dataclass, field
from email import headerregistry, policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from .attachment_parts import attachments_unpack, is_file_part, unnamed_part_name
from .charsets import (
    decode_header_text,
    decode_text,
    header_source,
    part_charset,
    part_filename,
)
from .html_text import MAX_HTML_CHARS, html_to_text


class _ParsedOnceHeaders(headerregistry.HeaderRegistry):
    """``policy.default``'s header classes, each name and value parsed once.

    The email package parses a header again on every read, and reading a
    message reads its Content-Type alone a dozen times; the header objects
    are immutable strings, so one parse serves every read, and the common
    values ("text/plain; charset=utf-8") serve every message."""

    def __call__(self, name, value):
        if isinstance(value, str) and len(value) <= MAX_CACHED_HEADER_CHARS:
            return _header_parsed(self, name, value)
        return super().__call__(name, value)


MAX_CACHED_HEADER_CHARS = 2_000


@functools.lru_cache(maxsize=4_096)
def _header_parsed(registry: _ParsedOnceHeaders, name: str, value: str):
    return headerregistry.HeaderRegistry.__call__(registry, name, value)


# What every message is parsed with (see _ParsedOnceHeaders).
POLICY = policy.default.clone(header_factory=_ParsedOnceHeaders())

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
TICKET_TOKEN = re.compile(r"\[#(\d{1,9})\]")
BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


@dataclass
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes
    inline: bool = False
    charset: str | None = None  # a text part's label, for reading it (invites)


@dataclass
class ParsedEmail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    from_name: str = ""
    from_address: str = ""
    to_addresses: list[str] = field(default_factory=list)
    subject: str = ""
    body: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    automatic: str = ""  # why a machine wrote it, or empty
    instance_id: str = ""  # X-Helpdesk-Instance: set on our own mail
    bounced_message_ids: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    # Authentication-Results header values, topmost (added last) first.
    authentication_results: list[str] = field(default_factory=list)
    # The same, in runs that other headers (such as Received) separate: the
    # receiving server's own results are one run (see authentication.py).
    authentication_results_runs: list[list[str]] = field(default_factory=list)
    from_count: int = 1  # addresses named by all From headers together
    full_html: str = ""  # an HTML body too long to convert whole, as sent
    # Files the intake could not offer at all (an unreadable winmail.dat),
    # and notes about files it read (a calendar invite it could not read).
    files_set_aside: list[tuple[str, str]] = field(default_factory=list)
    file_notes: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this mail answers, the most specific first."""
        seen, ordered = set(), []
        for message_id in [*self.in_reply_to, *reversed(self.references)]:
            if message_id not in seen:
                seen.add(message_id)
                ordered.append(message_id)
        return ordered

    @property
    def ticket_token(self) -> int | None:
        match = TICKET_TOKEN.search(self.subject)
        return int(match.group(1)) if match else None


def _header(message: EmailMessage, name: str) -> str:
    """A header as text; a header too broken to parse reads as its raw text.
    Charsets are read by integrations.charsets (lying or missing labels)."""
    raw = next(
        (raw for key, raw in message.raw_items() if key.lower() == name.lower()), ""
    )
    try:
        value = message.policy.header_fetch_parse(name, header_source(raw))
    except Exception:  # the email package raises many kinds on bad headers
        value = decode_header_text(raw)
    return " ".join(str(value or "").split())


def _header_runs(message: EmailMessage, name: str) -> list[list[str]]:
    """Every header of this name, top first, each as one line of text, in
    runs of headers that no header of another name separates."""
    wanted = name.lower()
    runs: list[list[str]] = []
    adjacent = False
    for key, raw in message.raw_items():
        if key.lower() != wanted:
            adjacent = False
            continue
        try:
            value = str(message.policy.header_fetch_parse(key, header_source(raw)))
        except Exception:  # a header too broken to decode reads as its raw text
            value = decode_header_text(raw)
        if not adjacent:
            runs.append([])
        runs[-1].append(" ".join(value.split()))
        adjacent = True
    return runs


def _all_headers(message: EmailMessage, name: str) -> list[str]:
    """Every header of this name, top first, each as one line of text."""
    return [value for run in _header_runs(message, name) for value in run]


def _text_of(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_text(payload, label=part_charset(part))


def _contains(part: EmailMessage, wanted) -> bool:
    return wanted is not None and any(inner is wanted for inner in part.walk())


def _shown_texts(part: EmailMessage, body_part, found: list) -> None:
    """The text parts a mail program shows, in order, into ``found``: every
    inline text/plain or text/html leaf, one alternative of each
    multipart/alternative (the one holding the body, else plain before
    HTML); forwarded messages are files, not text."""
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        return
    if part.is_multipart():
        children = list(part.iter_parts())
        if content_type == "multipart/alternative":
            chosen = next((c for c in children if _contains(c, body_part)), None)
            chosen = chosen or next(
                (c for c in children if c.get_content_type() == "text/plain"),
                next(iter(children[::-1]), None),
            )
            children = [chosen] if chosen is not None else []
        for child in children:
            _shown_texts(child, body_part, found)
        return
    if (
        content_type in ("text/plain", "text/html")
        and not part_filename(part)
        and (part.get_content_disposition() or "").lower() != "attachment"
    ):
        found.append(part)


def _more_texts(message: EmailMessage, body_part) -> list[str]:
    """The text of the parts shown besides the body: Apple Mail places an
    inline picture between two text parts, some programs put an HTML part
    next to the plain one in multipart/mixed. All of it is the sender's."""
    if body_part is None or not message.is_multipart():
        return []
    found: list = []
    _shown_texts(message, body_part, found)
    texts = []
    for part in found:
        if part is body_part:
            continue
        text = _text_of(part)
        if part.get_content_type() == "text/html":
            text = html_to_text(text[:MAX_HTML_CHARS])
        if text.strip():
            texts.append(text.strip())
    return texts


def _automatic(message: EmailMessage, from_address: str) -> str:
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autogenerated"):
        if _header(message, name):
            return f"{name} header"
    precedence = _header(message, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if message.get_content_type() == "multipart/report":
        return "delivery report (bounce)"
    if BOUNCE_SENDERS.match(from_address):
        return f"bounce from {from_address}"
    if _header(message, "Return-Path") == "<>":
        return "empty Return-Path (bounce)"
    return ""


def _bounced_ids(message: EmailMessage) -> list[str]:
    """Message-IDs of our mail that a delivery report says did not arrive."""
    found = []
    for part in message.walk():
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822"):
            try:
                payload = part.get_payload()
                text = (
                    payload[0].as_string()
                    if isinstance(payload, list)
                    else _text_of(part)
                )
            except Exception:  # noqa: S112 - a damaged report is still a bounce
                continue
            match = re.search(r"(?im)^Message-ID:\s*(<[^>]+>)", text)
            if match:
                found.append(match.group(1))
    return found


def _leaves(message: EmailMessage):
    """Every leaf part, with a forwarded message (message/rfc822) counted as
    one leaf rather than opened up."""
    if message.get_content_type() == "message/rfc822" or not message.is_multipart():
        yield message
        return
    for child in message.iter_parts():
        yield from _leaves(child)


def _attachments(message: EmailMessage, body_part) -> list[ParsedAttachment]:
    files = []
    for index, part in enumerate(_leaves(message)):
        if part is body_part:
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = part_filename(part)
        content_type = part.get_content_type()
        if (
            content_type in ("text/plain", "text/html")
            and not filename
            and (disposition != "attachment")
        ):
            continue  # an alternative body, not a file
        if content_type in ("message/delivery-status", "text/rfc822-headers"):
            continue
        if content_type == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else None
        else:
            data = part.get_payload(decode=True)
        if data is None:
            continue
        files.append(
            ParsedAttachment(
                # Whole: the type is judged on the whole name, which is then
                # shortened by tickets.services.filenames, never here.
                name=filename or unnamed_part_name(part, index),
                content_type=content_type,
                data=data,
                inline=disposition == "inline" or bool(part.get("Content-ID")),
                charset=part_charset(part)
                if part.get_content_maintype() == "text"
                else None,
            )
        )
    return files


BOUNDARY_PARAM = re.compile(
    rb"""boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))""", re.IGNORECASE
)
ENCODED_BOUNDARY = re.compile(rb"boundary\*", re.IGNORECASE)  # RFC 2231 form
DELIMITER_LINE = re.compile(rb"\n--([^\r\n]{1,202})")


CONTENT_TYPE_FIELD = re.compile(
    rb"^content-type:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*", re.IGNORECASE | re.MULTILINE
)
UNQUOTED_BOUNDARY = re.compile(
    rb"""(boundary\s*=\s*)(?:'([^'\r\n]{1,200})'|([^\s;"']{1,200}))""", re.IGNORECASE
)
BOUNDARY_DEFECTS = {"StartBoundaryNotFoundDefect", "NoBoundaryInMultipartDefect"}


def _boundary_lost(message: EmailMessage) -> bool:
    """Did a multipart part lose its parts to a boundary the parser misread?"""
    return any(
        type(defect).__name__ in BOUNDARY_DEFECTS
        for part in message.walk()
        for defect in part.defects
    )


def _boundaries_quoted(raw: bytes) -> bytes:
    """The message with every boundary parameter of its Content-Type fields
    in double quotes, as broken mailers fail to write it: unquoted with "="
    in it (``boundary=----=_NextPart_000``, read by the email package as a
    parameter cut at the "=") or in single quotes (RFC 2045 section 5.1
    allows neither)."""

    def quote(match: re.Match) -> bytes:
        return match.group(1) + b'"' + (match.group(2) or match.group(3)) + b'"'

    return CONTENT_TYPE_FIELD.sub(
        lambda field: UNQUOTED_BOUNDARY.sub(quote, field.group(0)), raw
    )


def mime_parts_at_most(raw: bytes, limit: int) -> int:
    """An upper bound on how many MIME parts the message has, found in one
    pass over the bytes without parsing; counting stops past ``limit``.

    Parsing costs about a millisecond a part, so this is what keeps a small
    message of a hundred thousand empty parts from holding a worker for
    minutes: the caller refuses to parse past a limit.
    """
    lines = raw.count(b"\n--")
    if lines <= limit or ENCODED_BOUNDARY.search(raw):
        return lines
    boundaries = {m.group(1) or m.group(2) for m in BOUNDARY_PARAM.finditer(raw)}
    count = 0
    for match in DELIMITER_LINE.finditer(raw):
        token = match.group(1).rstrip()
        if token in boundaries or (token.endswith(b"--") and token[:-2] in boundaries):
            count += 1
            if count > limit:
                break
    return count


def parse_email(raw: bytes) -> ParsedEmail:
    """Everything processing needs from the raw bytes. Never raises for a
    malformed message: what can be read is read, and defects are listed."""
    message = BytesParser(policy=POLICY).parsebytes(raw)
    if _boundary_lost(message):
        repaired = _boundaries_quoted(raw)
        if repaired != raw:
            message = BytesParser(policy=POLICY).parsebytes(repaired)
    parsed = ParsedEmail()
    parsed.defects = [type(defect).__name__ for defect in message.defects]
    parsed.message_id = (MESSAGE_ID.findall(_header(message, "Message-ID")) or [""])[0]
    parsed.in_reply_to = MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    parsed.references = MESSAGE_ID.findall(_header(message, "References"))
    name, address = parseaddr(_header(message, "From"))
    parsed.from_name, parsed.from_address = name, address.strip().lower()
    from_headers = _all_headers(message, "From")
    parsed.from_count = len([a for _, a in getaddresses(from_headers) if a]) or len(
        from_headers
    )
    parsed.authentication_results_runs = _header_runs(message, "Authentication-Results")
    parsed.authentication_results = [
        value for run in parsed.authentication_results_runs for value in run
    ]
    parsed.to_addresses = [
        addr.lower()
        for _, addr in getaddresses(
            [
                _header(message, "To"),
                _header(message, "Cc"),
                _header(message, "Delivered-To"),
            ]
        )
        if addr
    ]
    parsed.subject = _header(message, "Subject")[:998]
    parsed.instance_id = _header(message, "X-Helpdesk-Instance")
    parsed.automatic = _automatic(message, parsed.from_address)
    if parsed.automatic:
        parsed.bounced_message_ids = _bounced_ids(message)

    try:
        body_part = message.get_body(preferencelist=("plain", "html"))
    except Exception:  # a broken MIME tree: fall back to the top part
        body_part = None
    if body_part is None and not message.is_multipart() and not is_file_part(message):
        body_part = message
    text = ""
    if body_part is not None:
        text = _text_of(body_part)
        if body_part.get_content_type() == "text/html":
            if len(text) > MAX_HTML_CHARS:
                parsed.full_html = text  # converted only in part: kept whole
            text = html_to_text(text)
        text = "\n\n".join([text.rstrip(), *_more_texts(message, body_part)])
    # Never cut here: a body too long for a message is kept whole as a file
    # by the intake (integrations.services.inbound).
    parsed.body = text.replace("\r\n", "\n").replace("\r", "\n")
    parsed.attachments = _attachments(message, body_part)
    attachments_unpack(parsed)
    return parsed
