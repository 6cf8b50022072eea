"""Attachment names (issue 11, item 5): one rule for every way in. The type
is judged on the whole name, every extension in it; the name is then
shortened keeping its extension. Email is in integrations/tests/corpus_files.py."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets.models import Attachment, Ticket
from tickets.services.filenames import (
    attachment_name_clean,
    attachment_name_normalize,
    attachment_name_type_problem,
    extension_for_type,
)

from .factories import TicketFactory

LONG_PDF = "report-" + "x" * 245 + ".pdf"  # 256 characters (issue 11)
LONG_PDF_STORED = "report-" + "x" * 244 + ".pdf"
LONG_PDF_EXE = "y" * 251 + ".pdf.exe"


# --- The name function --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("invoice.pdf", "application/pdf", "invoice.pdf"),
        (LONG_PDF, "application/pdf", LONG_PDF_STORED),
        ("C:\\Users\\bob\\report.pdf", "", "report.pdf"),
        ("../../etc/passwd.txt", "", "passwd.txt"),
        ("\u202egpj.exe", "", "gpj.exe"),  # shows as "exe.jpg" with the override
        ("report\u200b\u2066.pdf", "", "report.pdf"),
        ("tab\there.txt", "", "tabhere.txt"),
        ("notes.txt. . .", "", "notes.txt"),
        ("Cafe\u0301.txt", "", "Caf\u00e9.txt"),  # NFC
        ("", "text/calendar", "attachment.ics"),
        ("README", "text/plain", "README"),  # refused: no extension
        ("...", "application/zip", "attachment.zip"),
    ],
)
def test_names_are_cleaned(name, content_type, expected):
    assert attachment_name_clean(name, content_type) == expected


def test_long_names_keep_their_extension_within_255_characters_and_bytes():
    cjk = attachment_name_clean("\u5831" * 300 + ".docx")
    assert cjk.endswith(".docx")
    assert len(cjk.encode("utf-8")) <= 255
    assert cjk == "\u5831" * 83 + ".docx"
    emoji = attachment_name_clean("\U0001f600" * 100 + ".png")
    assert emoji == "\U0001f600" * 62 + ".png"  # never half a character
    # "q" + U+0301 has no precomposed form: a cut keeps each pair whole.
    combining = attachment_name_clean("q\u0301" * 200 + ".txt")
    assert combining == "q\u0301" * 83 + ".txt"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("report.pdf", None),
        ("archive.tar.zip", None),
        ("Report v1.2 final.pdf", None),
        (LONG_PDF, None),
        (LONG_PDF_EXE, "files of type .exe are not accepted"),
        ("scan.pdf.exe", "files of type .exe are not accepted"),
        ("invoice.exe.pdf", "its name hides a .exe file behind .pdf"),
        ("photo.JS.png", "its name hides a .js file behind .png"),
        ("noextension", "files without an extension are not accepted"),
    ],
)
def test_the_type_is_judged_on_the_whole_name(name, problem):
    assert attachment_name_type_problem(attachment_name_normalize(name)) == problem


@pytest.mark.parametrize(
    ("content_type", "extension"),
    [
        ("text/calendar", "ics"),
        ("text/csv", "csv"),
        ("application/zip", "zip"),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        ("image/webp", "webp"),
        ("image/jpeg", "jpg"),
        ("message/rfc822", "eml"),
        ("application/pdf", "pdf"),
        ("text/plain; charset=utf-8", "txt"),
        ("application/x-unheard-of", "bin"),
    ],
)
def test_media_types_give_their_usual_extension(content_type, extension):
    assert extension_for_type(content_type) == extension


# --- Every way in: portal, workspace, API --------------------------------------


def upload(name: str, data: bytes = b"%PDF-1.4\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "application/octet-stream")


def test_portal_keeps_a_256_character_pdf_and_refuses_a_pdf_exe(login, customer):
    client = login(customer)
    data = {"subject": "Long names", "body": "Two files"}
    refused = client.post(
        reverse("tickets:portal_new"),
        {**data, "attachments": [upload(LONG_PDF), upload(LONG_PDF_EXE, b"MZ")]},
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["attachments"][0] == (
        "y" * 251 + ".exe cannot be attached: files of type .exe are not accepted."
    )
    assert not Ticket.objects.exists()

    response = client.post(
        reverse("tickets:portal_new"), {**data, "attachments": [upload(LONG_PDF)]}
    )
    assert response.status_code == 302, response.content[:500]
    ticket = Ticket.objects.get(subject="Long names")
    names = list(
        Attachment.objects.filter(message__ticket=ticket).values_list(
            "original_name", flat=True
        )
    )
    assert names == [LONG_PDF_STORED]


def test_portal_refuses_an_exe_hidden_before_pdf(login, customer):
    ticket = TicketFactory(requester=customer)
    response = login(customer).post(
        reverse("tickets:portal_reply", args=[ticket.number]),
        {"body": "Invoice", "attachments": [upload("invoice.exe.pdf")]},
    )
    assert response.status_code == 400
    assert response.context["reply_form"].errors["attachments"][0] == (
        "invoice.exe.pdf cannot be attached: its name hides a .exe file behind .pdf."
    )
    assert not ticket.messages.exists()


def test_agent_upload_uses_the_same_rule(login, agent):
    ticket = TicketFactory(department=agent.departments.get())
    client = login(agent)
    data = {"kind": "public", "body": "Guides"}
    refused = client.post(
        reverse("tickets:agent_reply", args=[ticket.number]),
        {**data, "attachments": [upload(LONG_PDF), upload("guide.pdf.exe", b"MZ")]},
    )
    assert refused.status_code == 400
    assert "guide.pdf.exe cannot be attached" in refused.content.decode()
    assert not ticket.messages.exists()

    client.post(
        reverse("tickets:agent_reply", args=[ticket.number]),
        {**data, "attachments": [upload(LONG_PDF)]},
    )
    names = [a.original_name for a in ticket.messages.get().attachments.all()]
    assert names == [LONG_PDF_STORED]


def test_api_keeps_a_256_character_pdf_and_refuses_a_pdf_exe(api_as, customer):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages",
        {"body": "Files"},
        files=[upload(LONG_PDF), upload(LONG_PDF_EXE, b"MZ")],
    )
    assert response.status_code == 201, response.content
    assert response.json()["rejected_attachments"] == [
        "y" * 251 + ".exe was not attached: files of type .exe are not accepted."
    ]
    names = [a.original_name for a in ticket.messages.get().attachments.all()]
    assert names == [LONG_PDF_STORED]


def test_api_names_lose_bidi_overrides_and_zero_width_spaces(api_as, customer):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).post(
        f"/tickets/{ticket.number}/messages",
        {"body": "Files"},
        files=[upload("report\u200b.pdf"), upload("\u202efdp.exe", b"MZ")],
    )
    assert response.status_code == 201, response.content
    assert response.json()["rejected_attachments"] == [
        "fdp.exe was not attached: files of type .exe are not accepted."
    ]
    names = [a.original_name for a in ticket.messages.get().attachments.all()]
    assert names == ["report.pdf"]
