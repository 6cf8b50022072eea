"""Inputs built to break the inbound half of issue 11, each kind with its
expected outcome: labels that lie in ways the issue's list did not name,
unlabelled CJK text short enough to fool a detector, encoded words split
across differently spelled labels, text parts a mail program places after
an attachment, winmail.dat files with more files than are unpacked, and
replies whose own text only looks like a quote header."""

import struct

from .corpus import PDF, PNG, Case, b64, base, mail, multipart, part
from .corpus_charsets import NO_REPLACEMENT, body_mail, raw_mail, word
from .corpus_files import _tnef_object, ics, outlook_tnef, winmail

UTF8_GERMAN = "Grüße aus Köln – die Rechnung über 5 € ist falsch."


def labelled_utf8(label: str):
    """UTF-8 text under a single-byte label that is not Windows-1252: web
    forms and scripts that stamp their configured charset on any text."""

    def build(w):
        return body_mail(
            f"label-{label}@customer.example",
            f"Label {label}",
            UTF8_GERMAN.encode(),
            f'text/plain; charset="{label}"',
        )

    return build


def utf8_under(label: str, text: str):
    """UTF-8 text under a multi-byte label (a web form or script stamping
    its configured charset on any text), subject included."""

    def build(w):
        headers = base(f"cjk-{label}@customer.example", "placeholder")
        headers["Content-Type"] = f'text/plain; charset="{label}"'
        headers["Content-Transfer-Encoding"] = "8bit"
        subject = word(label, text.encode(), "B").encode()
        return raw_mail(headers, text.encode(), subject=subject)

    return build


def html_meta_lies(w):
    """An HTML body without a label whose <meta> says gb2312 over UTF-8."""
    headers = base("meta@customer.example", "Meta charset")
    headers["Content-Type"] = "text/html"
    headers["Content-Transfer-Encoding"] = "8bit"
    html = (
        '<html><head><meta charset="gb2312"></head><body><p>您好，我的打印机坏了。</p>'
    )
    return raw_mail(headers, html.encode())


def bom_reply(label: str):
    """A reply whose UTF-8 body starts with a byte order mark (Windows
    Notepad, some web forms): the mark is not text, and the attribution
    right after it must still be seen."""

    def build(w):
        headers = base(w.customer, f"Re: [#{w.ticket_number}] Printer")
        headers["In-Reply-To"] = w.our_message_id
        headers["Content-Type"] = f'text/plain; charset="{label}"'
        headers["Content-Transfer-Encoding"] = "8bit"
        body = "\ufeffGrüße, es geht wieder.\n\n> Starten Sie neu.\n"
        return raw_mail(headers, body.encode())

    return build


def raw_subject(name: str, text: str, codec: str):
    """A raw 8-bit Subject without any label, in the sender's code page."""

    def build(w):
        headers = base(f"subject-{name}@customer.example", "placeholder")
        headers["Content-Type"] = 'text/plain; charset="utf-8"'
        return raw_mail(headers, b"See the subject.\n", subject=text.encode(codec))

    return build


def unlabelled(name: str, text: str, codec: str):
    def build(w):
        return body_mail(
            f"nolabel-{name}@customer.example",
            f"No label {name}",
            text.encode(codec),
            "text/plain",
        )

    return build


def split_word_subject(w):
    """One character split across two encoded words whose labels are spelled
    differently (``UTF-8`` then ``utf8``): the bytes belong together."""
    headers = base("split@customer.example", "placeholder")
    headers["Content-Type"] = 'text/plain; charset="utf-8"'
    data = "Grüße".encode()
    subject = f"{word('UTF-8', data[:3], 'Q')} {word('utf8', data[3:], 'Q')}"
    return raw_mail(headers, b"See the subject.\n", subject=subject.encode())


def single_quoted_label(w):
    """``charset='koi8-r'``: single quotes, which the email package drops
    along with the label; a short Russian text cannot be guessed instead."""
    return body_mail(
        "quoted-label@customer.example",
        "Quoted label",
        "Счёт неверный".encode("koi8_r"),
        "text/plain; charset='koi8-r'",
    )


def text_after_image(w):
    """Apple Mail puts an inline picture between two text parts of a
    multipart/mixed message: both texts are the customer's."""
    return multipart(
        base("apple@customer.example", "Picture in the middle"),
        "mixed",
        [
            part('text/plain; charset="utf-8"', "The error appears here:"),
            part(
                'image/png; name="shot.png"',
                b64(PNG),
                Content_Transfer_Encoding="base64",
                Content_Disposition='inline; filename="shot.png"',
            ),
            part(
                'text/plain; charset="utf-8"',
                "Serial number of the device: X-4471.",
            ),
        ],
    )


def html_beside_plain(w):
    """A plain part and an HTML part side by side in multipart/mixed (not
    alternatives of each other): the HTML part holds more of the message."""
    return multipart(
        base("mixed-html@customer.example", "Table below"),
        "mixed",
        [
            part('text/plain; charset="utf-8"', "The failing jobs are below."),
            part(
                'text/html; charset="utf-8"',
                "<table><tr><td>Job 7781</td><td>failed</td></tr></table>",
            ),
        ],
    )


def unknown_text_types(w):
    """Unnamed text parts of types no table knows: text all the same (RFC
    2046 section 4.1.4 reads unknown text subtypes as text/plain)."""
    return multipart(
        base("md@customer.example", "Notes and log"),
        "mixed",
        [
            part('text/plain; charset="utf-8"', "Notes and the log are attached."),
            part('text/markdown; charset="utf-8"', "# Steps\n\n1. Print"),
            part('text/x-log; charset="utf-8"', "10:00 ERROR 42"),
        ],
    )


def odd_boundary(content_type: str, boundary: str):
    """A boundary parameter as broken mailers write it: unquoted with "=" in
    it, or in single quotes. The parts must still be found."""

    def build(w):
        headers = base("boundary@customer.example", "Odd boundary")
        headers["Content-Type"] = content_type
        body = (
            f"--{boundary}\n"
            'Content-Type: text/plain; charset="utf-8"\n\n'
            "The invoice is attached.\n"
            f"--{boundary}\n"
            'Content-Type: application/pdf; name="invoice.pdf"\n'
            "Content-Transfer-Encoding: base64\n"
            'Content-Disposition: attachment; filename="invoice.pdf"\n\n'
            f"{b64(PDF)}\n"
            f"--{boundary}--\n"
        )
        return raw_mail(headers, body.encode())

    return build


def alternative_then_pdf(w):
    """The usual shape: only one of the alternatives is the body."""
    return multipart(
        base("alt-pdf@customer.example", "Alternative and a PDF"),
        "mixed",
        [
            part(
                'multipart/alternative; boundary="alt1"',
                "--alt1\n"
                'Content-Type: text/plain; charset="utf-8"\n\n'
                "Plain version of the text.\n"
                "--alt1\n"
                'Content-Type: text/html; charset="utf-8"\n\n'
                "<p>HTML version of the text.</p>\n"
                "--alt1--",
            ),
            part(
                'application/pdf; name="a.pdf"',
                b64(PDF),
                Content_Transfer_Encoding="base64",
                Content_Disposition='attachment; filename="a.pdf"',
            ),
        ],
    )


def invite_in(label: str | None, summary: str, codec: str):
    """A calendar-only message whose invite is written in ``codec``."""

    def build(w):
        headers = base(f"invite-{codec}@customer.example", "Invitation")
        charset = f'; charset="{label}"' if label else ""
        headers["Content-Type"] = f"text/calendar{charset}; method=REQUEST"
        headers["Content-Transfer-Encoding"] = "base64"
        data = ics(summary=summary).replace("\n", "\r\n").encode(codec)
        return raw_mail(headers, b64(data).encode())

    return build


def winmail_named(names: list[bytes], codepage: int | None) -> bytes:
    """A winmail.dat whose file titles are bytes in the sender's code page
    (attOemCodepage, when given), as a Chinese or German Outlook writes them."""
    out = struct.pack("<IH", 0x223E9F78, 1)
    out += _tnef_object(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))
    if codepage:
        out += _tnef_object(1, 0x9007, 0x000B, struct.pack("<II", codepage, 0))
    for name in names:
        out += _tnef_object(2, 0x9002, 0x0006, b"\x01\x00" + b"\x00" * 12)
        out += _tnef_object(2, 0x8010, 0x0001, name + b"\x00")
        out += _tnef_object(2, 0x800F, 0x0006, PDF)
    return out


TNEF_FILES = 130


def _tnef_names_listed(message, inbound):
    stored = message.attachments.count()
    note = message.intake_note
    listed = note.count("- tnef-") + (
        int(note.split("- and ")[1].split(" more")[0]) if "- and " in note else 0
    )
    # Every file the winmail.dat carried is stored or listed for agents.
    assert stored + listed == TNEF_FILES, (stored, listed, note[:300])


def reply(body: str):
    def build(w):
        return mail(
            base(
                w.customer,
                f"Re: [#{w.ticket_number}] Printer",
                In_Reply_To=w.our_message_id,
                References=w.our_message_id,
                Content_Type='text/plain; charset="utf-8"',
            ),
            body,
        )

    return build


CASES = [
    # A single-byte label other than Windows-1252 over UTF-8 text.
    *(
        Case(
            f"attack_utf8_labelled_{label}",
            labelled_utf8(label),
            "new",
            body_has=(UTF8_GERMAN,),
            body_lacks=NO_REPLACEMENT,
        )
        for label in ("iso-8859-15", "iso-8859-2", "windows-1250", "koi8-r")
    ),
    # UTF-8 under a multi-byte label, body and subject.
    *(
        Case(
            f"attack_utf8_under_{label}",
            utf8_under(label, text),
            "new",
            body_has=(text,),
            subject=text,
        )
        for label, text in (
            ("gb2312", "您好，我的打印机坏了"),
            ("shift_jis", "こんにちは、プリンターが壊れました"),
            ("big5", "請問發票什麼時候寄出"),
        )
    ),
    *(
        Case(
            f"attack_bom_under_{label}",
            bom_reply(label),
            "reply",
            body_has=("Grüße, es geht wieder.",),
            body_lacks=("\ufeff", "Starten Sie neu."),
        )
        for label in ("utf-8", "iso-8859-1", "gb2312")
    ),
    Case(
        "attack_html_meta_charset_lies",
        html_meta_lies,
        "new",
        body_has=("您好，我的打印机坏了。",),
    ),
    # Short unlabelled CJK text: not half-width katakana, not UTF-16.
    Case(
        "attack_unlabelled_gbk_short",
        unlabelled("gbk", "我的账户无法登录", "gbk"),
        "new",
        body_has=("我的账户无法登录",),
    ),
    Case(
        "attack_unlabelled_gbk_rare_char",
        unlabelled("gbk2", "镕 中文的测试 文本", "gbk"),
        "new",
        body_has=("镕 中文的测试 文本",),
    ),
    Case(
        "attack_unlabelled_big5",
        unlabelled("big5", "請問發票什麼時候寄出？", "big5"),
        "new",
        body_has=("請問發票什麼時候寄出？",),
    ),
    Case(
        "attack_unlabelled_shift_jis_still_japanese",
        unlabelled("sjis", "お世話になっております。", "cp932"),
        "new",
        body_has=("お世話になっております。",),
    ),
    # Raw 8-bit subjects in Central European and Cyrillic code pages.
    *(
        Case(
            f"attack_raw_subject_{name}",
            raw_subject(name, text, codec),
            "new",
            subject=text,
        )
        for name, text, codec in (
            ("polish_cp1250", "Zażółć gęślą", "cp1250"),
            ("russian_cp1251", "Ошибка печати", "cp1251"),
        )
    ),
    Case(
        "attack_encoded_words_split_across_label_spellings",
        split_word_subject,
        "new",
        subject="Grüße",
    ),
    Case(
        "attack_single_quoted_charset_label",
        single_quoted_label,
        "new",
        body_has=("Счёт неверный",),
    ),
    # Every text part the customer wrote is kept.
    Case(
        "attack_text_after_inline_image",
        text_after_image,
        "new",
        body_has=("The error appears here:", "Serial number of the device: X-4471."),
        attachment_names=("shot.png",),
    ),
    Case(
        "attack_html_part_beside_plain",
        html_beside_plain,
        "new",
        body_has=("The failing jobs are below.", "Job 7781"),
    ),
    Case(
        "attack_unknown_text_types_are_text_files",
        unknown_text_types,
        "new",
        attachment_names=("part-1.txt", "part-2.txt"),
    ),
    *(
        Case(
            f"attack_boundary_{name}",
            odd_boundary(content_type, boundary),
            "new",
            body_has=("The invoice is attached.",),
            body_lacks=("Content-Type",),
            attachment_names=("invoice.pdf",),
        )
        for name, content_type, boundary in (
            (
                "unquoted_with_equals",
                "multipart/mixed; boundary=----=_NextPart_000_0001_01DB",
                "----=_NextPart_000_0001_01DB",
            ),
            ("single_quoted", "multipart/mixed; boundary='b-77'", "b-77"),
        )
    ),
    Case(
        "attack_alternatives_stay_one_body",
        alternative_then_pdf,
        "new",
        body_has=("Plain version of the text.",),
        body_lacks=("HTML version",),
        attachment_names=("a.pdf",),
    ),
    # An invite in another charset than UTF-8: its summary is the body.
    Case(
        "attack_invite_in_gb2312",
        invite_in("gb2312", "季度会议", "gbk"),
        "new",
        body_has=("Meeting invitation: 季度会议",),
        body_lacks=NO_REPLACEMENT,
        attachment_names=("invite.ics",),
    ),
    Case(
        "attack_invite_unlabelled_windows_1252",
        invite_in(None, "Besprechung – Grüße", "cp1252"),
        "new",
        body_has=("Meeting invitation: Besprechung – Grüße",),
        body_lacks=NO_REPLACEMENT,
        attachment_names=("invite.ics",),
    ),
    # A winmail.dat with more files than are unpacked: none vanish.
    Case(
        "attack_winmail_with_too_many_files",
        outlook_tnef(
            winmail(
                [
                    (f"tnef-{n:03}.txt", f"file {n}\n".encode())
                    for n in range(TNEF_FILES)
                ]
            )
        ),
        "new",
        check=_tnef_names_listed,
    ),
    # winmail.dat file names in the sender's code page, not UTF-8.
    Case(
        "attack_winmail_gbk_names_with_codepage",
        outlook_tnef(winmail_named(["报告.pdf".encode("gbk")], 936)),
        "new",
        attachment_names=("报告.pdf",),
    ),
    Case(
        "attack_winmail_latin1_names_without_codepage",
        outlook_tnef(winmail_named(["Grüße.pdf".encode("cp1252"), b"plain.pdf"], None)),
        "new",
        attachment_names=("Grüße.pdf", "plain.pdf"),
    ),
    # A reply's own sentence that only looks like an attribution.
    Case(
        "attack_reply_sentence_ending_wrote",
        reply(
            "Hi,\nI emailed billing@acme.example and they wrote:\n"
            '"we cannot refund you"\nPlease help, this is wrong.'
        ),
        "reply",
        body_has=("we cannot refund you", "Please help, this is wrong."),
    ),
    Case(
        "attack_reply_german_sentence_with_schrieb",
        reply(
            "Guten Tag,\nam Montag schrieb mir Ihr Kollege:\n"
            '"Wir melden uns morgen."\nDas ist nicht passiert.'
        ),
        "reply",
        body_has=("Wir melden uns morgen.", "Das ist nicht passiert."),
    ),
    Case(
        "attack_reply_german_attribution_still_cut",
        reply(
            "Danke, es geht wieder.\n\nAm 24.11.2026 um 10:15 schrieb Agent "
            "<agent@helpdesk.example>:\n> Starten Sie neu."
        ),
        "reply",
        body_has=("Danke, es geht wieder.",),
        body_lacks=("Starten Sie neu.",),
    ),
    Case(
        "attack_reply_real_gmail_attribution_still_cut",
        reply(
            "Done, it prints again.\n\nAlice Smith <alice@acme.example> wrote:\n"
            "> Restart it."
        ),
        "reply",
        body_has=("Done, it prints again.",),
        body_lacks=("Restart it.",),
    ),
]
