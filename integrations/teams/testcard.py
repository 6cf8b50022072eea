"""The admin's *Send a test card*: a small "it works" card, queued as a
TeamsPost without a ticket and posted by the same task as every card.

It is queued, not posted in the admin's request: a slow or silent channel
would otherwise hold the request for up to the HTTP timeout ("a post never
blocks or fails a web request"). The answer shows in the Teams posts log.
"""

from __future__ import annotations

import json

from django.urls import reverse

from accounts.models import User
from helpdesk.commit_hooks import on_commit_robust
from helpdesk.db import atomic
from helpdesk.errors import PermissionDeniedError
from notifications.rendering import absolute

from ..models import TeamsConnector, TeamsPost
from .cards import adaptive_card, adaptive_message, markdown_literal


def testcard_message(connector: TeamsConnector) -> dict:
    """The test card's message body (an Adaptive Card attachment): a title,
    the connector's name and a button to the helpdesk."""
    card = adaptive_card(
        [
            {
                "type": "TextBlock",
                "text": "Test card from the helpdesk",
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            },
            {
                "type": "TextBlock",
                "text": (
                    "Cards for this channel's connector "
                    f"({markdown_literal(connector.name)}) arrive here."
                ),
                "wrap": True,
            },
        ],
        [
            {
                "type": "Action.OpenUrl",
                "title": "Open the helpdesk",
                "url": absolute(reverse("tickets:agent_home")),
            }
        ],
    )
    return adaptive_message(card)


def is_test_post(post: TeamsPost) -> bool:
    """A test card: a post tied to no ticket, event or rule. It is posted
    even to a switched-off connector (so an admin can check a fixed URL
    before turning it on), and its failure does not count against it."""
    return post.ticket_id is None and post.event_id is None and post.rule_id is None


@atomic
def teams_test_post_queue(*, actor: User, connector: TeamsConnector) -> TeamsPost:
    """Queue a test card to ``connector``; a Celery task posts it after
    commit (``integrations.tasks.post_teams_card``), with the usual retries.
    Admins only (PermissionDeniedError otherwise). Returns the queued post,
    whose status and answer show in the Teams posts log."""
    if not (actor.is_active and actor.role == User.Role.ADMIN):
        raise PermissionDeniedError("Only admins can send a test card.")
    post = TeamsPost.objects.create(
        connector=connector, card=json.dumps(testcard_message(connector))
    )

    def send() -> None:
        from .tasks import post_teams_card

        post_teams_card.delay(str(post.pk))

    on_commit_robust("teams_test_card_send", send)
    return post
