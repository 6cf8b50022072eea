"""Headers and attachment names: RFC 2047 encoded words, raw 8-bit
bytes and RFC 2231 parameters, each decoded by ``decode_text``."""

import base64
import binascii
import re
from email.message import Message

from .labels import codecs_for
from .text import decode_text

ENCODED_WORD = re.compile(
    rb"=\?([^?\s*]{1,60})(?:\*[^?\s]{0,30})?\?([bBqQ])\?([^?\s]*)\?="
)


def _word_bytes(encoding: bytes, payload: bytes) -> bytes | None:
    try:
        if encoding in b"bB":
            return base64.b64decode(payload + b"=" * (-len(payload) % 4))
        return binascii.a2b_qp(payload, header=True)
    except (binascii.Error, ValueError):
        return None


def _header_pieces(raw: bytes) -> list[tuple[str, bool]]:
    """The header as (text, from an encoded word) pieces. Adjacent encoded
    words lose the whitespace between them (RFC 2047 section 6.2), and their
    bytes are joined before decoding when they share a charset, since some
    programs split one character across two words."""
    words: list[tuple[bytes, str | None]] = []  # (bytes, label or None: raw)
    position = 0
    for match in ENCODED_WORD.finditer(raw):
        decoded = _word_bytes(match.group(2), match.group(3))
        if decoded is None:
            continue
        between = raw[position : match.start()]
        label = match.group(1).decode("ascii", "replace").lower()
        if words and words[-1][1] is not None and not between.strip():
            if _same_charset(words[-1][1], label):
                words[-1] = (words[-1][0] + decoded, label)
            else:
                words.append((decoded, label))
        else:
            if between:
                words.append((between, None))
            words.append((decoded, label))
        position = match.end()
    if position < len(raw):
        words.append((raw[position:], None))
    raw_runs = [data for data, label in words if label is None]
    raw_texts = iter(_decode_together(raw_runs))
    return [
        (
            next(raw_texts) if label is None else decode_text(data, label=label),
            label is not None,
        )
        for data, label in words
    ]


def _same_charset(first: str, second: str) -> bool:
    """Do two labels name one charset, however spelled ("UTF-8", "utf8")?"""
    return first == second or (codecs_for(first) or (first,)) == (
        codecs_for(second) or (second,)
    )


def _decode_together(runs: list[bytes]) -> list[str]:
    """The header's raw (not encoded-word) runs, decoded as one text so a
    header of thousands of runs costs one guess, not thousands; NUL, which
    no header holds, keeps them apart."""
    if all(_is_plain(run) for run in runs):
        return [run.decode("ascii") for run in runs]
    texts = decode_text(b"\x00".join(runs), label=None).split("\x00")
    if len(texts) != len(runs) or any(b"\x00" in run for run in runs):
        return [decode_text(run, label=None) for run in runs]
    return texts


def _is_plain(run: bytes) -> bool:
    return run.isascii() and b"\x1b" not in run


def _raw_bytes(raw: str) -> bytes:
    """A header value as the parser kept it (8-bit bytes as surrogates)."""
    return raw.encode("utf-8", "surrogateescape")


def decode_header_text(raw: str | bytes) -> str:
    """A header's text with encoded words decoded and raw 8-bit bytes read
    by ``decode_text``; line folds are kept as they are."""
    data = raw if isinstance(raw, bytes) else _raw_bytes(raw)
    return "".join(text for text, _ in _header_pieces(data))


def header_source(raw: str) -> str:
    """The header's source with every encoded word re-written as UTF-8 and
    raw 8-bit bytes decoded, ready for the email package's own parser,
    which then keeps the structure (quoted display names, comments) the
    encoded words carried. An ASCII header without encoded words is
    returned unchanged."""
    if raw.isascii() and "=?" not in raw and "\x1b" not in raw:
        return raw
    pieces = []
    for text, encoded in _header_pieces(_raw_bytes(raw)):
        if encoded:
            text = base64.b64encode(text.encode("utf-8")).decode("ascii")
            text = f"=?utf-8?b?{text}?="
        pieces.append(text)
    return "".join(pieces)


def part_filename(part: Message) -> str | None:
    """The file name a MIME part gives (Content-Disposition filename, else
    Content-Type name), its RFC 2231 ``filename*`` form preferred (RFC 6266
    section 4.3), decoded with the label read as above; None without one."""
    for header, param in (
        ("content-disposition", "filename"),
        ("content-type", "name"),
    ):
        raw = next((v for k, v in part.raw_items() if k.lower() == header), None)
        if raw is None:
            continue
        holder = Message()  # compat32: parameters as sent, RFC 2231 joined
        holder["X"] = _raw_bytes(raw).decode("latin-1")
        values = [v for k, v in holder.get_params([], header="x") if k.lower() == param]
        values.sort(key=lambda value: not isinstance(value, tuple))
        for value in values:
            if isinstance(value, tuple):
                charset, _, text = value
                data = text.encode("latin-1", "replace")
                name = decode_text(data, label=charset or None)
            else:
                name = decode_header_text(value.encode("latin-1", "replace"))
            if name.strip():
                return name.strip()
    return None
