"""A ticket's conversation: messages, replies with files, downloads."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile as NinjaFile

from helpdesk.api import ApiError
from helpdesk.api_tools import answers, has_nul

from .. import permissions, selectors, services
from ..views.attachments import attachment_file_response
from .schemas import MessageOut, message_out
from .tickets import visible_ticket

router = Router(tags=["tickets"])
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@router.get(
    "/tickets/{int:number}/messages",
    response=answers({200: list[MessageOut]}),
    summary="List a ticket's messages",
)
def message_list(request, number: int):
    """The conversation; customers never see internal notes."""
    ticket = visible_ticket(request, number)
    return [
        message_out(message, ticket, request.user)
        for message in selectors.conversation_for(request.user, ticket)
    ]


@router.post(
    "/tickets/{int:number}/messages",
    response=answers({201: MessageOut}),
    summary="Add a reply or an internal note",
)
def message_create(
    request,
    number: int,
    body: Form[str] = "",
    internal: Form[bool] = False,
    files: File[list[NinjaFile]] = None,
):
    """Multipart: ``body``, ``internal`` (agents), and ``files``. A file over
    the size limit refuses the whole request (413); a file of a refused type
    is listed in ``rejected_attachments`` and the message is kept. A
    customer's reply to a closed ticket opens a follow-up, as in the portal."""
    ticket = visible_ticket(request, number)
    if not request.content_type.startswith(FORM_TYPES):
        raise ApiError(
            400,
            "Send a message as multipart/form-data (or a urlencoded form) with "
            "the fields body, internal and files.",
            "multipart_required",
        )
    if has_nul(body):
        raise ApiError(
            400,
            "The message contains a NUL character.",
            "invalid",
            {"body": ["NUL characters are not allowed."]},
        )
    uploads: list[UploadedFile] = list(files or [])
    for upload in uploads:
        if upload.size > settings.ATTACHMENT_MAX_SIZE:
            raise ApiError(
                413,
                f"{upload.name} is {filesizeformat(upload.size)}, over the "
                f"{filesizeformat(settings.ATTACHMENT_MAX_SIZE)} limit.",
                "too_large",
                {"files": [f"{upload.name} is over the size limit."]},
            )
    if internal or permissions.can_work_ticket(request.user, ticket):
        message = services.message_add(
            ticket=ticket,
            author=request.user,
            body=body,
            internal=internal,
            attachments=uploads,
        )
    else:
        message = services.message_reply_or_follow_up(
            ticket=ticket, author=request.user, body=body, attachments=uploads
        )
    return Status(201, message_out(message, message.ticket, request.user))


@router.get(
    "/tickets/{int:number}/attachments/{attachment_id}",
    response=answers({}),
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file.",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def attachment_get(request, number: int, attachment_id: str):
    """The file, looked up through its ticket; customers never reach the
    files of internal notes."""
    ticket = visible_ticket(request, number)
    return attachment_file_response(
        selectors.attachment_get_for(request.user, ticket.number, attachment_id)
    )
