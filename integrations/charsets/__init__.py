"""Turning the bytes of inbound mail into text when the charset label is
wrong, missing or bogus: bodies, headers (RFC 2047 encoded words and raw
8-bit) and attachment names (RFC 2231).

A label names the standard set while the sender's program wrote the
vendor's superset (GB2312 written as GBK, ISO-8859-1 as Windows-1252,
Shift_JIS as Windows-932, EUC-KR as CP949, Big5 as CP950/HKSCS,
ISO-2022-JP with NEC's row 13). Labels are therefore read as the WHATWG
Encoding Standard reads them (https://encoding.spec.whatwg.org/#names-and-labels:
iso-8859-1 and ascii mean windows-1252, gb2312 means GBK, shift_jis
includes the CP932 extensions, euc-kr is windows-949, big5 is
Big5-HKSCS), with Python's gb18030 for the GBK family since it is a
superset of GBK.

Order of trust, per text: ISO-2022 escape sequences in 7-bit data; for
a Windows-1252 label, well-formed UTF-8; the label's codecs, strictly;
valid UTF-8; the label again, kept when only a few bytes are bad; UTF-8
with stray bytes read as Windows-1252; Windows-1252 when it reads as
Western text; a guess by charset-normalizer (a well-kept, pure-Python
detector) from a bounded prefix; Windows-1252, which decodes any byte.
Every step is linear in the input and detection sees at most
``DETECTION_PREFIX_BYTES`` (a 5 MB unlabelled body decodes in under a
second).
"""

from .headers import decode_header_text, header_source, part_filename
from .labels import codecs_for
from .text import DETECTION_PREFIX_BYTES, decode_text, part_charset

__all__ = [
    "DETECTION_PREFIX_BYTES",
    "codecs_for",
    "decode_header_text",
    "decode_text",
    "header_source",
    "part_charset",
    "part_filename",
]
