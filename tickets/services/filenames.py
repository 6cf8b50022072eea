"""Attachment names: one cleaning rule for every way a file comes in.

Email intake, the portal, the agent workspace and the API all store files
through ``attachments_store``, which names them with ``attachment_name_clean``
and checks their type with ``attachment_name_type_problem`` on the *whole*
name, before it is ever shortened (issue 11: a 256-character ``….pdf`` was
cut to ``.pd`` and refused; ``<251 characters>.pdf.exe`` was cut to ``.pdf``
and accepted).

Names are data here, never paths: files are stored under a random name
(``tickets.models.attachment_upload_to``), so the only limits that matter
are the ``original_name`` column (255 characters) and the name a browser
gives the file when it is saved (255 UTF-8 bytes on ext4, NTFS counts 255
UTF-16 units), hence ``MAX_NAME_BYTES``.
"""

import mimetypes
import re
import unicodedata

from django.conf import settings

MAX_NAME_CHARS = 255  # tickets.Attachment.original_name
MAX_NAME_BYTES = 255  # a file name on common file systems (ext4, APFS)
MAX_EXTENSION_CHARS = 16

# Types that run code when opened on Windows, refused anywhere in a name
# ("invoice.exe.pdf" as well as "invoice.pdf.exe"). From Microsoft's list of
# attachments Outlook blocks ("Blocked attachments in Outlook", Level 1), the
# double-extension rule from OWASP's File Upload Cheat Sheet. Words that are
# also ordinary name parts (app, tmp, url, pl...) are left out of it.
EXECUTABLE_EXTENSIONS = frozenset(
    {
        "ade", "adp", "appref-ms", "asp", "aspx", "bas", "bat", "bgi", "cer", "chm",
        "cmd", "cnt", "com", "cpl", "crt", "csh", "der", "diagcab", "exe", "fxp",
        "gadget", "grp", "hlp", "hpj", "hta", "htc", "inf", "ins", "isp", "jar", "jnlp",
        "js", "jse", "ksh", "lnk", "mad", "maf", "mag", "mam", "maq", "mar", "mas",
        "mau", "mav", "maw", "mcf", "mda", "mdb", "mde", "mdt", "mdw", "mdz", "msc",
        "msh", "msh1", "msh2", "mshxml", "msh1xml", "msh2xml", "msi", "msp", "mst",
        "msu", "osd", "pcd", "pif", "plg", "prf", "prg", "printerexport", "ps1",
        "ps1xml", "ps2", "ps2xml", "psc1", "psc2", "psd1", "psdm1", "py", "pyc", "pyo",
        "pyw", "pyz", "pyzw", "reg", "scf", "scr", "sct", "shb", "shs", "vb", "vbe",
        "vbp", "vbs", "vhd", "vhdx", "vsmacros", "vsw", "webpnp", "website", "ws",
        "wsc", "wsf", "wsh", "xbap", "xll", "xnk",
    }
)  # fmt: skip

# Media types Python's own table (``mimetypes``, read without the system's
# files so every machine agrees) lacks or answers oddly for; the extensions
# are the IANA registrations' "File extension(s)" field
# (https://www.iana.org/assignments/media-types/).
EXTENSIONS_BY_TYPE = {
    "text/plain": "txt",
    "text/calendar": "ics",
    "application/ics": "ics",
    "text/csv": "csv",
    "text/html": "html",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/heic": "heic",
    "message/rfc822": "eml",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/vnd.ms-outlook": "msg",
    "application/ms-tnef": "dat",
    "application/vnd.ms-tnef": "dat",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "pptx"
    ),
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/octet-stream": "bin",
}
_PYTHON_TYPES = mimetypes.MimeTypes(filenames=())  # the built-in table only

# Unicode "format" characters (Cf: bidi overrides such as U+202E, zero-width
# joiners, BOMs) and controls (Cc) change how a name looks, not what it is.
_INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Cn")
_SPACES = re.compile(r"\s+")


def extension_for_type(content_type: str) -> str:
    """The usual extension (without the dot) for a media type such as
    ``text/calendar``; ``txt`` for another text type nothing is known about
    (RFC 2046 section 4.1.4: unrecognized text subtypes are read as
    text/plain), else ``bin``."""
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type in EXTENSIONS_BY_TYPE:
        return EXTENSIONS_BY_TYPE[content_type]
    guessed = _PYTHON_TYPES.guess_extension(content_type, strict=False)
    if guessed:
        return guessed.lstrip(".")
    return "txt" if content_type.startswith("text/") else "bin"


def attachment_name_normalize(name: str, content_type: str = "") -> str:
    """The name as a person would read it, whole: the last path component,
    NFC, without control or bidi-override characters, runs of spaces made
    one, and without the leading and trailing dots and spaces Windows drops.
    A name left empty becomes ``attachment.<ext>`` from ``content_type``; a
    name without an extension keeps none (a sender's declared type is not
    trusted to choose one, so it is refused). Never shortened here."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _INVISIBLE)
    name = re.split(r"[/\\]", name)[-1]
    name = _SPACES.sub(" ", name).strip(" .")
    if not name:
        return f"attachment.{extension_for_type(content_type)}"
    return name


def name_extensions(name: str) -> list[str]:
    """Every extension in a name, lower case, in order: ``a.tar.gz`` gives
    ``["tar", "gz"]``. Only short words without spaces count, so
    ``Report v1.2 final.pdf`` gives ``["pdf"]``."""
    pieces = name.lower().split(".")[1:]
    return [
        piece
        for piece in pieces
        if piece and len(piece) <= MAX_EXTENSION_CHARS and " " not in piece
    ]


def attachment_name_type_problem(name: str) -> str | None:
    """Why a file of this (normalized, whole) name may not be attached,
    or None: its last extension must be in ``ATTACHMENT_ALLOWED_EXTENSIONS``
    and no extension in it may be an executable type."""
    allowed = {
        ext.lower().lstrip(".") for ext in settings.ATTACHMENT_ALLOWED_EXTENSIONS
    }
    extensions = name_extensions(name)
    final = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not final:
        return "files without an extension are not accepted"
    if final not in allowed:
        return f"files of type .{final[:MAX_EXTENSION_CHARS]} are not accepted"
    hidden = [ext for ext in extensions[:-1] if ext in EXECUTABLE_EXTENSIONS]
    if hidden:
        return f"its name hides a .{hidden[0]} file behind .{final}"
    return None


def _fits(text: str, chars: int, encoded_bytes: int) -> str:
    """The longest start of ``text`` within both limits that does not part a
    character from the combining marks that follow it (``e`` + U+0301)."""
    end = used = 0
    for character in text[:chars]:  # one pass: a name costs microseconds
        used += len(character.encode("utf-8"))
        if used > encoded_bytes:
            break
        end += 1
    while 0 < end < len(text) and unicodedata.combining(text[end]):
        end -= 1
    return text[:end]


def attachment_name_shorten(
    name: str, *, max_chars: int = MAX_NAME_CHARS, max_bytes: int = MAX_NAME_BYTES
) -> str:
    """The name within ``max_chars`` characters and ``max_bytes`` UTF-8
    bytes, keeping its final extension: the stem is cut, never the type."""
    if len(name) <= max_chars and len(name.encode("utf-8")) <= max_bytes:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > MAX_EXTENSION_CHARS:
        return _fits(name, max_chars, max_bytes).rstrip(" .") or "attachment"
    suffix = f".{extension}"
    stem = _fits(stem, max_chars - len(suffix), max_bytes - len(suffix.encode()))
    return (stem.rstrip(" .") or "attachment") + suffix


def attachment_name_clean(name: str, content_type: str = "") -> str:
    """The name to store and show for an uploaded or emailed file: normalized
    (see ``attachment_name_normalize``), then shortened keeping its extension.
    Check the type with ``attachment_name_type_problem`` on the normalized
    name *before* shortening it."""
    return attachment_name_shorten(attachment_name_normalize(name, content_type))
