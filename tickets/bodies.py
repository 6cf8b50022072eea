"""Message bodies: checked for length and rendered once, when written.

Pages and emails show ``Message.html``, the HTML stored with the renderer's
version (``helpdesk.rendering``). A row written by an older renderer (or
before bodies were stored rendered) is rendered again the first time it is
read through ``bodies_refresh``, and saved; ``manage.py render_messages``
does the same for every stale row at once, after a deploy that raises
``RENDERER_VERSION``.

Each body is also stored folded for search (``Message.search_text``, see
``tickets.search``), by the same calls that store its HTML.
"""

from collections.abc import Iterable

from django.conf import settings

from helpdesk.errors import ApplicationError
from helpdesk.rendering import RENDERER_VERSION, render_markdown

from .models import Message
from .search.text import message_search_text


class MessageTooLong(ApplicationError):
    code = "body_too_long"


def body_check_length(body: str) -> None:
    """Raise MessageTooLong when ``body`` is over ``MESSAGE_BODY_MAX_CHARS``
    (characters, not bytes)."""
    limit = settings.MESSAGE_BODY_MAX_CHARS
    if len(body) > limit:
        text = (
            f"The message is {len(body):,} characters long; the limit is "
            f"{limit:,}. Attach long logs as a file."
        )
        raise MessageTooLong(text, extra={"body": [text]})


def body_rendered(body: str) -> dict:
    """The fields derived from ``body`` and stored with it: ``body_html``,
    ``body_html_version`` and ``search_text``. Every write of a body takes
    them all, so no path leaves a message unsearchable."""
    return {
        "body_html": render_markdown(body),
        "body_html_version": RENDERER_VERSION,
        "search_text": message_search_text(body),
    }


def bodies_refresh(messages: Iterable[Message]) -> int:
    """Render again, and save, the messages whose stored HTML is stale.

    Returns how many were rendered. One UPDATE per stale row, at most once
    per row and renderer version.
    """
    stale = [message for message in messages if not message.html_is_current]
    for message in stale:
        for field, value in body_rendered(message.body).items():
            setattr(message, field, value)
    if stale:
        Message.objects.bulk_update(
            stale, ["body_html", "body_html_version", "search_text"], batch_size=100
        )
    return len(stale)


def message_body_replace(*, message: Message, body: str) -> Message:
    """Replace a written message's text (an admin redacting it) and store its
    HTML and search text anew, so pages, emails and search see the new text,
    never the old.

    Raises MessageTooLong over ``MESSAGE_BODY_MAX_CHARS``.
    """
    body_check_length(body)
    message.body = body
    for field, value in body_rendered(body).items():
        setattr(message, field, value)
    message.save(
        update_fields=["body", "body_html", "body_html_version", "search_text"]
    )
    return message
