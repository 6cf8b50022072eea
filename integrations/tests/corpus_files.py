"""Files in inbound mail (issue 11, items 5-7): names and types, calendar
invites, Outlook winmail.dat, and the agents' list of files set aside.

Every input from the issue is here, with at least two variants of each kind.
"""

import struct
from email.message import EmailMessage
from email.policy import SMTP

from .corpus import PDF, PNG, Case, b64, base, mail, multipart, part

LONG_PDF = "report-" + "x" * 245 + ".pdf"  # 256 characters (issue 11)
LONG_PDF_EXE = "y" * 251 + ".pdf.exe"  # 259: was cut to "….pdf" and accepted
CJK_PDF = "\u5831\u544a" * 150 + ".pdf"  # 304 characters, 904 UTF-8 bytes


def with_files(sender: str, subject: str, files, body="Files attached.") -> bytes:
    """A text body and named attachments, names encoded the way Thunderbird
    and Outlook do (RFC 2231 for long or non-ASCII names)."""
    message = EmailMessage(policy=SMTP)
    for name, value in base(sender, subject).items():
        if name != "MIME-Version":
            message[name] = value
    message.set_content(body)
    for name, data, content_type in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype, subtype, filename=name)
    return message.as_bytes()


def named(*files):
    def build(w):
        return with_files("files@customer.example", "Files", list(files))

    return build


def unnamed(content_type: str, data: bytes, inline=False):
    def build(w):
        extra = {"Content_ID": "<pic@x>"} if inline else {}
        return multipart(
            base("unnamed@customer.example", f"Unnamed {content_type}"),
            "mixed",
            [
                part('text/plain; charset="utf-8"', "See the attached file."),
                part(
                    content_type,
                    b64(data),
                    Content_Transfer_Encoding="base64",
                    Content_Disposition="inline" if inline else "attachment",
                    **extra,
                ),
            ],
        )

    return build


# --- Calendar invites (RFC 5545) -----------------------------------------------


def ics(method="REQUEST", summary="Quarterly review", extra="") -> str:
    return (
        "BEGIN:VCALENDAR\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\n"
        f"VERSION:2.0\nMETHOD:{method}\n"
        "BEGIN:VTIMEZONE\nTZID:Europe/Berlin\nBEGIN:STANDARD\n"
        "DTSTART:16011028T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\n"
        "END:STANDARD\nEND:VTIMEZONE\n"
        "BEGIN:VEVENT\nUID:040000008200E00074C5B7101A82E008@customer.example\n"
        f"SUMMARY:{summary}\n"
        "DTSTART;TZID=Europe/Berlin:20261203T140000\n"
        "DTEND;TZID=Europe/Berlin:20261203T150000\n"
        "LOCATION:Room 4.12\\, Main building\n"
        'ORGANIZER;CN="Ann Smith":mailto:ann@customer.example\n'
        f"{extra}END:VEVENT\nEND:VCALENDAR\n"
    )


def invite_alone(method="REQUEST", summary="Quarterly review"):
    def build(w):
        headers = base("ann@customer.example", f"Invitation: {summary}")
        headers["Content-Type"] = f'text/calendar; charset="utf-8"; method={method}'
        return mail(headers, ics(method, summary))

    return build


def invite_beside_text(w):
    return multipart(
        base("ann@customer.example", "Invitation: Onboarding call"),
        "alternative",
        [
            part('text/plain; charset="utf-8"', "Let us talk about the onboarding."),
            part(
                'text/calendar; charset="utf-8"; method=REQUEST',
                ics(summary="Onboarding call"),
            ),
        ],
    )


def invite_as_named_file(w):
    return multipart(
        base("ann@customer.example", "Meeting"),
        "mixed",
        [
            part(
                'application/ics; name="meeting.ics"',
                b64(ics(summary="Budget planning").encode()),
                Content_Transfer_Encoding="base64",
                Content_Disposition='attachment; filename="meeting.ics"',
            ),
        ],
    )


def invite_broken(w):
    headers = base("ann@customer.example", "Broken invite")
    headers["Content-Type"] = 'text/calendar; charset="utf-8"; method=REQUEST'
    return mail(headers, "BEGIN:VCALENDAR\nthis is not ical\nEND:VCALENDAR\n")


# --- winmail.dat ([MS-OXTNEF]) -------------------------------------------------


def _tnef_object(level: int, name: int, kind: int, data: bytes) -> bytes:
    """One TNEF attribute: level, id, type, length, data, 16-bit checksum."""
    header = struct.pack("<BHHI", level, name, kind, len(data))
    return header + data + struct.pack("<H", sum(data) & 0xFFFF)


def winmail(files, body: str = "") -> bytes:
    """A winmail.dat as Outlook writes one: signature, version, the body
    (attBody) and per file attAttachRendData, attAttachTitle, attAttachData."""
    out = struct.pack("<IH", 0x223E9F78, 1)
    out += _tnef_object(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))
    if body:
        out += _tnef_object(1, 0x800C, 0x0002, body.encode("cp1252"))
    for name, data in files:
        out += _tnef_object(2, 0x9002, 0x0006, b"\x01\x00" + b"\x00" * 12)
        out += _tnef_object(2, 0x8010, 0x0001, name.encode() + b"\x00")
        out += _tnef_object(2, 0x800F, 0x0006, data)
    return out


def outlook_tnef(data: bytes, text_body: str | None = "See attached."):
    def build(w):
        parts = []
        if text_body is not None:
            parts.append(part('text/plain; charset="utf-8"', text_body))
        parts.append(
            part(
                'application/ms-tnef; name="winmail.dat"',
                b64(data),
                Content_Transfer_Encoding="base64",
                Content_Disposition='attachment; filename="winmail.dat"',
            )
        )
        return multipart(
            base("outlook@customer.example", "From Outlook"), "mixed", parts
        )

    return build


def too_many_files(w):
    files = [
        (f"log-{n:02}.txt", f"line {n}\n".encode(), "text/plain") for n in range(22)
    ]
    return with_files("many@customer.example", "Logs", files)


NOTE_EXE = "files of type .exe are not accepted"

CASES = [
    # Item 5: names and types, checked whole, shortened keeping the type.
    Case(
        "file_name_256_chars_pdf",
        named((LONG_PDF, PDF, "application/pdf")),
        "new",
        attachment_names=("report-" + "x" * 244 + ".pdf",),
    ),
    Case(
        "file_name_cjk_long_pdf",
        named((CJK_PDF, PDF, "application/pdf")),
        "new",
        attachment_names=("\u5831\u544a" * 41 + "\u5831" + ".pdf",),
    ),
    Case(
        "file_name_251_pdf_exe",
        named((LONG_PDF_EXE, b"MZ\x90\x00", "application/octet-stream")),
        "new",
        attachment_names=(),
        notes_have=("y" * 251 + ".exe", NOTE_EXE),
    ),
    Case(
        "file_name_pdf_exe_short",
        named(("scan.pdf.exe", b"MZ\x90\x00", "application/octet-stream")),
        "new",
        attachment_names=(),
        notes_have=("scan.pdf.exe", NOTE_EXE),
    ),
    Case(
        "file_name_exe_hidden_before_pdf",
        named(("invoice.exe.pdf", PDF, "application/pdf")),
        "new",
        attachment_names=(),
        notes_have=("invoice.exe.pdf", "its name hides a .exe file behind .pdf"),
    ),
    Case(
        "file_name_bidi_override_exe",
        named(("\u202egpj.exe", b"MZ\x90\x00", "application/octet-stream")),
        "new",
        attachment_names=(),
        notes_have=("gpj.exe: " + NOTE_EXE,),
    ),
    Case(
        "file_name_bidi_override_js",
        named(("photo\u202egnp.js", b"alert(1)", "application/javascript")),
        "new",
        attachment_names=(),
        notes_have=("photognp.js: files of type .js are not accepted",),
    ),
    Case(
        "file_name_zero_width_space_kept",
        named(("report\u200b.pdf", PDF, "application/pdf")),
        "new",
        attachment_names=("report.pdf",),
    ),
    Case(
        "file_name_trailing_dots_exe",
        named(("tool.exe. . ", b"MZ\x90\x00", "application/octet-stream")),
        "new",
        attachment_names=(),
        notes_have=("tool.exe: " + NOTE_EXE,),
    ),
    Case(
        "file_name_trailing_dots_txt",
        named(("notes.txt...", b"notes", "text/plain")),
        "new",
        attachment_names=("notes.txt",),
    ),
    Case(
        "file_name_windows_path",
        named(("C:\\Users\\bob\\Desktop\\report.pdf", PDF, "application/pdf")),
        "new",
        attachment_names=("report.pdf",),
    ),
    Case(
        "file_name_dot_dot_path",
        named(("../../etc/passwd.txt", b"root", "text/plain")),
        "new",
        attachment_names=("passwd.txt",),
    ),
    Case(
        "unnamed_csv",
        unnamed("text/csv", b"a,b\n1,2\n"),
        "new",
        attachment_names=("part-1.csv",),
    ),
    Case(
        "unnamed_docx",
        unnamed(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK\x03\x04docx",
        ),
        "new",
        attachment_names=("part-1.docx",),
    ),
    Case(
        "unnamed_zip",
        unnamed("application/zip", b"PK\x03\x04zip"),
        "new",
        attachment_names=("part-1.zip",),
    ),
    Case(
        "unnamed_webp_inline",
        unnamed("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", inline=True),
        "new",
        attachment_names=("inline-1.webp",),
    ),
    Case(
        "unnamed_png_still_png",
        unnamed("image/png", PNG),
        "new",
        attachment_names=("part-1.png",),
    ),
    # Item 6: calendar invites and winmail.dat.
    Case(
        "invite_alone",
        invite_alone(),
        "new",
        body_has=(
            "Meeting invitation: Quarterly review",
            "When: 2026-12-03 14:00\u201315:00 (Europe/Berlin)",
            "Where: Room 4.12, Main building",
            "Organizer: Ann Smith <ann@customer.example>",
        ),
        body_lacks=("BEGIN:VCALENDAR",),
        attachment_names=("invite.ics",),
    ),
    Case(
        "invite_cancelled",
        invite_alone(method="CANCEL", summary="Weekly sync"),
        "new",
        body_has=("Meeting cancelled: Weekly sync", "Organizer: Ann Smith"),
        body_lacks=("BEGIN:VCALENDAR",),
        attachment_names=("invite.ics",),
    ),
    Case(
        "invite_beside_plain_text",
        invite_beside_text,
        "new",
        body_has=("Let us talk about the onboarding.",),
        body_lacks=("BEGIN:VCALENDAR", "Meeting invitation"),
        attachment_names=("invite.ics",),
    ),
    Case(
        "invite_named_application_ics",
        invite_as_named_file,
        "new",
        body_has=("Meeting invitation: Budget planning", "When: 2026-12-03 14:00"),
        attachment_names=("meeting.ics",),
    ),
    Case(
        "invite_malformed_kept_and_noted",
        invite_broken,
        "new",
        body_lacks=("BEGIN:VCALENDAR",),
        attachment_names=("invite.ics",),
        notes_have=("invite.ics could not be read as a calendar invite",),
    ),
    Case(
        "winmail_dat_unpacked",
        outlook_tnef(winmail([("report.pdf", PDF), ("notes.txt", b"Some notes")])),
        "new",
        body_has=("See attached.",),
        attachment_names=("report.pdf", "notes.txt"),
    ),
    Case(
        "winmail_dat_body_only_source",
        outlook_tnef(
            winmail([("scan.png", PNG)], body="Bonjour, voil\u00e0 le scan."),
            text_body=None,
        ),
        "new",
        body_has=("Bonjour, voil\u00e0 le scan.",),
        attachment_names=("scan.png",),
    ),
    Case(
        "winmail_dat_with_refused_exe",
        outlook_tnef(winmail([("setup.exe", b"MZ\x90\x00"), ("readme.txt", b"hi")])),
        "new",
        attachment_names=("readme.txt",),
        notes_have=("setup.exe: " + NOTE_EXE,),
    ),
    Case(
        "winmail_dat_corrupt",
        outlook_tnef(b"this is not TNEF at all" * 4),
        "new",
        attachment_names=(),
        notes_have=("winmail.dat: an Outlook winmail.dat that could not be unpacked",),
    ),
    # Item 7: every file set aside is named for agents, with its reason.
    Case(
        "refused_files_named_for_agents",
        named(
            ("tool.exe", b"MZ\x90\x00", "application/octet-stream"),
            ("macro.vbs", b"MsgBox 1", "text/plain"),
            ("ok.txt", b"fine", "text/plain"),
        ),
        "new",
        attachment_names=("ok.txt",),
        notes_have=(
            "tool.exe: " + NOTE_EXE,
            "macro.vbs: files of type .vbs are not accepted",
            "can be downloaded from this message",
        ),
    ),
    Case(
        "too_many_files_named_for_agents",
        too_many_files,
        "new",
        attachments=20,
        notes_have=(
            "log-20.txt: a message keeps at most 20 files",
            "log-21.txt: a message keeps at most 20 files",
        ),
    ),
]
