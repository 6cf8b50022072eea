"""What an email's file parts become: names for unnamed parts, winmail.dat
opened into its files, a calendar invite told as text when the mail has no
other body.

Decisions (issue 11):

- An unnamed part is named from its media type (``invite.ics``,
  ``part-2.docx``; ``tickets.services.filenames.extension_for_type``).
- A whole message that is a file (``text/calendar`` alone, a PDF sent as the
  message itself) is that file, never its text as the body.
- ``winmail.dat`` is replaced by the files it carries; its body becomes the
  message when the mail has none. One that cannot be read is kept as it is
  when ``.dat`` is allowed, otherwise listed for agents as set aside.
- A forwarded message (``message/rfc822``) stays one ``.eml`` file, not
  opened: its own attachments travel inside it, and an agent can open it.
"""

import mimetypes
from email.message import EmailMessage

from django.conf import settings

from tickets.services.filenames import extension_for_type

from .calendar import CALENDAR_TYPES, invite_text
from .tnef import is_tnef, tnef_unpack

FILE_MAINTYPES = frozenset({"application", "image", "audio", "video", "font", "model"})
MAX_INVITES_READ = 5


def is_file_part(part: EmailMessage) -> bool:
    """Is this single part a file rather than text to read as the body?"""
    content_type = part.get_content_type()
    return content_type in CALENDAR_TYPES or part.get_content_maintype() in (
        FILE_MAINTYPES
    )


def unnamed_part_name(part: EmailMessage, index: int) -> str:
    """A name for a part that came without one, from its media type."""
    content_type = part.get_content_type()
    if content_type in CALENDAR_TYPES:
        return "invite.ics"
    kind = "inline" if part.get("Content-ID") else "part"
    return f"{kind}-{index}.{extension_for_type(content_type)}"


def _dat_allowed() -> bool:
    return "dat" in {
        ext.lower().lstrip(".") for ext in settings.ATTACHMENT_ALLOWED_EXTENSIONS
    }


def _is_invite(item) -> bool:
    return item.content_type in CALENDAR_TYPES or item.name.lower().endswith(".ics")


def attachments_unpack(parsed) -> None:
    """Open winmail.dat files and read calendar invites, in place on a
    ``ParsedEmail``: its ``attachments``, ``body`` (only when empty),
    ``files_set_aside`` and ``file_notes``."""
    from .parsing import ParsedAttachment

    files = []
    for item in parsed.attachments:
        if not is_tnef(item.name, item.content_type):
            files.append(item)
            continue
        contents = tnef_unpack(item.data)
        if contents is None:
            if _dat_allowed():
                files.append(item)
                parsed.file_notes.append(
                    f"{item.name} (an Outlook winmail.dat) could not be unpacked; "
                    "it is attached as it came."
                )
            else:
                parsed.files_set_aside.append(
                    (item.name, "an Outlook winmail.dat that could not be unpacked")
                )
            continue
        parsed.files_set_aside.extend(contents.left_out)
        for name, data in contents.files:
            files.append(
                ParsedAttachment(
                    name=name,
                    content_type=mimetypes.guess_type(name)[0]
                    or "application/octet-stream",
                    data=data,
                )
            )
        if contents.body and not parsed.body.strip():
            parsed.body = contents.body
    parsed.attachments = files

    for item in [item for item in files if _is_invite(item)][:MAX_INVITES_READ]:
        told = invite_text(item.data, charset=item.charset)
        if told is None:
            parsed.file_notes.append(
                f"{item.name} could not be read as a calendar invite; it is "
                "kept as a file."
            )
        elif not parsed.body.strip():
            parsed.body = told
