"""What an email may put into the helpdesk (issue 10): a body longer than a
message may be is kept whole as a file, never cut; an email with thousands
of parts keeps its first files within the limits, says how many it set
aside, and does work in proportion to its size (counted, never timed)."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from integrations import parsing
from integrations.models import InboundEmail
from integrations.services import inbound_receive
from tickets.models import Attachment, Message
from tickets.services import attachments

from .corpus import CRLF, base, mail, text

pytestmark = pytest.mark.django_db


def receive(raw: bytes) -> InboundEmail:
    inbound = inbound_receive(raw=raw, source=InboundEmail.Source.PIPE)
    inbound.refresh_from_db()
    assert inbound.raw.open("rb").read() == raw  # the original is always kept
    return inbound


def many_parts(count: int, size: int = 8) -> bytes:
    """A mixed message: a line of text, then ``count`` small .txt files."""
    boundary = "b0undary"
    headers = base("parts@customer.example", f"{count} files")
    headers["Content-Type"] = f'multipart/mixed; boundary="{boundary}"'
    chunks = [
        f"--{boundary}\nContent-Type: text/plain\n\nSee the {count} files.\n",
    ]
    chunks += [
        f"--{boundary}\nContent-Type: text/plain\n"
        f'Content-Disposition: attachment; filename="part-{index}.txt"\n\n'
        + "y" * size
        + "\n"
        for index in range(count)
    ]
    chunks.append(f"--{boundary}--\n")
    return mail(headers, "".join(chunks))


def counted_receive(raw: bytes) -> tuple[InboundEmail, dict[str, int]]:
    """Receive ``raw`` and count the work done: database queries, parses,
    files judged by the attachment service, and files stored."""
    with (
        CaptureQueriesContext(connection) as queries,
        mock.patch(
            "integrations.services.inbound.parse_email", wraps=parsing.parse_email
        ) as parse,
        mock.patch.object(
            attachments,
            "attachment_rejection_reason",
            wraps=attachments.attachment_rejection_reason,
        ) as judged,
        mock.patch.object(
            attachments, "_store_one", wraps=attachments._store_one
        ) as stored,
    ):
        inbound = receive(raw)
    return inbound, {
        "queries": len(queries),
        "parses": parse.call_count,
        "judged": judged.call_count,
        "stored": stored.call_count,
    }


# --- A body longer than a message may be -------------------------------------


def test_a_300000_character_body_is_kept_whole_as_a_text_file():
    lines = [f"line {index:06d} " + "z" * 87 for index in range(3_000)]
    body = "\n".join(lines)
    assert len(body) == 300_000 - 1
    inbound = receive(text("logs@customer.example", "Full log", body))

    assert inbound.status == "processed", inbound.error
    message = inbound.message
    assert len(message.body) <= 100_000
    assert message.body.startswith("line 000000 ")
    assert message.body.rstrip().endswith(
        "the full text is attached as full-message.txt.]"
    )
    assert "299,999 characters long" in message.body
    kept = message.attachments.get()
    assert kept.original_name == "full-message.txt"
    assert kept.file.open("rb").read().decode("utf-8") == body  # whole, not cut
    assert "body of 299,999 characters attached whole" in inbound.outcome


def test_the_body_cap_follows_the_message_setting(settings):
    settings.MESSAGE_BODY_MAX_CHARS = 20_000
    body = "word " * 10_000
    inbound = receive(text("logs@customer.example", "Wordy", body))
    message = inbound.message
    assert len(message.body) <= 20_000
    assert message.attachments.get().file.open("rb").read().decode() == body.strip()


def test_an_html_body_too_long_to_convert_is_kept_whole():
    from integrations.html_text import MAX_HTML_CHARS

    markup = "<p>" + "Hello <b>there</b>. " * (MAX_HTML_CHARS // 20 + 1_000) + "</p>"
    headers = base("html@customer.example", "Huge newsletter reply")
    headers["Content-Type"] = 'text/html; charset="utf-8"'
    inbound = receive(mail(headers, markup))
    assert inbound.status == "processed", inbound.error
    message = inbound.message
    names = set(message.attachments.values_list("original_name", flat=True))
    assert names == {"full-message.txt", "full-message.html"}
    html = message.attachments.get(original_name="full-message.html")
    assert html.file.open("rb").read().decode() == markup
    assert "too long to convert whole" in message.intake_note


def test_a_body_within_the_cap_is_left_alone():
    body = "Short and sweet.\n" * 100
    inbound = receive(text("logs@customer.example", "Fine", body))
    assert inbound.message.body == body.strip()
    assert not inbound.message.attachments.exists()


# --- Thousands of parts ------------------------------------------------------


def test_an_email_with_3000_parts_keeps_the_first_files_and_says_so(settings):
    settings.ATTACHMENT_MAX_COUNT = 20
    inbound, work = counted_receive(many_parts(3_000))

    assert inbound.status == "processed", inbound.error
    message = inbound.message
    names = list(message.attachments.values_list("original_name", flat=True))
    assert names == [f"part-{index}.txt" for index in range(20)]
    assert message.intake_note.startswith(
        "2980 of the 3000 files in this email were set aside: a message keeps at "
        "most 20 files."
    )
    assert f"inbound email #{inbound.pk}" in message.intake_note
    assert "set aside 2980 file(s)" in inbound.outcome
    # Only the kept files are stored; the rest are never written anywhere.
    assert work["stored"] == 20, work
    assert work["parses"] == 1, work


def test_parts_cost_work_in_proportion_to_their_number(settings):
    """Eight times the parts: each file judged once, the same queries, the
    same files stored, and an agents' note of the same length (the names
    set aside are listed up to a cap, then counted)."""
    settings.ATTACHMENT_MAX_COUNT = 20
    receive(many_parts(50))  # the sender's first mail creates their account
    small, small_work = counted_receive(many_parts(500))
    large, large_work = counted_receive(many_parts(4_000))
    assert large.status == small.status == "processed", (small.error, large.error)
    # Each of the 3,500 more files is judged once (the kept 20 once more
    # when stored), never once per other file.
    assert large_work["judged"] - small_work["judged"] == 3_500, (
        small_work,
        large_work,
    )
    assert large_work["queries"] == small_work["queries"], (small_work, large_work)
    assert large_work["stored"] == small_work["stored"] == 20
    small_note, large_note = small.message.intake_note, large.message.intake_note
    assert len(large_note) < len(small_note) + 50, (len(small_note), len(large_note))


def test_more_parts_than_may_be_read_are_kept_and_reported(settings):
    settings.INBOUND_MAX_PARTS = 100
    inbound, work = counted_receive(many_parts(150))
    assert inbound.status == "failed"
    assert inbound.outcome == "Too many parts to process"
    assert "INBOUND_MAX_PARTS" in inbound.error
    assert not Message.objects.exists()
    assert work["parses"] == 0, "the parts were counted, not parsed"
    assert work["judged"] == work["stored"] == 0


def test_lines_that_only_look_like_boundaries_do_not_count(settings):
    settings.INBOUND_MAX_PARTS = 100
    body = "A SQL script:\n" + "-- a comment\nselect 1;\n" * 500
    inbound = receive(text("dba@customer.example", "Script", body))
    assert inbound.status == "processed", inbound.error
    assert "-- a comment" in inbound.message.body


def test_parts_nested_too_deeply_are_kept_and_reported():
    raw = b"From: deep@customer.example\r\nSubject: Deep\r\nMIME-Version: 1.0\r\n"
    for level in range(3_000):
        raw += (
            f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'
        ).encode()
    raw += b"Content-Type: text/plain\r\n\r\nhello\r\n"
    inbound = receive(raw)
    assert inbound.status == "failed"
    assert inbound.outcome == "Too deeply nested to process"


def test_files_past_the_total_size_are_set_aside(settings):
    settings.ATTACHMENT_MAX_TOTAL_SIZE = 2_000
    inbound = receive(many_parts(5, size=600))
    message = inbound.message
    assert message.attachments.count() == 3
    assert "2 of the 5 files" in message.intake_note
    assert "at most 2.0\xa0KB of files" in message.intake_note


def test_a_sender_over_the_quota_keeps_the_message_without_files(settings):
    settings.ATTACHMENT_USER_QUOTA = 1_000
    sender = UserFactory(email="parts@customer.example")
    first = receive(many_parts(3, size=300))
    assert first.message.attachments.count() == 3
    again = many_parts(4, size=300).replace(b"Message-ID: <", b"Message-ID: <2")
    second = receive(again)
    assert second.status == "processed", second.error
    assert second.message.author == sender
    assert second.message.attachments.count() == 0
    assert "the sender's storage for attachments is full" in (
        second.message.intake_note
    )
    assert Attachment.objects.count() == 3
    assert Message.objects.filter(author=sender).count() == 2


def test_the_raw_message_keeps_every_part():
    raw = many_parts(30)
    inbound = receive(raw)
    assert inbound.size == len(raw)
    assert raw.count(b'filename="part-') == 30
    assert CRLF.encode() in raw
