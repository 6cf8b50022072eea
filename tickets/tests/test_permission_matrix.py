"""Every ticket-scoped URL against every relation a visitor can have to it.

Allowed paths succeed; forbidden ones answer 404 (the ticket is not theirs to
know about), 403 (customers in the agent workspace, which exists for anyone
to see) or a redirect to the login page (anonymous), and change nothing.
"""

import pytest
from django.urls import reverse

from tickets.models import SatisfactionRating, Ticket

from .factories import AttachmentFactory, MessageFactory
from .world import RELATIONS

pytestmark = pytest.mark.django_db


# action: (url name, method, data)
ACTIONS = {
    "portal_detail": ("tickets:portal_detail", "get", {}),
    "portal_reply": ("tickets:portal_reply", "post", {"body": "Hello"}),
    "portal_status": ("tickets:portal_status", "post", {"status": "solved"}),
    "portal_satisfaction": ("tickets:portal_satisfaction", "post", {"rating": "bad"}),
    "attachment": ("tickets:attachment", "get", {}),
    "agent_detail": ("tickets:agent_detail", "get", {}),
    "agent_reply": ("tickets:agent_reply", "post", {"kind": "public", "body": "Hi"}),
    "agent_update": ("tickets:agent_update", "post", {"priority": "urgent"}),
    "agent_status": ("tickets:agent_status", "post", {"status": "pending"}),
    "agent_take": ("tickets:agent_take", "post", {}),
    "agent_assign": ("tickets:agent_assign", "post", {"assignee": "AGENT"}),
    "agent_merge": (
        "tickets:agent_merge",
        "post",
        {"target": "TARGET", "confirm": "1", "visibility": "internal"},
    ),
    "agent_events": ("tickets:agent_events", "get", {}),
    "agent_presence": ("tickets:agent_presence", "post", {}),
    "agent_canned_insert": (
        "tickets:agent_canned_insert",
        "post",
        {"canned": "CANNED"},
    ),
}

CUSTOMER_SEES = {
    "portal_detail": 200,
    "portal_reply": 302,
    "portal_status": 302,
    "portal_satisfaction": 302,
    "attachment": 200,
}
AGENT_WORKS = {
    "portal_detail": 302,  # sent on to the workspace view
    "portal_reply": 302,
    "portal_status": 302,
    "attachment": 200,
    "agent_detail": 200,
    "agent_reply": 302,
    "agent_update": 302,
    "agent_status": 302,
    "agent_take": 302,
    "agent_assign": 302,
    "agent_merge": 302,
    "agent_events": 200,
    "agent_presence": 200,
    "agent_canned_insert": 200,
}


def expected(relation: str, action: str) -> int:
    agent_action = action.startswith("agent_")
    if relation == "anonymous":
        return 302
    if relation == "colleague_sharing" and action in (
        "portal_status",
        "portal_satisfaction",
    ):
        return 403  # colleagues read and reply; status and rating are the requester's
    if action == "portal_satisfaction" and relation in ("agent_in_department", "admin"):
        return 403  # only the requester rates the support they received
    if relation in ("requester", "colleague_sharing"):
        return 403 if agent_action else CUSTOMER_SEES[action]
    if relation in ("colleague_private", "other_organization"):
        return 403 if agent_action else 404
    if relation in ("agent_in_department", "admin"):
        return AGENT_WORKS[action]
    return 404  # agent outside the department


def snapshot(ticket):
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.priority,
        ticket.assignee_id,
        ticket.merged_into_id,
        ticket.messages.count(),
        ticket.events.count(),
        list(SatisfactionRating.objects.filter(ticket=ticket).values_list("rating")),
    )


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("relation", RELATIONS)
def test_permission_matrix(client, login, world, relation, action):
    ticket = world["ticket"]
    if relation == "colleague_private":
        # A colleague in an organization that does not share: same org, no view.
        ticket = world["private_ticket"]
        world["attachment"] = AttachmentFactory(message=MessageFactory(ticket=ticket))
    user = world["users"][relation]
    if user is not None:
        login(user)
    name, method, data = ACTIONS[action]
    data = {
        key: {
            "AGENT": world["agent_in"].pk,
            "TARGET": world["target"].number,
            "CANNED": world["canned"].pk,
        }.get(value, value)
        for key, value in data.items()
    }
    args = [ticket.number]
    if action == "portal_satisfaction":
        # Only a solved ticket can be rated.
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SOLVED)
    if action == "attachment":
        args.append(world["attachment"].pk)
    before = snapshot(ticket)

    response = getattr(client, method)(reverse(name, args=args), data)

    want = expected(relation, action)
    assert response.status_code == want, (relation, action)
    if want == 302 and relation == "anonymous":
        assert response.url.startswith(reverse("accounts:login"))
    if want in (403, 404) or relation == "anonymous":
        assert snapshot(ticket) == before, "a refused request changed the ticket"
    if want == 302 and relation != "anonymous" and method == "post":
        assert snapshot(ticket) != before, "an allowed request changed nothing"


def test_matrix_covers_every_ticket_url():
    """A new ticket-scoped URL must be added to the matrix."""
    from tickets.urls import urlpatterns

    scoped = {
        f"tickets:{p.name}" for p in urlpatterns if "<int:number>" in str(p.pattern)
    }
    assert scoped == {name for name, _, _ in ACTIONS.values()}
