"""A NUL character (U+0000) in a request's query string, form fields or API
JSON body is a 400 before any view runs, never a 500: PostgreSQL text cannot
hold one. In the address it is a 404, as any made-up id is. Files may hold
NUL bytes and are still taken."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets.models import Attachment, Ticket
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

NUL_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"


@pytest.fixture
def web(client):
    """The test client, answering a server error as a 500 page as a browser
    would see it, not by raising."""
    client.raise_request_exception = False
    return client


def plain_400(response, text: str) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/plain")
    assert text in response.content.decode()


def api_400(response, errors: dict) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "code", "errors"}
    assert body["code"] == "invalid"
    assert "NUL character" in body["detail"]
    assert body["errors"] == errors


# --- Pages ------------------------------------------------------------------


def test_admin_changelist_filter_with_nul_is_400(web, login, admin_user):
    login(admin_user)
    response = web.get("/admin/tickets/ticket/?status__exact=%00")
    plain_400(response, "The query parameter status__exact contains a NUL character")


def test_agent_list_search_with_nul_is_400(web, login, agent):
    login(agent)
    response = web.get(reverse("tickets:agent_list"), {"q": "printer\x00"})
    plain_400(response, "The query parameter q contains a NUL character")


def test_nul_in_a_query_parameter_name_is_400(web, login, agent):
    login(agent)
    response = web.get(reverse("tickets:agent_list") + "?st%00atus=open")
    plain_400(response, "The query parameter st\\x00atus contains a NUL character")


@pytest.mark.parametrize(
    "field", ["department", "category", "team", "assignee", "organization"]
)
def test_ticket_list_filter_with_a_nul_id_is_400(web, login, agent, field):
    """Each filter that looks a row up; the organization filter looks the
    typed name up before any validator runs (a 500 on PostgreSQL)."""
    login(agent)
    response = web.get(reverse("tickets:agent_list"), {field: "\x00"})
    plain_400(response, f"The query parameter {field} contains a NUL character")


def test_nul_in_the_address_is_a_404(web, login, agent):
    """Left to the URL converters and id lookups, as any made-up id is."""
    login(agent)
    ticket = TicketFactory(department=agent.departments.get())
    response = web.get(f"/agent/tickets/{ticket.number}%00/")
    assert response.status_code == 404, response.content[:300]


def test_nul_in_an_admin_address_is_a_404(web, login, admin_user):
    """The admin unquotes the id from its address and looks it up itself."""
    login(admin_user)
    ticket = TicketFactory()
    for path in (
        "/admin/tickets/ticket/%00/change/",
        f"/admin/tickets/ticket/{ticket.pk}%00/change/",
    ):
        response = web.get(path)
        assert response.status_code == 404, (path, response.status_code)


def test_portal_form_with_nul_in_a_field_is_400_and_opens_nothing(web, login, customer):
    login(customer)
    response = web.post(
        reverse("tickets:portal_new"),
        {"subject": "Cannot\x00 print", "body": "Nothing comes out"},
    )
    plain_400(response, "The form field subject contains a NUL character")
    assert not Ticket.objects.exists()


def test_multipart_form_with_nul_in_a_field_is_400(web, login, customer):
    login(customer)
    upload = SimpleUploadedFile("screen.png", NUL_BYTES, "image/png")
    response = web.post(
        reverse("tickets:portal_new"),
        {"subject": "Cannot print", "body": "Nothing\x00", "attachments": upload},
    )
    plain_400(response, "The form field body contains a NUL character")
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("memory_limit", [None, 100], ids=["in-memory", "streamed"])
def test_a_file_holding_nul_bytes_is_attached(
    web, login, customer, settings, memory_limit
):
    """Below and above DATA_UPLOAD_MAX_MEMORY_SIZE (then parsed from the
    stream): the file's content is never looked at."""
    if memory_limit:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = memory_limit
    data = NUL_BYTES * 20
    login(customer)
    response = web.post(
        reverse("tickets:portal_new"),
        {
            "subject": "Cannot print",
            "body": "Nothing comes out",
            "attachments": SimpleUploadedFile("screen.png", data, "image/png"),
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == ticket.get_absolute_url()
    attachment = Attachment.objects.get()
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()


# --- The API ----------------------------------------------------------------


def test_api_query_parameter_with_nul_is_400_in_the_one_shape(api_as, agent):
    response = api_as(agent).get("/tickets", {"q": "a\x00b"})
    api_400(response, {"q": ["NUL characters are not allowed."]})


def test_api_address_with_nul_is_a_404_in_the_one_shape(api_as, agent):
    ticket = TicketFactory(department=agent.departments.get())
    response = api_as(agent).get(f"/tickets/{ticket.number}%00")
    assert response.status_code == 404, response.content[:300]
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_api_json_body_with_nul_escape_is_400(api_as, customer, content_type):
    """django-ninja reads a body as JSON whatever type it declares."""
    api = api_as(customer)
    response = api.client.post(
        "/api/v1/tickets",
        '{"subject": "VPN drops", "body": "Every\\u0000 hour."}',
        content_type=content_type,
    )
    api_400(response, {"body": ["NUL characters are not allowed."]})
    assert not Ticket.objects.exists()


def test_api_json_body_nul_in_a_nested_field_is_named(api_as, admin_user):
    response = api_as(admin_user).client.post(
        "/api/v1/departments",
        '{"name": "Desk", "slug": "desk", "agent_ids": ["1", "2\\u0000"]}',
        content_type="application/json",
    )
    api_400(response, {"agent_ids.1": ["NUL characters are not allowed."]})


def test_api_json_body_with_an_escaped_backslash_is_not_refused(api_as, customer):
    """``\\\\u0000`` in JSON is a backslash and the text u0000, not a NUL."""
    response = api_as(customer).client.post(
        "/api/v1/tickets",
        '{"subject": "C:\\\\u0000 is full", "body": "Every hour."}',
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Ticket.objects.get().subject == "C:\\u0000 is full"


def test_api_multipart_field_with_nul_is_400(api_as, customer):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages",
        {"body": "Here\x00"},
        files=[SimpleUploadedFile("invoice.pdf", b"%PDF", "application/pdf")],
    )
    api_400(response, {"body": ["NUL characters are not allowed."]})
    assert ticket.messages.count() == 0


@pytest.mark.parametrize("memory_limit", [None, 100], ids=["in-memory", "streamed"])
def test_api_file_holding_nul_bytes_is_attached(
    api_as, customer, settings, memory_limit
):
    if memory_limit:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = memory_limit
    ticket = TicketFactory(requester=customer)
    data = b"%PDF-1.4\x00\x00\x01binary" * 20
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages",
        {"body": "Here is the invoice."},
        files=[SimpleUploadedFile("invoice.pdf", data, "application/pdf")],
    )
    assert response.status_code == 201, response.content
    [attachment] = response.json()["attachments"]
    assert attachment["sha256"] == hashlib.sha256(data).hexdigest()


def test_api_multipart_sent_to_a_json_endpoint_is_still_a_400(api_as, customer):
    """The form is read here with its raw bytes kept, so an endpoint that
    reads JSON still finds them (and refuses them), not a 500."""
    api = api_as(customer)
    api.client.raise_request_exception = False
    response = api.post("/tickets", {"subject": "VPN"}, multipart=True)
    assert response.status_code == 400, response.content
    assert not Ticket.objects.exists()


def test_a_session_cookie_with_a_nul_is_dropped_not_a_server_error(client):
    """Django decodes ``\\000`` in a quoted cookie into a NUL; the session
    lookup would hand it to the database (a 500 on PostgreSQL)."""
    cookie = 'sessionid="abcdefghijklmnop\\000xyz"'

    for path in ("/accounts/login/", "/no/such/page/", "/api/v1/openapi.json"):
        response = client.get(path, HTTP_COOKIE=cookie)
        assert response.status_code in (200, 404), (path, response.status_code)
