"""Outlook's ``winmail.dat`` (application/ms-tnef, [MS-OXTNEF]) opened into
the files and the body it carries.

Read with ``tnefparse`` (pure Python, no dependencies, the TNEF reader the
Python ecosystem uses) rather than by hand. Never raises: a file it cannot
read gives ``None`` and the caller keeps or lists the original.
"""

import logging
from dataclasses import dataclass, field

from tnefparse import properties as Attribute
from tnefparse.tnef import TNEF

from .charsets import decode_text
from .html_text import html_to_text

log = logging.getLogger(__name__)

TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
MAX_TNEF_FILES = 100


@dataclass
class TnefContents:
    """What a winmail.dat carries: ``files`` as (name, bytes), and the body
    as plain text (from its plain or HTML body; RTF-only bodies are not
    read)."""

    files: list[tuple[str, bytes]] = field(default_factory=list)
    body: str = ""
    # Files it carries that are not unpacked, as (name, reason).
    left_out: list[tuple[str, str]] = field(default_factory=list)


def is_tnef(name: str, content_type: str) -> bool:
    return content_type in TNEF_TYPES or (name or "").lower() == "winmail.dat"


def _text(value, codepage: str | None) -> str:
    """Bytes in the sender's code page, which may be wrong or missing, read
    like any mail text (``integrations.charsets``)."""
    if isinstance(value, bytes):
        return decode_text(value, label=codepage)
    return str(value or "")


def _file_name(attachment, codepage: str | None) -> str:
    """The file's long name, else its title. tnefparse decodes the title as
    UTF-8 strictly and raises on a code-page name (a Chinese or German
    Outlook's), so the title's bytes are read here instead."""
    long_names = [
        attr.data
        for attr in attachment.mapi_attrs
        if attr.name == Attribute.MAPI_ATTACH_LONG_FILENAME
    ]
    value = long_names[0] if long_names else attachment._name
    return _text(value, codepage).strip("\x00")


def tnef_unpack(data: bytes) -> TnefContents | None:
    """The files and body inside a winmail.dat, or ``None`` when it is not
    readable TNEF. At most ``MAX_TNEF_FILES`` files are taken; the others,
    and empty ones, are named in ``left_out`` for the agents' list."""
    try:
        tnef = TNEF(data, do_checksum=False)
        contents = TnefContents()
        for index, attachment in enumerate(tnef.attachments):
            name = _file_name(attachment, tnef.codepage)
            payload = attachment.data or b""
            if isinstance(payload, str):
                payload = payload.encode("utf-8")
            if index >= MAX_TNEF_FILES:
                contents.left_out.append(
                    (name, f"a winmail.dat is unpacked up to {MAX_TNEF_FILES} files")
                )
            elif not payload:
                contents.left_out.append((name, "empty in the winmail.dat"))
            else:
                contents.files.append((name, payload))
        body = _text(tnef.body, tnef.codepage).strip("\x00").strip()
        if not body and tnef.htmlbody:
            body = html_to_text(_text(tnef.htmlbody, tnef.codepage).strip("\x00"))
        contents.body = body.strip()
        return contents
    except Exception:  # a damaged winmail.dat is kept or listed, never fatal
        log.info("Unreadable winmail.dat", exc_info=True)
        return None
