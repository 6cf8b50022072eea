import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import UserFactory
from organizations.tests.factories import OrganizationFactory
from tickets.models import Attachment, Ticket

from .factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

Status = Ticket.Status


@pytest.fixture
def colleague_setup(customer):
    organization = OrganizationFactory(share_tickets=True)
    customer.organization = organization
    customer.save()
    colleague = UserFactory(organization=organization)
    return organization, colleague


def texts(response) -> str:
    return response.content.decode()


# --- home and list ----------------------------------------------------------


def test_home_lists_open_requests_and_offers_a_new_one(login, customer):
    TicketFactory(requester=customer, subject="Printer jammed")
    TicketFactory(requester=customer, solved=True, subject="Old solved one")
    TicketFactory(subject="Someone else's secret")

    page = texts(login(customer).get(reverse("tickets:portal_home")))

    assert "Printer jammed" in page
    assert "Old solved one" not in page
    assert "Someone else" not in page
    assert "You have 2 requests with us" in page
    assert reverse("tickets:portal_new") in page


def test_home_empty_state(login, customer):
    page = texts(login(customer).get(reverse("tickets:portal_home")))
    assert "You have no open requests" in page


def test_list_shows_organization_tickets_only_when_shared(
    login, customer, colleague_setup
):
    organization, colleague = colleague_setup
    TicketFactory(requester=colleague, subject="Colleague laptop")
    TicketFactory(requester=customer, subject="My laptop")
    client = login(customer)

    page = texts(client.get(reverse("tickets:portal_list")))
    assert "Colleague laptop" in page and "My laptop" in page
    assert f"Requests of {organization.name}" in page

    organization.share_tickets = False
    organization.save()
    page = texts(client.get(reverse("tickets:portal_list")))
    assert "Colleague laptop" not in page and "My laptop" in page


def test_list_filters_by_status_and_searches_without_internal_notes(login, customer):
    solved = TicketFactory(requester=customer, solved=True, subject="Solved thing")
    TicketFactory(requester=customer, subject="Open thing")
    secret = TicketFactory(requester=customer, subject="Quiet one")
    MessageFactory(ticket=secret, note=True, body="zebra-password-hint")
    client = login(customer)

    page = texts(client.get(reverse("tickets:portal_list"), {"status": "solved"}))
    assert "Solved thing" in page and "Open thing" not in page

    response = client.get(reverse("tickets:portal_list"), {"q": "zebra"})
    assert "Quiet one" not in texts(response)
    assert "No requests match" in texts(response)

    page = texts(client.get(reverse("tickets:portal_list"), {"q": solved.reference}))
    assert "Solved thing" in page and "Open thing" not in page


def test_list_htmx_returns_only_the_results(login, customer):
    TicketFactory(requester=customer, subject="Only row")
    response = login(customer).get(
        reverse("tickets:portal_list"), HTTP_HX_REQUEST="true"
    )
    assert response.templates[0].name == "tickets/portal/_results.html"
    assert "<html" not in texts(response)


def test_list_paginates(login, customer):
    TicketFactory.create_batch(23, requester=customer)
    client = login(customer)
    first = client.get(reverse("tickets:portal_list"))
    assert len(first.context["page"].object_list) == 20
    assert "1–20 of 23" in texts(first)
    second = client.get(reverse("tickets:portal_list"), {"page": 2})
    assert len(second.context["page"].object_list) == 3


# --- opening a request ------------------------------------------------------


def test_new_request_with_attachment(login, customer):
    upload = SimpleUploadedFile("screen.png", b"\x89PNG fake", "image/png")
    response = login(customer).post(
        reverse("tickets:portal_new"),
        {"subject": "Cannot print", "body": "Nothing comes out", "attachments": upload},
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == ticket.get_absolute_url()
    assert (ticket.requester, ticket.channel, ticket.status) == (
        customer,
        "portal",
        "new",
    )
    assert Attachment.objects.get().original_name == "screen.png"
    assert f"Your request {ticket.reference} is with our team" in texts(response)
    assert "screen.png" in texts(response)


def test_new_request_with_a_refused_file_is_not_created(login, customer):
    upload = SimpleUploadedFile("tool.exe", b"MZ", "application/octet-stream")
    response = login(customer).post(
        reverse("tickets:portal_new"),
        {"subject": "Help", "body": "Details", "attachments": upload},
    )
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()
    assert "tool.exe cannot be attached: files of type .exe are not accepted." in (
        texts(response)
    )


def test_new_request_needs_subject_and_description(login, customer):
    response = login(customer).post(reverse("tickets:portal_new"), {"subject": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"subject", "body"}
    assert "This field is required." in texts(response)
    assert not Ticket.objects.exists()


# --- the conversation -------------------------------------------------------


def test_detail_hides_internal_notes(login, customer, agent):
    ticket = TicketFactory(requester=customer, department=agent.departments.get())
    MessageFactory(ticket=ticket, author=agent, body="Visible answer")
    MessageFactory(ticket=ticket, note=True, body="Secret note")

    page = texts(login(customer).get(ticket.get_absolute_url()))

    assert "Visible answer" in page
    assert "Secret note" not in page
    assert "Internal note" not in page


def test_agent_opening_portal_url_is_sent_to_the_workspace(login, agent):
    ticket = TicketFactory(department=agent.departments.get())
    response = login(agent).get(ticket.get_absolute_url())
    assert response.status_code == 302
    assert response.url == ticket.get_agent_url()


def test_reply_reopens_a_solved_request(login, customer):
    ticket = TicketFactory(requester=customer, solved=True)
    response = login(customer).post(
        reverse("tickets:portal_reply", args=[ticket.number]),
        {"body": "Still broken"},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert "Your reply was sent." in texts(response)
    assert "Still broken" in texts(response)


def test_reply_to_closed_request_opens_a_follow_up(login, customer):
    ticket = TicketFactory(requester=customer, closed=True)
    response = login(customer).post(
        reverse("tickets:portal_reply", args=[ticket.number]),
        {"body": "It happened again"},
        follow=True,
    )
    follow_up = Ticket.objects.get(follow_up_of=ticket)
    assert response.redirect_chain[-1][0].startswith(follow_up.get_absolute_url())
    assert f"your reply opened a new request, {follow_up.reference}" in texts(response)


def test_empty_reply_keeps_the_page_with_an_error(login, customer):
    ticket = TicketFactory(requester=customer)
    response = login(customer).post(
        reverse("tickets:portal_reply", args=[ticket.number]), {"body": "  "}
    )
    assert response.status_code == 400
    assert "Write a message or attach a file." in texts(response)
    assert not ticket.messages.exists()


def test_reply_with_refused_file_keeps_the_text(login, customer, settings):
    settings.ATTACHMENT_MAX_SIZE = 5
    ticket = TicketFactory(requester=customer)
    response = login(customer).post(
        reverse("tickets:portal_reply", args=[ticket.number]),
        {
            "body": "Log attached",
            "attachments": SimpleUploadedFile("big.log", b"x" * 9),
        },
    )
    assert response.status_code == 400
    assert not ticket.messages.exists()
    assert "Log attached</textarea>" in texts(response)
    assert (
        "big.log cannot be attached: it is 9\xa0bytes, over the 5\xa0bytes limit."
        in (texts(response))
    )


def test_customer_marks_solved_and_reopens(login, customer):
    ticket = TicketFactory(requester=customer, open=True)
    client = login(customer)
    url = reverse("tickets:portal_status", args=[ticket.number])

    page = texts(client.post(url, {"status": "solved"}, follow=True))
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert "is marked solved" in page
    assert "Reopen" in page

    client.post(url, {"status": "open"})
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def status_snapshot(ticket) -> tuple:
    ticket.refresh_from_db()
    return (ticket.status, ticket.solved_at, ticket.events.count())


@pytest.mark.parametrize(
    ("state", "wanted"), [("open", Status.SOLVED), ("solved", Status.OPEN)]
)
def test_colleague_cannot_solve_or_reopen_a_shared_request(
    login, customer, colleague_setup, state, wanted
):
    _, colleague = colleague_setup
    ticket = TicketFactory(requester=customer, **{state: True})
    before = status_snapshot(ticket)

    response = login(colleague).post(
        reverse("tickets:portal_status", args=[ticket.number]), {"status": wanted}
    )

    assert response.status_code == 403
    assert "Only the person who opened this request" in texts(response)
    assert status_snapshot(ticket) == before


def test_colleague_sees_no_status_buttons_but_may_reply(
    login, customer, colleague_setup
):
    _, colleague = colleague_setup
    customer.full_name = "Rita Requester"
    customer.save()
    ticket = TicketFactory(requester=customer, open=True)
    client = login(colleague)

    page = texts(client.get(ticket.get_absolute_url()))
    assert "Mark as solved" not in page
    assert reverse("tickets:portal_status", args=[ticket.number]) not in page
    assert "Only Rita Requester or our team can mark this request solved" in page

    client.post(
        reverse("tickets:portal_reply", args=[ticket.number]), {"body": "Same here"}
    )
    assert ticket.messages.get().body == "Same here"

    ticket.status = Status.SOLVED
    ticket.save()
    assert "Reopen" not in texts(client.get(ticket.get_absolute_url()))


def test_requester_in_a_sharing_organization_still_changes_status(
    login, customer, colleague_setup
):
    ticket = TicketFactory(requester=customer, open=True)
    client = login(customer)
    page = texts(client.get(ticket.get_absolute_url()))
    assert "Mark as solved" in page
    assert "can mark this request solved" not in page

    client.post(
        reverse("tickets:portal_status", args=[ticket.number]), {"status": "solved"}
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


def test_customer_cannot_use_status_to_put_on_hold(login, customer):
    ticket = TicketFactory(requester=customer, open=True)
    response = login(customer).post(
        reverse("tickets:portal_status", args=[ticket.number]),
        {"status": "on_hold"},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert "Choose solved or open." in texts(response)


def test_an_empty_post_shows_the_errors(login, customer):
    response = login(customer).post(reverse("tickets:portal_new"), {})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"subject", "body"}
