"""The bot's answers, as the message activities Teams shows.

Answers are Teams text messages, which Teams renders as limited Markdown
(Microsoft Learn, "Text formatting in cards" / "Format your bot messages").
Anything a person typed (subjects, names, message bodies, email addresses)
goes through ``neutral`` first, so it cannot add a link, an image, a
mention, emphasis or a heading to the answer: every Markdown and HTML
punctuation mark is escaped with a backslash (CommonMark lets any ASCII
punctuation be escaped) and line breaks become spaces.
"""

from __future__ import annotations

import re

from .cards import text_message

# Punctuation that starts Markdown or HTML syntax, or a bare link's scheme
# ("https://"), or a mention. "." "," "'" "-" "?" stay: inline they do
# nothing, and escaping them makes names hard to read.
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+!|~<>:@&=\"$%^/;])")
_SPACE = re.compile(r"\s+")

HELP_TEXT = "\n\n".join(
    [
        "**What I can do**",
        "- `new <subject>` opens a request (the next lines are the description)\n"
        "- `#1042` shows a ticket's status, who handles it and the last reply\n"
        "- `mine` lists your open tickets\n"
        "- `help` shows this",
        "**Agents also**",
        "- `take #1042` takes the ticket\n"
        "- `assign #1042 person@example.com` gives it to an agent\n"
        "- `reply #1042 <text>` answers the customer (public)\n"
        "- `note #1042 <text>` adds an internal note\n"
        "- `solve #1042` marks it solved",
    ]
)


def neutral(text: str, limit: int = 200) -> str:
    """``text`` (from a person) safe to put in an answer: one line, at most
    ``limit`` characters (an ellipsis when cut), every character that could
    start Markdown or HTML escaped."""
    text = _SPACE.sub(" ", text[: limit * 4 + 100]).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _MARKUP.sub(r"\\\1", text)


def answer(*lines: str) -> dict:
    """A text message of ``lines``, one paragraph each."""
    return text_message("\n\n".join(line for line in lines if line))


def help_answer(prefix: str = "") -> dict:
    """The command list as a text message, after ``prefix`` (a line saying
    why it is shown, already safe) when given."""
    return answer(prefix, HELP_TEXT)
