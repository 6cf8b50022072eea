"""The tickets API: the same visibility and rules as the portal and workspace."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from organizations.tests.factories import DepartmentFactory, TeamFactory
from tickets import selectors
from tickets.models import CannedResponse, Category, Message, Ticket, TicketEvent

from .factories import AttachmentFactory, CategoryFactory, MessageFactory, TicketFactory
from .world import RELATIONS

pytestmark = pytest.mark.django_db


# --- The permission matrix --------------------------------------------------


ACTIONS = ["get", "messages", "reply", "status", "patch", "attachment"]
CUSTOMER_MAY = {
    "get": 200,
    "messages": 200,
    "reply": 201,
    "status": 200,
    "patch": 403,  # agents only
    "attachment": 200,
}
AGENT_MAY = {
    "get": 200,
    "messages": 200,
    "reply": 201,
    "status": 200,
    "patch": 200,
    "attachment": 200,
}


def expected(relation: str, action: str) -> int:
    """As in the portal's matrix: a ticket the caller may not see is 404."""
    if relation == "anonymous":
        return 401
    if relation == "colleague_sharing" and action == "status":
        return 403  # colleagues read and reply; the status is the requester's
    if relation in ("requester", "colleague_sharing"):
        return CUSTOMER_MAY[action]
    if relation in ("agent_in_department", "admin"):
        return AGENT_MAY[action]
    return 404


def call(client, action: str, ticket: Ticket, attachment) -> object:
    base = f"/api/v1/tickets/{ticket.number}"
    json = "application/json"
    if action == "get":
        return client.get(base)
    if action == "messages":
        return client.get(f"{base}/messages")
    if action == "reply":
        return client.post(f"{base}/messages", {"body": "Any news?"})
    if action == "status":
        return client.post(f"{base}/status", {"status": "solved"}, content_type=json)
    if action == "patch":
        return client.patch(base, {"priority": "urgent"}, content_type=json)
    return client.get(f"{base}/attachments/{attachment.pk}")


def snapshot(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.priority,
        ticket.messages.count(),
        ticket.events.count(),
    )


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("relation", RELATIONS)
def test_permission_matrix(world, api_as, relation, action):
    user = world["users"][relation]
    client = api_as(user).client if user else Client()
    ticket = world["ticket"]
    before = snapshot(ticket)

    response = call(client, action, ticket, world["attachment"])

    assert response.status_code == expected(relation, action), response.content
    if response.status_code >= 400:
        assert response.json()["code"]
        assert snapshot(ticket) == before, "a refused call changed the ticket"


def test_lists_show_exactly_what_the_portal_and_workspace_show(world, api_as):
    ticket = world["ticket"]
    users = world["users"]
    others = TicketFactory(requester=users["other_organization"])

    def numbers(user):
        response = api_as(user).get("/tickets", {"per_page": 100})
        assert response.status_code == 200
        return {row["number"] for row in response.json()["results"]}

    assert ticket.number in numbers(users["requester"])
    assert ticket.number in numbers(users["colleague_sharing"])
    assert ticket.number not in numbers(users["colleague_private"])
    assert numbers(users["other_organization"]) == {others.number}
    assert ticket.number in numbers(users["agent_in_department"])
    assert ticket.number not in numbers(users["agent_outside_department"])
    assert {ticket.number, others.number} <= numbers(users["admin"])


def test_customers_never_see_internal_notes(world, api_as):
    ticket = world["ticket"]
    note = MessageFactory(ticket=ticket, note=True, body="Refund looks fraudulent")
    AttachmentFactory(message=note, original_name="evidence.txt")

    seen = api_as(world["users"]["requester"]).get(f"/tickets/{ticket.number}/messages")
    bodies = [message["body"] for message in seen.json()]
    assert "Refund looks fraudulent" not in bodies
    assert all(not message["internal"] for message in seen.json())
    hidden = note.attachments.get()
    refused = api_as(world["users"]["requester"]).get(
        f"/tickets/{ticket.number}/attachments/{hidden.pk}"
    )
    assert refused.status_code == 404

    agent_view = api_as(world["users"]["agent_in_department"]).get(
        f"/tickets/{ticket.number}/messages"
    )
    assert "Refund looks fraudulent" in [m["body"] for m in agent_view.json()]


def test_an_attachment_from_another_ticket_is_404(world, api_as):
    elsewhere = TicketFactory(requester=world["users"]["requester"])
    response = api_as(world["users"]["requester"]).get(
        f"/tickets/{elsewhere.number}/attachments/{world['attachment'].pk}"
    )
    assert response.status_code == 404


# --- Opening tickets --------------------------------------------------------


def test_a_customer_opens_a_ticket(api_as, customer):
    category = CategoryFactory()
    response = api_as(customer).post(
        "/tickets",
        {
            "subject": "VPN drops",
            "body": "Every hour.",
            "category_id": str(category.pk),
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    ticket = Ticket.objects.get(number=data["number"])
    assert ticket.requester == customer
    assert ticket.channel == Ticket.Channel.API
    assert ticket.category == category
    assert ticket.department == category.default_department
    assert data["reference"] == f"#{ticket.number}"
    assert data["status"] == "new"
    assert ticket.messages.get().body == "Every hour."


def test_a_customer_cannot_open_a_ticket_for_someone_else(api_as, customer):
    response = api_as(customer).post(
        "/tickets",
        {"subject": "Hi", "body": "x", "requester_email": "victim@example.com"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "agents_only"
    assert not Ticket.objects.exists()
    assert not User.objects.filter(email="victim@example.com").exists()


def test_an_agent_opens_a_ticket_for_a_new_customer_and_routes_it(
    api_as, agent, department
):
    team = TeamFactory(department=department)
    response = api_as(agent).post(
        "/tickets",
        {
            "subject": "Phone call: invoice wrong",
            "body": "Customer called about invoice 991.",
            "requester_email": "New.Person@Example.com",
            "requester_name": "New Person",
            "priority": "high",
            "department_id": str(department.pk),
            "team_id": str(team.pk),
            "assignee_id": str(agent.pk),
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["requester"]["email"] == "new.person@example.com"
    assert data["assignee"]["id"] == str(agent.pk)
    assert data["team"]["id"] == str(team.pk)
    assert data["priority"] == "high"
    requester = User.objects.get(email="new.person@example.com")
    assert requester.role == User.Role.CUSTOMER
    assert requester.full_name == "New Person"


@pytest.mark.parametrize("value", ["999999", "not-an-id"])
def test_an_unknown_department_is_a_400_and_opens_nothing(api_as, agent, value):
    response = api_as(agent).post(
        "/tickets", {"subject": "S", "body": "B", "department_id": value}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"department_id": ["Unknown."]}
    assert not Ticket.objects.exists()


# --- Listing ----------------------------------------------------------------


def test_the_list_filters_sorts_and_pages_with_a_total(api_as, agent, department):
    for index in range(7):
        TicketFactory(
            department=department,
            subject=f"Printer {index}",
            priority="urgent" if index % 2 else "low",
            status=Ticket.Status.OPEN,
        )
    TicketFactory(department=department, subject="Mouse", status=Ticket.Status.OPEN)
    api = api_as(agent)

    page = api.get(
        "/tickets",
        {"q": "printer", "priority": "urgent", "per_page": 2, "sort": "subject"},
    ).json()
    assert page["count"] == 3
    assert page["pages"] == 2
    assert [row["subject"] for row in page["results"]] == ["Printer 1", "Printer 3"]
    second = api.get(
        "/tickets",
        {
            "q": "printer",
            "priority": "urgent",
            "per_page": 2,
            "page": 2,
            "sort": "subject",
        },
    ).json()
    assert [row["subject"] for row in second["results"]] == ["Printer 5"]
    beyond = api.get("/tickets", {"q": "printer", "page": 9}).json()
    assert beyond["results"] == [] and beyond["count"] == 7

    unassigned = api.get("/tickets", {"view": "unassigned", "per_page": 100}).json()
    assert unassigned["count"] == 8


def test_list_parameters_are_checked(api_as, agent):
    api = api_as(agent)
    too_many = api.get("/tickets", {"per_page": 1000})
    assert too_many.status_code == 400
    assert "per_page" in too_many.json()["errors"]
    bad_status = api.get("/tickets", {"status": "lost"})
    assert bad_status.status_code == 400
    assert list(bad_status.json()["errors"]) == ["status.0"]
    bad_id = api.get("/tickets", {"department": "abc"})
    assert bad_id.status_code == 400


def test_the_list_keeps_a_constant_number_of_queries(
    api_as, agent, department, django_assert_max_num_queries
):
    api = api_as(agent)
    for _ in range(3):
        TicketFactory(department=department, assignee=agent)
    api.get("/tickets")  # warm caches (SLA policies)
    with django_assert_max_num_queries(8):
        small = api.get("/tickets", {"per_page": 100})
    for _ in range(30):
        TicketFactory(department=department, assignee=agent)
    with django_assert_max_num_queries(8):
        large = api.get("/tickets", {"per_page": 100})
    assert small.json()["count"] == 3
    assert large.json()["count"] == 33


# --- Changing tickets -------------------------------------------------------


def test_an_agent_changes_fields_and_each_change_is_an_event(api_as, agent, department):
    ticket = TicketFactory(department=department, status=Ticket.Status.OPEN)
    category = CategoryFactory()
    response = api_as(agent).patch(
        f"/tickets/{ticket.number}",
        {
            "priority": "urgent",
            "subject": "Printer on fire",
            "category_id": str(category.pk),
            "assignee_id": str(agent.pk),
        },
    )
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.subject, ticket.category, ticket.assignee) == (
        "urgent",
        "Printer on fire",
        category,
        agent,
    )
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {"priority", "subject", "category", "assignee"} <= kinds

    cleared = api_as(agent).patch(f"/tickets/{ticket.number}", {"assignee_id": None})
    assert cleared.json()["assignee"] is None
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert ticket.priority == "urgent", "fields not sent stay as they were"


def test_only_an_agent_can_be_assigned(api_as, agent, department, customer):
    ticket = TicketFactory(department=department)
    response = api_as(agent).patch(
        f"/tickets/{ticket.number}", {"assignee_id": str(customer.pk)}
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_refused_status_change_is_409(api_as, agent, department):
    ticket = TicketFactory(department=department, closed=True)
    response = api_as(agent).post(
        f"/tickets/{ticket.number}/status", {"status": "open"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_a_colleague_may_read_and_reply_but_not_change_the_status(world, api_as):
    ticket = world["ticket"]
    api = api_as(world["users"]["colleague_sharing"])
    before = snapshot(ticket)

    refused = api.post(f"/tickets/{ticket.number}/status", {"status": "solved"})

    assert refused.status_code == 403, refused.content
    assert refused.json()["code"] == "permission_denied"
    assert "Only the person who opened this request" in refused.json()["detail"]
    assert snapshot(ticket) == before
    solved = api_as(world["users"]["requester"]).post(
        f"/tickets/{ticket.number}/status", {"status": "solved"}
    )
    assert solved.status_code == 200
    assert solved.json()["status"] == "solved"


def test_a_customer_may_solve_but_not_put_on_hold(api_as, customer):
    ticket = TicketFactory(requester=customer, status=Ticket.Status.OPEN)
    api = api_as(customer)
    held = api.post(f"/tickets/{ticket.number}/status", {"status": "on_hold"})
    assert held.status_code == 403
    solved = api.post(f"/tickets/{ticket.number}/status", {"status": "solved"})
    assert solved.status_code == 200
    assert solved.json()["status"] == "solved"
    assert TicketEvent.objects.filter(ticket=ticket, kind="status").exists()


# --- Messages ---------------------------------------------------------------


def test_a_reply_with_attachments_as_multipart(api_as, customer, settings):
    ticket = TicketFactory(requester=customer, pending=True)
    api = api_as(customer)
    data = b"%PDF-1.4 invoice"
    response = api.post(
        f"/tickets/{ticket.number}/messages",
        {"body": "Here is the invoice."},
        files=[
            SimpleUploadedFile("invoice.pdf", data, "application/pdf"),
            SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream"),
        ],
    )
    assert response.status_code == 201, response.content
    message = response.json()
    assert message["body"] == "Here is the invoice."
    assert [item["name"] for item in message["attachments"]] == ["invoice.pdf"]
    assert message["attachments"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(message["rejected_attachments"]) == 1
    assert "run.exe" in message["rejected_attachments"][0]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN, "a customer reply reopens pending"

    download = api.client.get(message["attachments"][0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "application/octet-stream"


def test_a_file_over_the_limit_is_413_and_nothing_is_kept(api_as, customer, settings):
    settings.ATTACHMENT_MAX_SIZE = 1024
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages",
        {"body": "Big one"},
        files=[SimpleUploadedFile("big.pdf", b"x" * 2048, "application/pdf")],
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "1.0\xa0KB" in response.json()["detail"]
    assert not ticket.messages.exists()


def test_a_customer_cannot_post_an_internal_note(api_as, customer):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages",
        {"body": "psst", "internal": "true"},
        multipart=True,
    )
    assert response.status_code == 403
    assert not ticket.messages.exists()


def test_an_agent_note_stays_internal(api_as, agent, department):
    ticket = TicketFactory(department=department)
    response = api_as(agent).post(
        f"/tickets/{ticket.number}/messages",
        {"body": "Call them", "internal": "true"},
        multipart=True,
    )
    assert response.status_code == 201
    assert response.json()["internal"] is True
    assert Message.objects.get(ticket=ticket).internal


def test_a_customer_reply_to_a_closed_ticket_opens_a_follow_up(api_as, customer):
    ticket = TicketFactory(requester=customer, closed=True)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages",
        {"body": "It broke again."},
        multipart=True,
    )
    assert response.status_code == 201, response.content
    follow_up = Ticket.objects.get(number=response.json()["ticket"])
    assert follow_up.follow_up_of == ticket
    assert follow_up.messages.get().body == "It broke again."
    assert not ticket.messages.exists()


def test_a_json_message_is_told_to_use_multipart(api_as, customer):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages", {"body": "Hello"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "multipart_required"
    assert "multipart/form-data" in response.json()["detail"]
    assert not ticket.messages.exists()


def test_an_empty_message_is_400(api_as, customer):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages", {"body": ""}, multipart=True
    )
    assert response.status_code == 400
    assert response.json()["code"] == "empty"


# --- Categories -------------------------------------------------------------


def test_categories_customers_see_active_ones_agents_all(api_as, customer, agent):
    CategoryFactory(name="Billing")
    CategoryFactory(name="Retired", inactive=True)
    assert [c["name"] for c in api_as(customer).get("/categories").json()] == [
        "Billing"
    ]
    assert [c["name"] for c in api_as(agent).get("/categories").json()] == [
        "Billing",
        "Retired",
    ]


def test_only_admins_write_categories(api_as, agent, admin_user, department):
    refused = api_as(agent).post("/categories", {"name": "Hardware", "slug": "hw"})
    assert refused.status_code == 403
    assert not Category.objects.exists()

    api = api_as(admin_user)
    created = api.post(
        "/categories",
        {"name": "Hardware", "slug": "hw", "default_department_id": str(department.pk)},
    )
    assert created.status_code == 201, created.content
    category = Category.objects.get(slug="hw")
    assert category.default_department == department

    duplicate = api.post("/categories", {"name": "Hardware", "slug": "hw2"})
    assert duplicate.status_code == 400
    assert duplicate.json()["code"] == "duplicate"

    changed = api.patch(f"/categories/{category.pk}", {"active": False})
    assert changed.json()["active"] is False
    assert changed.json()["default_department_id"] == str(department.pk)
    cleared = api.patch(f"/categories/{category.pk}", {"default_department_id": None})
    assert cleared.json()["default_department_id"] is None
    assert (
        api_as(agent).patch(f"/categories/{category.pk}", {"active": True}).status_code
        == 403
    )
    category.refresh_from_db()
    assert category.active is False


# --- Canned responses -------------------------------------------------------


def test_canned_responses_for_agents_only(api_as, customer):
    assert api_as(customer).get("/canned-responses").status_code == 403
    assert (
        api_as(customer)
        .post("/canned-responses", {"title": "x", "body": "y"})
        .status_code
        == 403
    )
    assert not CannedResponse.objects.exists()


def test_an_agent_keeps_personal_responses_and_sees_shared_ones(
    api_as, agent, admin_user
):
    colleague = UserFactory(agent=True)
    CannedResponse.objects.create(owner=colleague, title="Theirs", body="b")
    CannedResponse.objects.create(
        owner=admin_user, title="Shared", body="b", shared=True
    )
    api = api_as(agent)

    created = api.post(
        "/canned-responses", {"title": "Mine", "body": "Hi {requester_name}"}
    )
    assert created.status_code == 201
    mine = created.json()["id"]
    assert [c["title"] for c in api.get("/canned-responses").json()] == [
        "Mine",
        "Shared",
    ]

    assert (
        api.post(
            "/canned-responses", {"title": "All", "body": "b", "shared": True}
        ).status_code
        == 403
    )

    updated = api.put(f"/canned-responses/{mine}", {"title": "Mine 2", "body": "Hello"})
    assert updated.json()["title"] == "Mine 2"
    theirs = CannedResponse.objects.get(title="Theirs")
    assert (
        api.put(
            f"/canned-responses/{theirs.pk}", {"title": "x", "body": "y"}
        ).status_code
        == 404
    )
    assert api.delete(f"/canned-responses/{theirs.pk}").status_code == 404
    assert api.delete(f"/canned-responses/{mine}").status_code == 204
    assert set(CannedResponse.objects.values_list("title", flat=True)) == {
        "Theirs",
        "Shared",
    }


# --- What customers are shown, and checks before writes ---------------------


def test_customers_see_staff_by_name_only_and_no_internal_routing(
    api_as, customer, agent, department
):
    team = TeamFactory(department=department)
    ticket = TicketFactory(
        requester=customer, department=department, team=team, assignee=agent
    )
    MessageFactory(ticket=ticket, author=agent, body="On it.")

    mine = api_as(customer).get(f"/tickets/{ticket.number}").json()
    assert mine["assignee"] == {
        "id": str(agent.pk),
        "email": None,
        "full_name": agent.display_name,
    }
    assert mine["team"] is None and mine["sla"] is None
    assert mine["requester"]["email"] == customer.email
    messages = api_as(customer).get(f"/tickets/{ticket.number}/messages").json()
    assert messages[0]["author"]["email"] is None
    assert agent.email not in str(messages)

    theirs = api_as(agent).get(f"/tickets/{ticket.number}").json()
    assert theirs["assignee"]["email"] == agent.email
    assert theirs["team"] == {"id": str(team.pk), "name": team.name}
    assert set(theirs["sla"]) >= {"first_response_due_at", "paused"}


def test_a_bad_address_or_id_opens_nothing_and_creates_nobody(api_as, agent):
    api = api_as(agent)
    bad_address = api.post(
        "/tickets", {"subject": "S", "body": "B", "requester_email": "not an address"}
    )
    assert bad_address.status_code == 400
    assert "requester_email" in bad_address.json()["errors"]
    bad_team = api.post(
        "/tickets",
        {
            "subject": "S",
            "body": "B",
            "requester_email": "new@x.example",
            "team_id": "9",
        },
    )
    assert bad_team.status_code == 400
    assert not Ticket.objects.exists()
    assert not User.objects.filter(email="new@x.example").exists()


def test_an_agent_who_routes_a_ticket_away_still_gets_the_result(
    api_as, agent, department
):
    elsewhere = DepartmentFactory()
    ticket = TicketFactory(department=department)
    response = api_as(agent).patch(
        f"/tickets/{ticket.number}", {"department_id": str(elsewhere.pk)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["department"]["id"] == str(elsewhere.pk)
    # ...and from now on it is another department's ticket.
    assert api_as(agent).get(f"/tickets/{ticket.number}").status_code == 404


def test_customers_cannot_use_a_retired_category(api_as, customer, agent):
    retired = CategoryFactory(inactive=True)
    refused = api_as(customer).post(
        "/tickets", {"subject": "S", "body": "B", "category_id": str(retired.pk)}
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "category_inactive"
    assert not Ticket.objects.exists()
    # Agents may still file under it (old work being tidied, say).
    done = api_as(agent).post(
        "/tickets", {"subject": "S", "body": "B", "category_id": str(retired.pk)}
    )
    assert done.status_code == 201


def test_an_assignee_that_is_no_id_matches_nothing(api_as, agent, department):
    TicketFactory(department=department, assignee=agent)
    TicketFactory(department=department)
    api = api_as(agent)
    assert api.get("/tickets", {"assignee": str(agent.pk)}).json()["count"] == 1
    assert api.get("/tickets", {"assignee": "none"}).json()["count"] == 1
    refused = api.get("/tickets", {"assignee": "not-an-id"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"assignee": ["Not an id."]}
    # The selector behind the workspace list agrees: no id, no tickets.
    junk = selectors.TicketFilters(view="all", assignee="not-an-id")
    assert not selectors.agent_ticket_list(agent, junk).exists()
