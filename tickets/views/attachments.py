from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from tickets import selectors
from tickets.models import Attachment

# Shown in the browser; everything else, including HTML and SVG, is a download.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def attachment_file_response(attachment: Attachment) -> FileResponse:
    """The file, with headers that keep a browser from running it. The caller
    has already checked that the attachment is the user's to see."""
    inline = attachment.content_type in INLINE_TYPES
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def attachment_download(
    request: HttpRequest, number: int, attachment_id: str
) -> FileResponse:
    """Stream an attachment after checking the ticket is the user's to see.

    The attachment is looked up through its ticket, so an id from another
    ticket is a 404; customers never reach files on internal notes.
    """
    return attachment_file_response(
        selectors.attachment_get_for(request.user, number, attachment_id)
    )
