"""The attachment rules up front (issue 12): every form with a file input
says which types and sizes it takes, and refuses the whole form, the text
kept, when a file breaks them, instead of creating the ticket or message and
dropping the file. Email and the API keep theirs (test_attachment_limits.py,
integrations/tests/test_files.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from tickets.models import Attachment, Message, Ticket

from .factories import TicketFactory

pytestmark = pytest.mark.django_db

BODY = "The printer on floor 3 prints blank pages since Monday"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.ATTACHMENT_MAX_SIZE = 100
    settings.ATTACHMENT_MAX_TOTAL_SIZE = 150
    settings.ATTACHMENT_MAX_COUNT = 3
    settings.ATTACHMENT_ALLOWED_EXTENSIONS = ["txt", "pdf", "png"]


def exe() -> SimpleUploadedFile:
    return SimpleUploadedFile("setup.exe", b"MZ", "application/octet-stream")


def oversize() -> SimpleUploadedFile:
    return SimpleUploadedFile("trace.txt", b"x" * 101, "text/plain")


def small(index: int = 0, size: int = 10) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"note-{index}.txt", b"x" * size, "text/plain")


class Form:
    """One form with a file input: where it is, who uses it, what it posts,
    what a refusal answers, and the form's name in the page context."""

    def __init__(self, name, url, user, data, refused_status, context_name):
        self.name = name
        self.url = url
        self.user = user
        self.data = data
        self.refused_status = refused_status
        self.context_name = context_name


@pytest.fixture(params=["portal_new", "portal_reply", "agent_new", "agent_reply"])
def form(request, customer, agent):
    ticket = TicketFactory(requester=customer, department=agent.departments.get())
    return {
        "portal_new": lambda: Form(
            "portal_new",
            reverse("tickets:portal_new"),
            customer,
            {"subject": "Blank pages", "body": BODY},
            200,
            "form",
        ),
        # An invalid reply re-renders the ticket page with 400, as before.
        "portal_reply": lambda: Form(
            "portal_reply",
            reverse("tickets:portal_reply", args=[ticket.number]),
            customer,
            {"body": BODY},
            400,
            "reply_form",
        ),
        "agent_new": lambda: Form(
            "agent_new",
            reverse("tickets:agent_new"),
            agent,
            {
                "requester_email": "new.person@example.com",
                "subject": "Blank pages",
                "body": BODY,
                "priority": "normal",
            },
            200,
            "form",
        ),
        "agent_reply": lambda: Form(
            "agent_reply",
            reverse("tickets:agent_reply", args=[ticket.number]),
            agent,
            {"kind": "public", "body": BODY},
            400,
            "reply_form",
        ),
    }[request.param]()


def state() -> tuple:
    return (
        Ticket.objects.count(),
        Message.objects.count(),
        Attachment.objects.count(),
        User.objects.count(),
    )


def page_of(form, client):
    if form.name.endswith("reply"):
        ticket = Ticket.objects.get()
        url = (
            ticket.get_agent_url()
            if form.name.startswith("agent")
            else ticket.get_absolute_url()
        )
        return client.get(url)
    return client.get(form.url)


def test_the_form_shows_the_allowed_types_and_sizes(login, form):
    page = page_of(form, login(form.user)).content.decode()

    assert (
        "Up to 3 files, 100\xa0bytes each and 150\xa0bytes in all. "
        "Allowed types: .txt, .pdf, .png."
    ) in page
    assert 'accept=".txt,.pdf,.png"' in page
    assert 'data-attachment-max-size="100"' in page
    assert 'data-attachment-max-total="150"' in page
    assert 'data-attachment-max-count="3"' in page
    assert "js/attachments.js" in page


@pytest.mark.parametrize(
    ("make_files", "error"),
    [
        (
            lambda: [exe()],
            "setup.exe cannot be attached: files of type .exe are not accepted.",
        ),
        (
            lambda: [small(), oversize()],
            "trace.txt cannot be attached: it is 101\xa0bytes, over the "
            "100\xa0bytes limit.",
        ),
        (
            lambda: [small(index) for index in range(4)],
            "You attached 4 files; a message takes at most 3.",
        ),
        (
            lambda: [small(0, 80), small(1, 80)],
            "The files come to 160\xa0bytes; a message takes at most 150\xa0bytes "
            "in all.",
        ),
    ],
    ids=["exe", "oversize", "too-many", "too-large-together"],
)
def test_a_refused_file_refuses_the_whole_form_and_keeps_the_text(
    login, form, make_files, error
):
    client = login(form.user)
    before = state()

    response = client.post(form.url, {**form.data, "attachments": make_files()})

    assert response.status_code == form.refused_status
    errors = response.context[form.context_name].errors["attachments"]
    assert any(message.startswith(error) for message in errors), errors
    assert errors[-1] == "Nothing was sent; your text is kept. Choose the files again."
    page = response.content.decode()
    assert error in page
    assert f"{BODY}</textarea>" in page
    assert state() == before, "a refused form created something"


def test_allowed_files_still_go_through(login, form):
    client = login(form.user)
    tickets, messages, _, _ = state()

    response = client.post(form.url, {**form.data, "attachments": [small(0), small(1)]})

    assert response.status_code == 302, response.content[:800]
    message = Message.objects.order_by("-created_at", "-pk").first()
    assert message.body == BODY
    assert sorted(a.original_name for a in message.attachments.all()) == [
        "note-0.txt",
        "note-1.txt",
    ]
    grew = (Ticket.objects.count() - tickets, Message.objects.count() - messages)
    assert grew == ((1, 1) if form.name.endswith("new") else (0, 1))


def test_the_limits_are_read_when_the_form_is_shown(settings):
    from tickets.services.attachments import attachment_limits

    settings.ATTACHMENT_ALLOWED_EXTENSIONS = [".PDF", "txt", "pdf", ""]
    limits = attachment_limits()
    assert limits.extensions == ("pdf", "txt")
    assert limits.accept == ".pdf,.txt"
