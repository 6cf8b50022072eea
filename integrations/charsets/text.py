"""Decoding a body (or any run of bytes) whose label lies, is missing or
is bogus; see the package docstring for the order of trust."""

import array
import codecs
import functools
import re
import sys
from email.message import Message

from charset_normalizer import from_bytes

from .labels import CP50220, ISO2022JP, NOT_ASCII_SAFE, UTF8, WINDOWS_1252, codecs_for

DETECTION_PREFIX_BYTES = 64 * 1024
# Characters beyond ASCII that well-formed UTF-8 needs to win over a
# multi-byte label (about one in a thousand GBK texts of that size passes).
UTF8_OVER_LABEL = 3
HTML_PRESCAN_BYTES = 1024
# Among equally likely guesses, the charsets inbound mail uses most.
# Windows-1250 before Windows-1251: Polish or Czech read as Cyrillic ties
# with the right reading, Cyrillic read as Central European does not.
TIE_BREAK = (
    "utf_8", "cp1252", "gb18030", "cp932", "cp949", "big5", "cp1250", "cp1251",
)  # fmt: skip
ISO2022_ESCAPE = re.compile(rb"\x1b(?:\$[@B]|\$\([@BDOPQ]|\([BIJ]|\$\)[ACG])")
ISO2022_KR_ESCAPE = re.compile(rb"\x1b\$\)C")
JAPANESE_CODECS = ("cp932", "shift_jis", "euc_jp", "euc_jis_2004", "shift_jis_2004")
# Full-width kana only: GBK, Big5 or KOI8-R bytes read as CP932 give runs
# of half-width katakana (U+FF66-FF9F), which Japanese mail rarely uses.
KANA = re.compile("[\u3041-\u30ff]")
# Guesses never taken for mail text: UTF-16/32 without a BOM (a BOM is read
# before any guess) turns any even run of bytes into CJK or Hangul.
NEVER_GUESSED = ("utf_16", "utf_32")
# Windows-1252's letters, and the punctuation Western text uses.
WESTERN_LETTERS = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0152\u0153\u0160\u0161"
WESTERN_LETTERS += "\u0178\u017d\u017e"
WESTERN_PUNCTUATION = "\u00a0\u00a7\u00a9\u00ab\u00ae\u00b0\u00b7\u00bb\u2013\u2014"
WESTERN_PUNCTUATION += "\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026\u20ac\u2122"
NOT_WESTERN = re.compile(f"[^\\x00-\\x7f{WESTERN_LETTERS}{WESTERN_PUNCTUATION}]")
WESTERN_RUN = re.compile(f"[{WESTERN_LETTERS}]{{3}}")
HTML_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""",
    re.IGNORECASE,
)

# Windows-1252 as WHATWG decodes it: its five unassigned bytes as the C1
# controls of the same value, so that any byte string decodes.
WINDOWS_1252_TABLE = "".join(
    bytes([code]).decode("cp1252", "ignore") or chr(code) for code in range(256)
)


def _decode(data: bytes, codec: str, errors: str = "strict") -> str:
    if codec == WINDOWS_1252:
        return codecs.charmap_decode(data, errors, WINDOWS_1252_TABLE)[0]
    if codec == CP50220:
        return _decode_cp50220(data, errors)
    return data.decode(codec, errors)


def _sjis_pair(first: int, second: int) -> bytes:
    """The Shift_JIS code of a JIS X 0208 row/cell pair (both 0x21-0x7E)."""
    lead = ((first - 0x21) >> 1) + 0x81
    lead += 0x40 if lead > 0x9F else 0
    if first % 2:
        return bytes((lead, second + 0x1F + (1 if second >= 0x60 else 0)))
    return bytes((lead, second + 0x7E))


def _jis_table() -> dict[int, str]:
    """Every JIS pair, keyed as a native 16-bit integer, read as CP932."""
    table = {}
    for first in range(0x21, 0x7F):
        for second in range(0x21, 0x7F):
            try:
                char = _sjis_pair(first, second).decode("cp932")
            except UnicodeDecodeError:
                continue
            table[int.from_bytes(bytes((first, second)), sys.byteorder)] = char
    return table


JIS_TABLE = _jis_table()
JIS_ESCAPES = {b"\x1b(B": "ascii", b"\x1b(J": "ascii", b"\x1b(I": "kana"}
JIS_ESCAPES |= {b"\x1b$@": "jis", b"\x1b$B": "jis"}
JIS_SPLIT = re.compile(rb"(\x1b(?:\([BJI]|\$[@B]))")
HIGH_BIT = bytes(range(128, 256)) * 2
GRAPHIC = re.compile(rb"[\x21-\x7e]*")
JIS_PAIRS = re.compile(rb"(?:[\x21-\x7e]{2})*")


def _decode_cp50220(data: bytes, errors: str) -> str:
    """ISO-2022-JP as Windows writes it (CP50220/50221): JIS pairs read
    through a table built once, a C-level lookup per pair; data with SO/SI
    or line breaks inside a two-byte run takes the byte-by-byte path."""
    if b"\x0e" in data:
        return _decode_cp50220_bytewise(data, errors)
    pieces = JIS_SPLIT.split(data)
    mode, out = "ascii", []
    for index, piece in enumerate(pieces):
        if index % 2:
            mode = JIS_ESCAPES[piece]
        elif mode == "ascii" or not piece:
            out.append(piece.decode("cp932", errors))
        elif mode == "kana" and GRAPHIC.fullmatch(piece):
            out.append(piece.translate(HIGH_BIT).decode("cp932", errors))
        elif mode == "jis" and JIS_PAIRS.fullmatch(piece):
            pairs = array.array("H")
            pairs.frombytes(piece)
            chars = list(map(JIS_TABLE.get, pairs))
            if None in chars:
                if errors == "strict":
                    raise UnicodeDecodeError("cp50220", data, 0, 1, "not in CP932")
                chars = [char or "\ufffd" for char in chars]
            out.append("".join(chars))
        else:
            return _decode_cp50220_bytewise(data, errors)
    return "".join(out)


def _decode_cp50220_bytewise(data: bytes, errors: str) -> str:
    """ISO-2022-JP as Windows writes it (CP50220/50221, "ISO-2022-JP-MS"):
    each JIS X 0208 pair is moved to its Shift_JIS code and read as CP932,
    which holds NEC row 13 (①, ㈱, Ⅰ) and the IBM extensions; ESC ( I and
    SO/SI select half-width katakana. Raises UnicodeDecodeError on other
    escapes (JIS X 0212 is read by iso2022_jp_2 before this)."""
    out = bytearray()
    mode = "ascii"
    index, size = 0, len(data)
    while index < size:
        byte = data[index]
        if byte == 0x1B:
            sequence = data[index : index + 3]
            mode = {
                b"\x1b(B": "ascii",
                b"\x1b(J": "ascii",
                b"\x1b(I": "kana",
                b"\x1b$@": "jis",
                b"\x1b$B": "jis",
            }.get(sequence, "")
            if not mode:
                raise UnicodeDecodeError("cp50220", data, index, index + 1, "escape")
            index += 3
            continue
        if byte in (0x0E, 0x0F):  # SO / SI
            mode = "kana" if byte == 0x0E else "ascii"
        elif byte < 0x21 or mode == "ascii":
            out.append(byte)
        elif mode == "kana":
            out.append(byte | 0x80)
        elif index + 1 < size and 0x21 <= data[index + 1] <= 0x7E and byte <= 0x7E:
            out += _sjis_pair(byte, data[index + 1])
            index += 1
        else:
            raise UnicodeDecodeError("cp50220", data, index, index + 1, "bad pair")
        index += 1
    return bytes(out).decode("cp932", errors)


@functools.cache
def _decodes_every_byte(codec: str) -> bool:
    """Is the codec a single-byte charset (one character per byte)?"""
    try:
        return len(_decode(bytes(range(256)), codec, "replace")) == 256
    except (LookupError, UnicodeError):
        return False


def _single_byte(chain: tuple[str, ...]) -> bool:
    return bool(chain) and all(
        not codec.startswith(NOT_ASCII_SAFE) and _decodes_every_byte(codec)
        for codec in chain
    )


def _is_ascii(data: bytes) -> bool:
    return data.isascii() and b"\x1b" not in data


def _bad_count(data: bytes, codec: str) -> int:
    """How many undecodable sequences the codec meets, or -1 if it cannot
    be used at all."""
    try:
        text = _decode(data, codec, "replace")
    except (LookupError, UnicodeError):
        return -1
    return text.count("\ufffd")


def _few(bad: int, data: bytes) -> bool:
    """A label that is right but for a few bad bytes: at most one bad
    sequence per fifty non-ASCII bytes."""
    if bad < 0:
        return False
    non_ascii = len(data.translate(None, bytes(range(128))))
    return bad * 50 <= non_ascii


STRAY_BYTE = re.compile("[\udc80-\udcff]")
STRAY_RUN = re.compile("[\udc80-\udcff]{3}")


def _mostly_utf8(data: bytes) -> str | None:
    """The text if the bytes are UTF-8 but for stray bytes, these read as
    Windows-1252 (a Latin-1 signature or quote pasted into UTF-8 text).
    GBK, Shift_JIS, CP949 or Big5 text forms fewer well-formed UTF-8
    characters than stray bytes; so at least as many well-formed ones are
    required, and unless there are three times as many, the stray bytes
    must read as Western letters or punctuation, never three in a row.
    Linear: no Python-level error handler runs per byte."""
    text = data.decode("utf-8", "replace")
    stray = text.count("\ufffd")
    well_formed = len(text) - len(text.encode("ascii", "ignore")) - stray
    if not stray or well_formed < stray:
        return None
    escaped = data.decode("utf-8", "surrogateescape")
    if well_formed < 3 * stray:
        strays = "".join(STRAY_BYTE.findall(escaped))
        as_1252 = strays.encode("utf-8", "surrogateescape").decode("cp1252", "replace")
        if NOT_WESTERN.search(as_1252) or STRAY_RUN.search(escaped):
            return None
    return STRAY_BYTE.sub(
        lambda match: WINDOWS_1252_TABLE[ord(match.group()) - 0xDC00], escaped
    )


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess from at most DETECTION_PREFIX_BYTES, cut
    at a line end so a multi-byte character is not split. Where its best
    candidates tie (short texts give it no language to go on), the charset
    mail most often uses wins."""
    sample = data[:DETECTION_PREFIX_BYTES]
    if len(data) > DETECTION_PREFIX_BYTES:
        cut = sample.rfind(b"\n")
        sample = sample[: cut + 1] if cut > 0 else sample
    matches = [
        match
        for match in from_bytes(sample)
        if not match.encoding.startswith(NEVER_GUESSED)
    ]
    if not matches:
        return None
    for match in matches:  # short Japanese is often taken for Korean
        if match.encoding in JAPANESE_CODECS:
            text = str(match)
            if len(KANA.findall(text)) * 5 >= len(text.strip()):
                return match.encoding
    best = matches[0]
    tied = [
        match
        for match in matches
        if match.chaos <= best.chaos and match.coherence >= best.coherence
    ]
    for preferred in TIE_BREAK:
        if any(preferred in match.could_be_from_charset for match in tied):
            return preferred
    return best.encoding


def _plausibly_western(data: bytes) -> bool:
    """Whether the bytes read as Windows-1252 look like Western text: every
    non-ASCII character a Latin letter or common punctuation, and no more
    than two such letters in a row (GBK, Shift_JIS or CP1251 text read this
    way gives symbols and long runs of accented capitals). Detection cannot
    tell a short subject or file name apart; this can."""
    text = _decode(data[:DETECTION_PREFIX_BYTES], WINDOWS_1252)
    return not NOT_WESTERN.search(text) and not WESTERN_RUN.search(text)


def _iso2022(data: bytes) -> str | None:
    """The text of 7-bit data written with ISO-2022 escapes, if it reads."""
    if not ISO2022_ESCAPE.search(data):
        return None
    chain = ("iso2022_kr",) if ISO2022_KR_ESCAPE.search(data) else ISO2022JP
    for codec in chain:
        try:
            return _decode(data, codec)
        except UnicodeError:
            continue
    return None


def decode_text(data: bytes, *, label: str | None = None) -> str:
    """The text of ``data`` (a body, a header run, a file name) labelled
    ``label`` (may be None, lying or bogus). Never raises; the result holds
    U+FFFD only where a charset that fits nearly everything fails on a few
    bytes."""
    if not data:
        return ""
    chain = codecs_for(label)
    if data.startswith(codecs.BOM_UTF8):
        # A byte order mark outweighs the label (WHATWG Encoding Standard,
        # "decode": BOM sniffing comes first), and is not itself text.
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            pass
    if _is_ascii(data) and not any(c.startswith(NOT_ASCII_SAFE) for c in chain):
        return data.decode("ascii")
    if (
        b"\x1b" in data
        and not any(c.startswith(NOT_ASCII_SAFE) for c in chain)
        and (text := _iso2022(data)) is not None
    ):
        return text
    if _single_byte(chain) and not data.isascii():
        # Mail programs and web forms label UTF-8 text "us-ascii",
        # "iso-8859-1", "iso-8859-15", "koi8-r"...; text in a single-byte
        # charset is practically never well-formed UTF-8.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    elif chain and chain != UTF8 and not data.isascii():
        # The same under a multi-byte label (gb2312, shift_jis): GBK or
        # Shift_JIS text is well-formed UTF-8 by chance about once a
        # character in ten, so only UTF-8 with a few characters beyond
        # ASCII is taken over the label.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if len(text) - len(text.encode("ascii", "ignore")) >= UTF8_OVER_LABEL:
                return text
    for codec in chain:
        try:
            return _decode(data, codec)
        except (UnicodeError, LookupError):
            continue
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if chain and chain != UTF8 and _few(_bad_count(data, chain[-1]), data):
        return _decode(data, chain[-1], "replace")
    if (text := _mostly_utf8(data)) is not None:
        return text
    if _plausibly_western(data):
        return _decode(data, WINDOWS_1252)
    guess = _detect(data)
    for codec in codecs_for(guess):
        if _few(_bad_count(data, codec), data):
            return _decode(data, codec, "replace")
    return _decode(data, WINDOWS_1252)


RAW_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I)


def _raw_charset(part: Message) -> str | None:
    """The charset parameter as written, for labels the email package drops
    (``charset='koi8-r'`` in single quotes reads as an empty RFC 2231 value)."""
    raw = next((str(v) for k, v in part.raw_items() if k.lower() == "content-type"), "")
    match = RAW_CHARSET.search(raw)
    return match.group(1) if match else None


def part_charset(part: Message) -> str | None:
    """The charset a MIME part declares, or for HTML without one, what its
    <meta charset> says in the first kilobyte (WHATWG's prescan, simplified)."""
    try:
        label = part.get_content_charset() or _raw_charset(part)
        if label is None and part.get_content_type() == "text/html":
            head = (part.get_payload(decode=True) or b"")[:HTML_PRESCAN_BYTES]
            match = HTML_META_CHARSET.search(head)
            label = match.group(1).decode("ascii") if match else None
    except Exception:  # the email package raises many kinds on bad headers
        return None
    return label
