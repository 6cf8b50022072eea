"""Storing the files sent with a message, under the portal's limits."""

import hashlib
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from tickets.models import Attachment, Message


@dataclass(frozen=True)
class RejectedAttachment:
    """A file the service refused, with the reason to show the sender."""

    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} was not attached: {self.reason}."


def attachment_rejection_reason(upload: UploadedFile) -> str | None:
    """Why a file may not be attached, or None when it may."""
    extension = PurePath(upload.name or "").suffix.lower().lstrip(".")
    allowed = {
        ext.lower().lstrip(".") for ext in settings.ATTACHMENT_ALLOWED_EXTENSIONS
    }
    if not extension:
        return "files without an extension are not accepted"
    if extension not in allowed:
        return f"files of type .{extension} are not accepted"
    if upload.size > settings.ATTACHMENT_MAX_SIZE:
        return (
            f"it is {filesizeformat(upload.size)}, over the "
            f"{filesizeformat(settings.ATTACHMENT_MAX_SIZE)} limit"
        )
    return None


def attachments_store(
    *, message: Message, uploads: Sequence[UploadedFile]
) -> list[RejectedAttachment]:
    """Store the acceptable files on the message; report the others.

    The limits are enforced here, not only in forms, so email and the API
    obey them too. Files are stored under a random name; the sender's name is
    kept only as data.
    """
    rejected = []
    for upload in uploads:
        reason = attachment_rejection_reason(upload)
        if reason:
            rejected.append(RejectedAttachment(name=upload.name, reason=reason))
            continue
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        original_name = PurePath(upload.name).name[:255]
        content_type = (
            mimetypes.guess_type(original_name)[0] or "application/octet-stream"
        )
        attachment = Attachment(
            message=message,
            original_name=original_name,
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
        )
        attachment.file.save(original_name, upload, save=False)
        attachment.save()
    return rejected
