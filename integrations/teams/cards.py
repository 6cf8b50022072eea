"""Adaptive Cards for Teams: the message envelope every card travels in, and
the ticket cards the automation rules post.

Teams Workflows ("post to a channel when a webhook request is received")
and outgoing-webhook replies both take a Bot Framework message activity
whose ``attachments`` hold the card (Microsoft Learn, "Create an Incoming
Webhook" and "Create Outgoing Webhooks"). Cards use schema version 1.4, the
newest every Teams client renders.
"""

from __future__ import annotations

ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_VERSION = "1.4"
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def adaptive_card(body: list[dict], actions: list[dict] | None = None) -> dict:
    """An AdaptiveCard of ``body`` elements and optional ``actions``."""
    card: dict = {
        "type": "AdaptiveCard",
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def adaptive_message(card: dict) -> dict:
    """The message activity that carries ``card`` (an AdaptiveCard dict)."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": ADAPTIVE_CARD_CONTENT_TYPE,
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def text_message(text: str) -> dict:
    """A plain message activity; Teams renders ``text`` as limited Markdown."""
    return {"type": "message", "text": text}
