"""Reading the activity Teams' outgoing webhook posts (a Bot Framework
message activity, JSON): who wrote what, in which tenant.

Teams sends the message as HTML (``<p>``, ``<br>``, ``<div>``, ``&nbsp;``,
entities) with the bot's mention as ``<at>Name</at>`` (Microsoft Learn,
"Create Outgoing Webhooks"; Bot Framework "Activity schema"). The text is
turned into plain text with ``integrations.html_text`` (one linear scan,
whatever the markup), after the body size was capped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from helpdesk.errors import ApplicationError

from ..html_text import html_to_text

MAX_BODY_BYTES = 256 * 1024
MAX_TEXT_CHARS = 20_000
# A mention: <at>…</at>, attributes allowed, content without tags. Bounded
# and free of nested quantifiers, so it cannot backtrack.
_MENTION = re.compile(r"<at\b[^>]{0,200}>([^<]{0,500})</at\s{0,20}>", re.IGNORECASE)


class ActivityInvalid(ApplicationError):
    """The body is not a message activity this endpoint can read."""

    code = "teams_activity_invalid"
    status_code = 400


class ActivityTooLarge(ApplicationError):
    """The body is over MAX_BODY_BYTES: refused before it is read as JSON."""

    code = "teams_activity_too_large"
    status_code = 413


@dataclass(frozen=True)
class Activity:
    """What the helpdesk uses of one message activity."""

    id: str
    text: str
    display_name: str
    aad_object_id: str
    tenant_id: str
    raw: dict


# NUL and the other control characters but tab and line breaks: JSON may
# carry them ("\u0000"), PostgreSQL text cannot hold NUL (the command's
# record would fail with a 500), and none of them means anything here.
_CONTROLS = dict.fromkeys([*range(0x20), 0x7F])
for _kept in "\t\n\r":
    del _CONTROLS[ord(_kept)]


def _text(value: object, limit: int) -> str:
    """``value`` when it is a string, cut to ``limit`` characters and
    without control characters (tab and line breaks kept); "" otherwise."""
    return value[:limit].translate(_CONTROLS) if isinstance(value, str) else ""


def body_check_size(body: bytes) -> None:
    """Raise ActivityTooLarge for a body over MAX_BODY_BYTES (256 KiB; a
    Teams message is at most about 28 KB)."""
    if len(body) > MAX_BODY_BYTES:
        raise ActivityTooLarge("This message is too large.")


def activity_load(body: bytes) -> dict:
    """The activity JSON as a dict; ActivityTooLarge over MAX_BODY_BYTES,
    ActivityInvalid when it is not UTF-8 JSON holding an object."""
    body_check_size(body)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ActivityInvalid("The body is not a JSON object.") from None
    if not isinstance(data, dict):
        raise ActivityInvalid("The body is not a JSON object.")
    return data


def command_text(markup: str) -> str:
    """The message as plain text: the first mention (``<at>…</at>``, the
    helpdesk's own, which made Teams call us) removed, any other mention
    kept as the name it shows, HTML turned to text, non-breaking spaces to
    spaces, blank edges trimmed."""
    markup = _MENTION.sub(" ", markup[:MAX_TEXT_CHARS], count=1)
    markup = _MENTION.sub(lambda mention: mention.group(1), markup)
    return html_to_text(markup).translate(_CONTROLS).strip()


def activity_read(data: dict) -> Activity:
    """The parts of a message activity the commands use. ActivityInvalid
    when it is not a message or carries no id."""
    if data.get("type") != "message":
        raise ActivityInvalid("Only message activities are handled.")
    activity_id = _text(data.get("id"), 255)
    if not activity_id.strip():
        raise ActivityInvalid("The activity has no id.")
    sender = data.get("from") if isinstance(data.get("from"), dict) else {}
    channel_data = (
        data.get("channelData") if isinstance(data.get("channelData"), dict) else {}
    )
    tenant = (
        channel_data.get("tenant")
        if isinstance(channel_data.get("tenant"), dict)
        else {}
    )
    return Activity(
        id=activity_id.strip()[:255],
        text=command_text(_text(data.get("text"), MAX_TEXT_CHARS)),
        display_name=_text(sender.get("name"), 255).strip(),
        aad_object_id=_text(sender.get("aadObjectId"), 64).strip(),
        tenant_id=_text(tenant.get("id"), 64).strip(),
        raw=data,
    )
