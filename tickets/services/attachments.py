"""Storing the files sent with a message, under one set of limits.

Every way in (portal, workspace, API, email) stores files through
``attachments_store``, so every way in obeys the same limits:

- per file: an allowed extension and at most ``ATTACHMENT_MAX_SIZE`` bytes. A
  file that breaks these is refused and reported; the message is kept.
- per message: at most ``ATTACHMENT_MAX_COUNT`` files and
  ``ATTACHMENT_MAX_TOTAL_SIZE`` bytes in all;
- per customer: at most ``ATTACHMENT_USER_QUOTA`` bytes stored in all (0: no
  quota; agents are not counted).

A message over a per-message limit or the quota is refused whole
(``AttachmentLimitError``): the portal and the workspace show the reason and
keep the text, the API answers 400 or 413. Email cannot be sent back, so the
intake keeps the first files within the limits (``attachments_select``) and
says how many it set aside; the raw email keeps them all.

The portal's and the workspace's forms say the rules up front
(``attachment_limits``: the file input's ``accept`` and ``data-*`` limits,
checked in the browser by static/js/attachments.js) and refuse the whole form
when a file breaks one (``attachments_refusals``), so a ticket is never
created without the file its sender meant to send. The API keeps a message
and lists the files of a refused type (``rejected_attachments``).
"""

import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat

from accounts.models import User
from helpdesk.errors import ApplicationError
from tickets.models import Attachment, Message

from .filenames import (
    attachment_name_clean,
    attachment_name_normalize,
    attachment_name_type_problem,
)


class AttachmentLimitError(ApplicationError):
    """Too many files, too many bytes on one message, or over the quota."""

    code = "attachments_too_large"
    status_code = 413


@dataclass(frozen=True)
class RejectedAttachment:
    """A file the service refused, with the reason to show the sender."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} was not attached: {self.reason}."


@dataclass(frozen=True)
class AttachmentSelection:
    """What an email may keep: ``kept`` (in order, to store), how many files
    were ``set_aside`` and, when any were, the ``reason`` in one sentence;
    ``set_aside_files`` names each with its own reason."""

    kept: list[UploadedFile]
    set_aside: int = 0
    reason: str = ""
    set_aside_files: tuple[RejectedAttachment, ...] = ()


@dataclass(frozen=True)
class AttachmentLimits:
    """The rules a sender can be told before choosing files."""

    extensions: tuple[str, ...]
    max_size: int
    max_total_size: int
    max_count: int

    @property
    def accept(self) -> str:
        """For a file input's ``accept``: ``.txt,.pdf,...``."""
        return ",".join(f".{extension}" for extension in self.extensions)

    def describe(self) -> str:
        """One line for the form, next to the file input."""
        return (
            f"Up to {self.max_count} files, {filesizeformat(self.max_size)} each "
            f"and {filesizeformat(self.max_total_size)} in all. Allowed types: "
            f"{', '.join(f'.{extension}' for extension in self.extensions)}."
        )

    def input_attrs(self) -> dict[str, str]:
        """What static/js/attachments.js checks a choice of files against."""
        return {
            "accept": self.accept,
            "data-attachment-max-size": str(self.max_size),
            "data-attachment-max-total": str(self.max_total_size),
            "data-attachment-max-count": str(self.max_count),
        }


def attachment_limits() -> AttachmentLimits:
    """The limits in force now (read from the settings on every call)."""
    extensions = dict.fromkeys(
        extension.lower().lstrip(".")
        for extension in settings.ATTACHMENT_ALLOWED_EXTENSIONS
        if extension.strip(". ")
    )
    return AttachmentLimits(
        extensions=tuple(extensions),
        max_size=settings.ATTACHMENT_MAX_SIZE,
        max_total_size=settings.ATTACHMENT_MAX_TOTAL_SIZE,
        max_count=settings.ATTACHMENT_MAX_COUNT,
    )


def attachment_rejection_reason(upload: UploadedFile) -> str | None:
    """Why a file may not be attached, or None when it may. The type is
    judged on the whole name, every extension in it (``filenames``)."""
    problem = attachment_name_type_problem(
        attachment_name_normalize(upload.name or "", _declared_type(upload))
    )
    if problem:
        return problem
    if upload.size > settings.ATTACHMENT_MAX_SIZE:
        return (
            f"it is {filesizeformat(upload.size)}, over the "
            f"{filesizeformat(settings.ATTACHMENT_MAX_SIZE)} limit"
        )
    return None


def _declared_type(upload: UploadedFile) -> str:
    return getattr(upload, "content_type", "") or ""


def attachment_quota_used(*, user: User) -> int:
    """Bytes of attachments stored on messages this user wrote."""
    used = Attachment.objects.filter(message__author=user).aggregate(total=Sum("size"))[
        "total"
    ]
    return int(used or 0)


def _quota_left(user: User) -> int | None:
    """Bytes the user may still store, or None when no quota applies."""
    quota = settings.ATTACHMENT_USER_QUOTA
    if not quota or user.is_agent:
        return None
    return max(0, quota - attachment_quota_used(user=user))


def _storable(uploads: Sequence[UploadedFile]) -> list[UploadedFile]:
    return [upload for upload in uploads if attachment_rejection_reason(upload) is None]


def attachments_check(*, author: User, uploads: Sequence[UploadedFile]) -> None:
    """Refuse files that together break a per-message limit or the quota.

    Only files that pass the per-file checks count (the others are refused
    one by one). Raises ``AttachmentLimitError``: code ``too_many_files``
    (400), ``attachments_too_large`` or ``attachment_quota_exceeded`` (413).
    One query (the quota) when there are files for a customer; none otherwise.
    """
    files = _storable(uploads)
    if not files:
        return
    most = settings.ATTACHMENT_MAX_COUNT
    if len(files) > most:
        error = AttachmentLimitError(
            _too_many(len(files)),
            code="too_many_files",
            extra={"files": [f"At most {most} files per message."]},
        )
        error.status_code = 400
        raise error
    total = sum(upload.size for upload in files)
    limit = settings.ATTACHMENT_MAX_TOTAL_SIZE
    if total > limit:
        raise AttachmentLimitError(
            _too_large(total),
            extra={"files": [f"At most {filesizeformat(limit)} per message."]},
        )
    left = _quota_left(author)
    if left is not None and total > left:
        raise AttachmentLimitError(
            f"The files come to {filesizeformat(total)}, but only "
            f"{filesizeformat(left)} of your "
            f"{filesizeformat(settings.ATTACHMENT_USER_QUOTA)} of storage for "
            "attachments is left. Ask the support team to remove old files.",
            code="attachment_quota_exceeded",
            extra={"files": ["Your storage for attachments is full."]},
        )


def _too_many(count: int) -> str:
    return (
        f"You attached {count} files; a message takes at most "
        f"{settings.ATTACHMENT_MAX_COUNT}. Send the rest in another message."
    )


def _too_large(total: int) -> str:
    return (
        f"The files come to {filesizeformat(total)}; a message takes at most "
        f"{filesizeformat(settings.ATTACHMENT_MAX_TOTAL_SIZE)} in all. Send some "
        "in another message."
    )


def attachments_refusals(uploads: Sequence[UploadedFile]) -> list[str]:
    """Why a form must refuse this choice of files, one sentence per file
    that may not be attached and per per-message limit broken; empty when it
    may be sent. The portal's and the workspace's forms refuse the whole
    message on any of these (the sender is there to choose again); the quota
    depends on the author and stays with ``attachments_check``. No queries.
    """
    refusals = []
    for upload in uploads:
        reason = attachment_rejection_reason(upload)
        if reason:
            refusals.append(f"{_shown_name(upload)} cannot be attached: {reason}.")
    if len(uploads) > settings.ATTACHMENT_MAX_COUNT:
        refusals.append(_too_many(len(uploads)))
    total = sum(upload.size for upload in uploads)
    if total > settings.ATTACHMENT_MAX_TOTAL_SIZE:
        refusals.append(_too_large(total))
    return refusals


def attachments_select(
    *, author: User, uploads: Sequence[UploadedFile]
) -> AttachmentSelection:
    """For email, which cannot be refused: the files to keep, in order.

    Files the per-file checks refuse are passed on (``attachments_store``
    reports them). Of the others, each is kept while the message stays within
    the count, the total size and the author's quota; the rest are set aside.
    One pass over the files and at most one query, however many there are.
    """
    left = _quota_left(author)
    most = settings.ATTACHMENT_MAX_COUNT
    limit = settings.ATTACHMENT_MAX_TOTAL_SIZE
    kept: list[UploadedFile] = []
    count = total = 0
    reasons: dict[str, int] = {}
    set_aside_files: list[RejectedAttachment] = []
    for upload in uploads:
        if attachment_rejection_reason(upload) is not None:
            kept.append(upload)
            continue
        if count >= most:
            reason = f"a message keeps at most {most} files"
        elif total + upload.size > limit:
            reason = f"a message keeps at most {filesizeformat(limit)} of files"
        elif left is not None and total + upload.size > left:
            reason = "the sender's storage for attachments is full"
        else:
            kept.append(upload)
            count += 1
            total += upload.size
            continue
        reasons[reason] = reasons.get(reason, 0) + 1
        set_aside_files.append(
            RejectedAttachment(name=_shown_name(upload), reason=reason)
        )
    return AttachmentSelection(
        kept=kept,
        set_aside=len(set_aside_files),
        reason="; ".join(reasons),
        set_aside_files=tuple(set_aside_files),
    )


def _shown_name(upload: UploadedFile) -> str:
    return attachment_name_clean(upload.name or "", _declared_type(upload))


def _store_one(*, message: Message, upload, name: str, content_type: str) -> None:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        message=message,
        original_name=name,
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()


def attachments_store(
    *, message: Message, uploads: Sequence[UploadedFile]
) -> list[RejectedAttachment]:
    """Store the acceptable files on the message; report the others.

    The limits are enforced here, not only in forms, so email and the API
    obey them too: files over a per-message limit or the author's quota
    raise ``AttachmentLimitError`` before any file is written (the caller's
    transaction then drops the message too). Files are stored under a random
    name; the sender's name is kept only as data.
    """
    attachments_check(author=message.author, uploads=uploads)
    rejected = []
    for upload in uploads:
        reason = attachment_rejection_reason(upload)
        if reason:
            rejected.append(RejectedAttachment(name=_shown_name(upload), reason=reason))
            continue
        original_name = _shown_name(upload)
        content_type = (
            mimetypes.guess_type(original_name)[0] or "application/octet-stream"
        )
        _store_one(
            message=message,
            upload=upload,
            name=original_name,
            content_type=content_type,
        )
    return rejected


def attachment_store_full_text(
    *, message: Message, text: str, name: str = "full-message.txt"
) -> None:
    """Keep a text the message itself produced (an emailed body too long to be
    a message body) as a UTF-8 .txt file on it, whole.

    Outside the sender's file limits: it is their message, not a file they
    chose to send, and its size is bounded by ``INBOUND_MAX_BYTES``.
    """
    _store_one(
        message=message,
        upload=ContentFile(text.encode("utf-8"), name=name),
        name=name,
        content_type="text/plain",
    )
