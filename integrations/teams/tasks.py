"""Celery tasks of the Teams cards (imported by ``integrations.tasks``, where
Celery looks; each task's name says ``integrations.tasks.<name>``)."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from helpdesk.errors import ConflictError

from ..models import TeamsPost
from .posting import SendLater, teams_dispatch, teams_due_post_ids, teams_post_send

__all__ = ["dispatch_teams_cards", "post_due_teams_cards", "post_teams_card"]

# A task run this much or less before its post's next try ran early (clocks
# differ) and waits; further ahead, another task owns that try.
EARLY_SECONDS = 5.0


@shared_task(
    name="integrations.tasks.dispatch_teams_cards",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def dispatch_teams_cards(event_ids: list[str]) -> int:
    """Queue the cards some committed ticket events call for, and post each
    in its own task. Safe to run twice: an event, rule and connector get one
    post. Returns how many posts this run queued."""
    queued = 0
    for event_id in event_ids:
        try:
            posts = teams_dispatch(event_id=str(event_id))
        except ConflictError:
            continue  # a concurrent run queued (and will post) them
        for post in posts:
            post_teams_card.delay(str(post.pk))
            queued += 1
    return queued


@shared_task(
    bind=True,
    name="integrations.tasks.post_teams_card",
    max_retries=None,
    acks_late=True,
    reject_on_worker_lost=True,
)
def post_teams_card(self, post_id: str) -> str | None:
    """Post one queued card; the next try is scheduled here when the channel
    asked to wait (429, 5xx, no answer). Late acknowledgement: a worker
    killed mid-post leaves the task to be delivered again, and the post's
    lease makes the second run post only if the first did not finish.

    Eagerly (no broker, in a web request) nothing is scheduled: a post left
    retrying is picked up by ``post_due_teams_cards``, so a request never
    waits for a channel's backoff."""
    try:
        post = teams_post_send(post_id=post_id)
    except SendLater as later:
        if self.request.is_eager:
            return None
        if later.waiting and later.seconds > EARLY_SECONDS:
            # A duplicate (the sweeper's): the task queued with the post's
            # next try sends it; retrying this one would keep it alive.
            return None
        raise self.retry(countdown=max(1.0, later.seconds), exc=later) from later
    if post is None:
        return None
    if post.status == TeamsPost.Status.RETRYING and not self.request.is_eager:
        wait = (post.next_attempt_at - timezone.now()).total_seconds()
        post_teams_card.apply_async(args=[post_id], countdown=max(0.0, wait))
    return post.status


@shared_task(name="integrations.tasks.post_due_teams_cards")
def post_due_teams_cards() -> int:
    """Every minute (beat): hand each card whose next try is due, or whose
    sender died mid-post, to a sender again (its task may have been lost,
    say with a restarted broker). A duplicate task is harmless: the lease
    lets one of them post."""
    due = teams_due_post_ids()
    for post_id in due:
        post_teams_card.delay(post_id)
    return len(due)
