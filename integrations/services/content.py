"""What an email gives its message: the body, the files, and the note for
agents, within the limits every other way in obeys.

Files go through the shared attachment service: an email keeps its first files
within the per-message limits and the sender's quota, and the message's agent
note says how many were set aside (the raw email keeps them all). A body longer
than a message may be is kept whole as a .txt file, with its start as the
message; it is never cut.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from tickets.models import Message
from tickets.services.attachments import (
    AttachmentSelection,
    RejectedAttachment,
    attachment_store_full_text,
    attachments_select,
)
from tickets.services.filenames import attachment_name_normalize

from ..authentication import SenderCheck
from ..models import InboundEmail
from ..parsing import ParsedEmail
from ..quotes import strip_quoted

Verdict = Message.SenderVerification

# Room left in a message body for the lines the intake itself adds.
BODY_RESERVE_CHARS = 1_000
FULL_TEXT_NAME = "full-message.txt"
FULL_HTML_NAME = "full-message.html"
# Set-aside files named one by one in the agents' note; the rest are counted.
MAX_FILES_LISTED = 50


def _body_max_chars() -> int:
    """The longest body a message may have (the message service refuses
    longer ones once MESSAGE_BODY_MAX_CHARS exists)."""
    return getattr(settings, "MESSAGE_BODY_MAX_CHARS", 100_000)


@dataclass
class EmailContent:
    """What a message is made of: its body, the files to store, the whole
    text when the body is only its start, and what was set aside."""

    body: str
    uploads: list
    offered_files: int
    set_aside: int = 0
    set_aside_reason: str = ""
    full_text: str = ""
    full_html: str = ""
    # Each file set aside, by name and reason, and notes about files read.
    set_aside_files: tuple[RejectedAttachment, ...] = ()
    file_notes: tuple[str, ...] = ()

    def outcome_note(self) -> str:
        notes = []
        if self.set_aside:
            notes.append(f"set aside {self.set_aside} file(s)")
        if self.full_text:
            notes.append(f"body of {len(self.full_text):,} characters attached whole")
        return "".join(f"; {note}" for note in notes)


def email_content(
    parsed: ParsedEmail, sender: User, *, reply: bool = False
) -> EmailContent:
    """The body and the files an email gives its message, within the limits:
    files through the shared attachment service's selection, a body too long
    for a message cut to its start with the whole kept for a file.

    ``reply``: the mail answers an existing ticket (a follow-up of a closed
    one too), whose history is already on that ticket: only its new part is
    kept (``integrations.quotes``). A first message keeps everything."""
    files = [
        SimpleUploadedFile(
            attachment_name_normalize(item.name, item.content_type),
            item.data,
            item.content_type,
        )
        for item in parsed.attachments
    ]
    # No files, no quota to look up: most mail is text alone.
    selection = (
        attachments_select(author=sender, uploads=files)
        if files
        else AttachmentSelection(kept=[])
    )
    body = strip_quoted(parsed.body) if reply else parsed.body.strip()
    full_text = ""
    room = _body_max_chars() - BODY_RESERVE_CHARS
    if len(body) > room:
        full_text, body = body, _preview(body, room)
    if not body:
        body = (
            "(The message had only attachments.)"
            if files
            else "(The message was empty.)"
        )
    return EmailContent(
        body=body,
        uploads=selection.kept,
        offered_files=len(files),
        set_aside=selection.set_aside,
        set_aside_reason=selection.reason,
        full_text=full_text,
        full_html=parsed.full_html,
        set_aside_files=tuple(
            RejectedAttachment(name=name, reason=reason)
            for name, reason in parsed.files_set_aside
        )
        + selection.set_aside_files,
        file_notes=tuple(parsed.file_notes),
    )


def _preview(body: str, room: int) -> str:
    """The start of a body too long for a message, cut at a line break near
    the end when there is one, and a line saying where the rest is."""
    note = (
        f"\n\n[This message is {len(body):,} characters long, more than a message "
        f"shows. Above is its start; the full text is attached as {FULL_TEXT_NAME}.]"
    )
    start = body[: room - len(note)]
    line_break = start.rfind("\n", max(0, len(start) - 2_000))
    if line_break > 0:
        start = start[:line_break]
    return start.rstrip() + note


def files_not_attached_note(
    files: Sequence[RejectedAttachment], inbound: InboundEmail
) -> str:
    """Agents' list of the files an email sent that its message does not
    carry, each with its reason, at most ``MAX_FILES_LISTED`` by name."""
    if not files:
        return ""
    lines = [
        f"Files not attached ({len(files)}); the original email, with every "
        f"file, is kept as inbound email #{inbound.pk} and can be downloaded "
        "from this message:"
    ]
    lines += [f"- {item.name}: {item.reason}" for item in files[:MAX_FILES_LISTED]]
    if len(files) > MAX_FILES_LISTED:
        lines.append(f"- and {len(files) - MAX_FILES_LISTED} more")
    return "\n".join(lines)


def message_complete(
    message: Message,
    inbound: InboundEmail,
    content: EmailContent,
    check: SenderCheck,
    *,
    refused: Sequence[RejectedAttachment] = (),
) -> None:
    """Keep the whole body as files when it was too long, and record on the
    message who vouched for its sender and what agents should know: every
    file set aside or ``refused`` by the attachment service, by name and
    reason (shown to agents only, on the message, as ``intake_note``)."""
    if content.full_text:
        attachment_store_full_text(
            message=message, text=content.full_text, name=FULL_TEXT_NAME
        )
    if content.full_html:
        attachment_store_full_text(
            message=message, text=content.full_html, name=FULL_HTML_NAME
        )
    notes = []
    if check.verdict == Verdict.FAILED:
        notes.append(f"Sender not verified: {check.detail}")
    if inbound.reviewed_by_id is not None:
        notes.append(
            "Held in the suspended-mail queue because its sender was not "
            f"verified; accepted by {inbound.reviewed_by.display_name} on "
            f"{timezone.localtime(inbound.reviewed_at):%Y-%m-%d %H:%M}."
        )
    if content.set_aside:
        notes.append(
            f"{content.set_aside} of the {content.offered_files} files in this "
            f"email were set aside: {content.set_aside_reason}. The original "
            f"email, with every file, is kept as inbound email #{inbound.pk}."
        )
    notes.extend(content.file_notes)
    listed = files_not_attached_note([*content.set_aside_files, *refused], inbound)
    if listed:
        notes.append(listed)
    if content.full_html:
        notes.append(
            "The HTML body was too long to convert whole; the original is "
            f"attached as {FULL_HTML_NAME}."
        )
    message.sender_verification = check.verdict
    message.intake_note = "\n\n".join(notes)
    Message.objects.filter(pk=message.pk).update(
        sender_verification=message.sender_verification,
        intake_note=message.intake_note,
    )
