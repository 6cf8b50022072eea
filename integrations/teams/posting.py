"""Posting ticket cards to Teams channels: which connector a rule posts to,
one queued post per event, rule and connector, and sending it with a lease,
retries that honour Retry-After, and a connector switched off when it keeps
failing.

Everything here runs in Celery tasks after the ticket's transaction
committed (``integrations.teams.receivers``): a channel that is down never
slows or fails a web request.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from helpdesk.db import atomic
from helpdesk.errors import ConflictError
from notifications.models import AutomationRule
from notifications.rendering import absolute
from notifications.services import event_notice_load, rules_for
from tickets.models import Ticket

from ..models import TeamsConnector, TeamsPost
from ..outbound import HttpOutcome, post_json
from ..services.alerts import admins_tell_integration_disabled
from .cards import adaptive_message, card_for_notice
from .testcard import is_test_post

log = logging.getLogger("integrations.teams")

Status = TeamsPost.Status
WAITING = [Status.QUEUED, Status.RETRYING]
# How far ahead of its time a post may be taken (the broker's clock and ours
# may differ a little).
EARLY_SLACK = timedelta(seconds=1)


class SendLater(Exception):
    """The post is not to be sent now: another worker holds its lease, or its
    next attempt is later (``waiting``). Try again after ``seconds``."""

    def __init__(self, seconds: float, *, waiting: bool = False):
        super().__init__(f"not before {seconds:.1f} more seconds")
        self.seconds = seconds
        self.waiting = waiting


# --- Where cards go ---------------------------------------------------------


def connector_for(ticket: Ticket) -> TeamsConnector | None:
    """The active connector of the ticket's team, else of its department
    (one not tied to a team), else the active default one; None when there
    is none. The oldest wins where several match."""
    active = TeamsConnector.objects.filter(active=True).order_by("created_at", "pk")
    if ticket.team_id:
        connector = active.filter(team_id=ticket.team_id).first()
        if connector is not None:
            return connector
    if ticket.department_id:
        connector = active.filter(
            department_id=ticket.department_id, team__isnull=True
        ).first()
        if connector is not None:
            return connector
    return active.filter(is_default=True).first()


def teams_wanted() -> bool:
    """Whether any card could be posted at all: an active Teams rule and an
    active connector exist (two cheap queries, asked before any task is
    queued for a ticket event)."""
    return (
        AutomationRule.objects.filter(
            active=True, action=AutomationRule.Action.TEAMS
        ).exists()
        and TeamsConnector.objects.filter(active=True).exists()
    )


# --- Queueing ---------------------------------------------------------------


def teams_dispatch(*, event_id: str) -> list[TeamsPost]:
    """Turn one ticket event into queued card posts, once however often it
    runs: for each active Teams rule it fires, the rule's connector (else
    ``connector_for`` the ticket), skipping inactive connectors and posts
    that exist already. The card is built once per event. Returns the posts
    created by this run; ConflictError when a concurrent run created one at
    the same moment (that run queued them all)."""
    try:
        return _dispatch(event_id)
    except IntegrityError as error:
        # Nothing may be written after a refused write (on MongoDB it aborts
        # the whole transaction), so this run failed whole.
        raise ConflictError(
            "These Teams cards were queued by another run a moment ago.",
            code="teams_post_queued_twice",
        ) from error


@atomic
def _dispatch(event_id: str) -> list[TeamsPost]:
    loaded = event_notice_load(event_id)
    if loaded is None:
        return []
    ticket_event, notice = loaded
    rules = rules_for(notice, action=AutomationRule.Action.TEAMS)
    if not rules:
        return []
    posts: list[TeamsPost] = []
    card_json = ""
    routed: TeamsConnector | None = None
    for rule in rules:
        if rule.teams_connector_id:
            connector = rule.teams_connector
        else:
            routed = routed or connector_for(notice.ticket)
            connector = routed
        if connector is None or not connector.active:
            continue
        queued = TeamsPost.objects.filter(
            event=ticket_event, rule=rule, connector=connector
        )
        if queued.exists():
            continue
        if not card_json:
            card = card_for_notice(notice, ticket_event=ticket_event)
            card_json = json.dumps(adaptive_message(card), ensure_ascii=False)
        posts.append(
            TeamsPost.objects.create(
                connector=connector,
                rule=rule,
                ticket=notice.ticket,
                event=ticket_event,
                card=card_json,
            )
        )
    return posts


# --- Sending ----------------------------------------------------------------


def retry_delay(attempts: int, outcome: HttpOutcome) -> float:
    """Seconds until the next try: TEAMS_RETRY_BASE_SECONDS doubled per
    attempt made (10 s, 20 s, 40 s ... by default, at most an hour), or
    what a 429 or 503 asked for (Retry-After) when that is longer. A
    ``Retry-After: 0`` never makes the tries come faster than the backoff
    (a throttled channel answering it every time got every try at once)."""
    base = min(3600.0, settings.TEAMS_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    if outcome.retry_after is not None:
        return max(base, outcome.retry_after)
    return base


def _claim(post_id: str) -> TeamsPost | None:
    """Take the post for sending: a waiting one whose time has come, or one
    whose sender died (its lease ran out). Counts the attempt."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.INTEGRATIONS_LEASE_SECONDS)
    claimable = Q(status__in=WAITING, next_attempt_at__lte=now + EARLY_SLACK) | Q(
        status=Status.SENDING, lease_until__lt=now
    )
    taken = TeamsPost.objects.filter(Q(pk=post_id) & claimable).update(
        status=Status.SENDING, lease_until=lease, attempts=F("attempts") + 1
    )
    if not taken:
        return None
    return TeamsPost.objects.select_related("connector").filter(pk=post_id).first()


def teams_post_send(*, post_id: str) -> TeamsPost | None:
    """Post one queued card to its connector, once.

    Sent or failed already: nothing happens (the post is returned). Leased
    by another worker or not due yet: SendLater. A 2xx answer: sent, and
    the connector's failure count starts again. No answer, 408, 429 or a
    5xx: retrying, with ``next_attempt_at`` set from Retry-After or the
    backoff (the task schedules the next try), until TEAMS_POST_MAX_ATTEMPTS
    tries were made; then, or at once for any other answer, failed. Every
    post that ends failed counts against the connector
    (``connector_failure_count``). Runs outside any transaction, so the
    lease is visible to other workers; never raises for the network.
    """
    post = TeamsPost.objects.filter(pk=post_id).first()
    if post is None or post.status in (Status.SENT, Status.FAILED):
        return post
    post = _claim(post_id)
    if post is None:
        current = TeamsPost.objects.get(pk=post_id)
        now = timezone.now()
        if current.status == Status.SENDING and current.lease_until:
            raise SendLater((current.lease_until - now).total_seconds())
        if current.status in WAITING:
            raise SendLater(
                (current.next_attempt_at - now).total_seconds(), waiting=True
            )
        return current
    connector = post.connector
    test = is_test_post(post)
    if not connector.active and not test:
        return _finish_failed(
            post, status_code=None, error="The connector is switched off.", count=False
        )
    try:
        url = connector.webhook_url
    except ValueError:
        url = ""
    if not url:
        return _finish_failed(
            post,
            status_code=None,
            error="The connector's webhook URL is missing or cannot be decrypted.",
            count=not test,
        )
    outcome = post_json(url, post.card.encode("utf-8"))
    now = timezone.now()
    TeamsConnector.objects.filter(pk=connector.pk).update(
        last_status=outcome.summary()[:255], last_posted_at=now
    )
    log.log(
        logging.INFO if outcome.ok else logging.WARNING,
        "Teams card %s to connector %s (try %s): %s in %s ms",
        post.pk,
        connector.pk,
        post.attempts,
        outcome.summary(),
        outcome.duration_ms,
    )
    if outcome.ok:
        TeamsPost.objects.filter(pk=post.pk).update(
            status=Status.SENT,
            sent_at=now,
            lease_until=None,
            last_status_code=outcome.status,
            error="",
        )
        TeamsConnector.objects.filter(pk=connector.pk).update(consecutive_failures=0)
        post.refresh_from_db()
        return post
    error = _error_text(outcome)
    if outcome.transient and post.attempts < settings.TEAMS_POST_MAX_ATTEMPTS:
        delay = retry_delay(post.attempts, outcome)
        TeamsPost.objects.filter(pk=post.pk).update(
            status=Status.RETRYING,
            lease_until=None,
            next_attempt_at=now + timedelta(seconds=delay),
            last_status_code=outcome.status,
            error=error,
        )
        post.refresh_from_db()
        return post
    if outcome.transient:
        error = f"Gave up after {post.attempts} tries. {error}"
    return _finish_failed(post, status_code=outcome.status, error=error, count=not test)


def _error_text(outcome: HttpOutcome) -> str:
    text = outcome.summary()
    if outcome.excerpt:
        text = f"{text}: {outcome.excerpt}"
    return text[:2000]


def _finish_failed(
    post: TeamsPost, *, status_code: int | None, error: str, count: bool = True
) -> TeamsPost:
    TeamsPost.objects.filter(pk=post.pk).update(
        status=Status.FAILED,
        lease_until=None,
        last_status_code=status_code,
        error=error[:2000],
    )
    log.error("Teams card %s failed for good: %s", post.pk, error[:500])
    if count:
        connector_failure_count(connector_id=str(post.connector_id))
    post.refresh_from_db()
    return post


def connector_failure_count(*, connector_id: str) -> TeamsConnector | None:
    """One more card ended failed on this connector. At
    TEAMS_CONNECTOR_MAX_FAILURES in a row the connector is switched off
    (``active`` False, with the time and last status as the reason) and
    every admin is emailed, once: only the run that switches it off tells
    them. Posts still waiting for it then fail without being posted."""
    with atomic():
        TeamsConnector.objects.filter(pk=connector_id).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        connector = TeamsConnector.objects.filter(pk=connector_id).first()
        if (
            connector is None
            or not connector.active
            or connector.consecutive_failures < settings.TEAMS_CONNECTOR_MAX_FAILURES
        ):
            return connector
        reason = (
            f"Switched off on {timezone.now():%Y-%m-%d %H:%M} UTC after "
            f"{connector.consecutive_failures} cards in a row failed; the last "
            f"answer: {connector.last_status or 'none'}."
        )[:255]
        switched = TeamsConnector.objects.filter(pk=connector_id, active=True).update(
            active=False, disabled_reason=reason
        )
        if switched:
            log.error("Teams connector %s switched off: %s", connector_id, reason)
            admins_tell_integration_disabled(
                kind="Teams connector",
                name=connector.name,
                reason=reason,
                link=absolute(
                    reverse(
                        "admin:integrations_teamsconnector_change",
                        args=[str(connector.pk)],
                    )
                ),
            )
        connector.refresh_from_db()
        return connector


# A waiting post's own task normally runs at its time; the sweep takes it
# only this long after, so a busy queue is not sent a second task a minute.
SWEEP_GRACE = timedelta(seconds=30)


def teams_due_post_ids(*, limit: int = 500) -> list[str]:
    """Posts whose sender should run now: waiting ones whose time passed
    SWEEP_GRACE ago (their task was lost, say with a restarted broker) and
    ones whose sender died mid-post (lease expired). Ids as text, oldest
    first."""
    now = timezone.now()
    due = (
        TeamsPost.objects.filter(
            Q(status__in=WAITING, next_attempt_at__lte=now - SWEEP_GRACE)
            | Q(status=Status.SENDING, lease_until__lt=now)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return [str(post_id) for post_id in due]
