"""Cards through a real Redis broker and a real Celery worker to a real HTTP
receiver: posted after the request's commit, retried when Teams asks."""

import json

import pytest

from accounts.tests.factories import UserFactory
from conftest import wait_until
from integrations.models import TeamsConnector, TeamsPost
from integrations.tests.receivers import Reply
from notifications.seed import seed_defaults
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_card_reaches_the_channel_through_a_worker(start_worker, http_receiver):
    # Transactional tests empty every table between tests, data-migration
    # rows included; put the default rules (new urgent ticket: a card) back.
    seed_defaults()
    channel = TeamsConnector(name="Ops", is_default=True)
    channel.webhook_url = f"{http_receiver.url}/hook"
    channel.save()
    http_receiver.reply(Reply(status=503, headers={"Retry-After": "1"}))
    start_worker()

    ticket = services.ticket_create(  # commits
        requester=UserFactory(),
        subject="Server room flooded",
        body="Water everywhere",
        priority=Ticket.Priority.URGENT,
    )

    requests = http_receiver.wait_for(2, timeout=60)
    assert len(requests) == 2, [r.path for r in requests]
    card = json.loads(requests[1].body)["attachments"][0]["content"]
    assert card["body"][1]["text"] == f"#{ticket.number} Server room flooded"
    post = wait_until(
        lambda: TeamsPost.objects.filter(status=TeamsPost.Status.SENT).first()
    )
    assert post is not None, TeamsPost.objects.values_list("status", "error")[:]
    assert (post.attempts, post.last_status_code) == (2, 200)
    # Retry-After (1 s) was waited for between the two tries.
    assert requests[1].at - requests[0].at >= 0.9
