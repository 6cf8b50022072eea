"""Realistic inbound messages, written out as raw MIME the way mail programs
send them, each with the outcome processing must reach.

A case's ``build(world)`` returns the bytes; ``world`` holds the ticket,
people and Message-IDs the replies refer to.
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass

CRLF = "\r\n"


@dataclass
class World:
    ticket_number: int
    closed_number: int
    our_message_id: str  # an agent reply we sent about ticket_number
    instance_id: str
    agent_notice_id: str = ""  # the new-ticket email we sent to the agent
    customer: str = "alice@acme.example"
    colleague: str = "bob@acme.example"
    agent: str = "agent@helpdesk.example"
    stranger: str = "mallory@evil.example"
    inactive: str = "gone@acme.example"
    trusted_mx: str = "mx.helpdesk.example"  # INBOUND_TRUSTED_AUTHSERV_IDS


@dataclass
class Case:
    name: str
    build: Callable[[World], bytes]
    outcome: str  # new | reply | follow_up | ignored | failed | suspended
    body_has: tuple[str, ...] = ()
    body_lacks: tuple[str, ...] = ()
    subject: str | None = None
    attachments: int | None = None
    author: str | None = None  # which world address wrote the message
    internal: bool = False
    verification: str | None = None  # pass | fail | none, on inbound and message
    # Exact names of the stored attachments, in any order.
    attachment_names: tuple[str, ...] | None = None
    # Text that must appear in the ticket's internal system notes (set-aside files).
    notes_have: tuple[str, ...] = ()
    # Any further check: called as check(message, inbound) after the others.
    check: Callable | None = None


def mail(headers: dict, body: str) -> bytes:
    lines = [f"{name}: {value}" for name, value in headers.items()]
    return (CRLF.join(lines) + CRLF + CRLF + body.replace("\n", CRLF)).encode(
        "utf-8", errors="surrogateescape"
    )


def base(sender: str, subject: str, message_id: str | None = "default", **extra):
    headers = {
        "Return-Path": f"<{sender}>",
        "From": f"Sender Name <{sender}>",
        "To": "Support <support@helpdesk.example>",
        "Subject": subject,
        "Date": "Tue, 24 Nov 2026 10:15:00 +0100",
    }
    if message_id:
        headers["Message-ID"] = (
            f"<{abs(hash((sender, subject)))}@mail.example>"
            if message_id == "default"
            else message_id
        )
    headers["MIME-Version"] = "1.0"
    headers.update(extra)
    return headers


def text(sender, subject, body, charset="utf-8", message_id="default", **extra):
    headers = base(sender, subject, message_id, **extra)
    headers["Content-Type"] = f'text/plain; charset="{charset}"'
    headers["Content-Transfer-Encoding"] = "8bit"
    raw = CRLF.join(f"{k}: {v}" for k, v in headers.items()).encode() + b"\r\n\r\n"
    return raw + body.replace("\n", "\r\n").encode(charset)


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
    "hKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def b64(data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def multipart(headers: dict, subtype: str, parts: list[str], boundary="b0undary"):
    headers = dict(headers)
    headers["Content-Type"] = f'multipart/{subtype}; boundary="{boundary}"'
    body = "This is a multi-part message in MIME format.\n"
    for part in parts:
        body += f"--{boundary}\n{part}\n"
    body += f"--{boundary}--\n"
    return mail(headers, body)


def part(content_type: str, payload: str, **headers) -> str:
    lines = [f"Content-Type: {content_type}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\n".join(lines) + "\n\n" + payload


# --- New requests -----------------------------------------------------------


def plain_new(w):
    return text(
        "newbie@customer.example",
        "Cannot print invoices",
        "Hello,\n\nthe invoice page prints blank sheets since Monday.\n\nThanks,\nNina",
    )


def alternative(w):
    return multipart(
        base("carol@customer.example", "Export fails"),
        "alternative",
        [
            part('text/plain; charset="utf-8"', "Export to CSV fails with error 42."),
            part(
                'text/html; charset="utf-8"',
                "<html><body><p>Export to <b>CSV</b> fails with error 42.</p>"
                "</body></html>",
            ),
        ],
    )


def html_only(w):
    headers = base("dave@customer.example", "Dashboard broken")
    headers["Content-Type"] = 'text/html; charset="utf-8"'
    return mail(
        headers,
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><p>The dashboard is empty.<br>Since the update.</p>"
        '<p>See <a href="https://status.example.com/x">the status page</a>.</p>'
        "<ul><li>Chrome</li><li>Firefox</li></ul></body></html>",
    )


def with_pdf(w):
    return multipart(
        base("erin@customer.example", "Invoice question"),
        "mixed",
        [
            part('text/plain; charset="utf-8"', "Please see the attached invoice."),
            part(
                'application/pdf; name="invoice 2291.pdf"',
                b64(PDF),
                Content_Transfer_Encoding="base64",
                Content_Disposition='attachment; filename="invoice 2291.pdf"',
            ),
        ],
    )


def inline_image(w):
    return multipart(
        base("frank@customer.example", "Screenshot of the error"),
        "related",
        [
            part(
                'text/html; charset="utf-8"',
                '<p>The error looks like this:</p><img src="cid:shot1@x">',
            ),
            part(
                "image/png",
                b64(PNG),
                Content_Transfer_Encoding="base64",
                Content_ID="<shot1@x>",
                Content_Disposition="inline",
            ),
        ],
        boundary="rel",
    )


def latin1(w):
    return text(
        "gabi@kunde.example",
        "Frage zur Rechnung",
        "Sehr geehrte Damen und Herren,\n\ndie Rechnung ist zu hoch.\n\n"
        "Mit freundlichen Grüßen\nGabi Müller",
        charset="iso-8859-1",
    )


def windows1252(w):
    return text(
        "hugo@client.example",
        "Quotes broken",
        "The label says \u201cSave\u201d \u2013 but nothing happens\u2026",
        charset="windows-1252",
    )


def japanese(w):
    return text(
        "ichiro@kaisha.example",
        "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=",
        "\u3053\u3093\u306b\u3061\u306f\u3002\u30ed\u30b0\u30a4\u30f3"
        "\u3067\u304d\u307e\u305b\u3093\u3002",
        charset="iso-2022-jp",
    )


def encoded_subject(w):
    return text(
        "jane@customer.example",
        "=?UTF-8?B?UmVjaG51bmcgw7xiZXJmw6RsbGlnIOKAkyBicmF1Y2hlIEhpbGZl?=",
        "Please help.",
    )


def encoded_subject_q(w):
    return text(
        "kai@customer.example",
        "=?iso-8859-1?Q?Probl=E8me_de_connexion?=",
        "Je ne peux pas me connecter.",
    )


def no_message_id(w):
    return text(
        "lena@customer.example",
        "No id here",
        "A message without a Message-ID.",
        message_id=None,
    )


def huge_body(w):
    return text(
        "max@customer.example",
        "Log dump",
        "Start of the log\n" + ("x" * 99 + "\n") * 15_000,
    )


def broken_mime(w):
    headers = base("nora@customer.example", "Broken mail program")
    headers["Content-Type"] = "multipart/mixed"  # no boundary at all
    return mail(headers, "--zzz\nContent-Type: text/plain\n\nHello despite it all\n")


def garbage(w):
    return b"\x00\x01\xff\xfe not an email at all \x89PNG\r\n\x1a\n" * 20


def only_attachment(w):
    return multipart(
        base("olga@customer.example", "Scan"),
        "mixed",
        [
            part(
                "image/png",
                b64(PNG),
                Content_Transfer_Encoding="base64",
                Content_Disposition='attachment; filename="scan.png"',
            )
        ],
    )


def refused_attachment(w):
    return multipart(
        base("pete@customer.example", "Tool crashes"),
        "mixed",
        [
            part('text/plain; charset="utf-8"', "The tool crashes, binary attached."),
            part(
                "application/octet-stream",
                b64(b"MZ\x90\x00binary"),
                Content_Transfer_Encoding="base64",
                Content_Disposition='attachment; filename="tool.exe"',
            ),
        ],
    )


def forwarded_message(w):
    return multipart(
        base("quinn@customer.example", "Fwd: strange email"),
        "mixed",
        [
            part('text/plain; charset="utf-8"', "Is this one from you?"),
            part(
                "message/rfc822",
                "From: someone@x.example\nSubject: Hi\n\nClick here",
                Content_Disposition="attachment",
            ),
        ],
    )


# --- Mail no ticket should come from ----------------------------------------


def out_of_office(w):
    return text(
        w.customer,
        f"Automatic reply: [#{w.ticket_number}] Re: Help",
        "I am out of the office until Monday.",
        **{"Auto-Submitted": "auto-replied"},
    )


def x_autoreply(w):
    return text(
        "vacation@customer.example", "Away", "On holiday.", **{"X-Autoreply": "yes"}
    )


def newsletter(w):
    return text(
        "news@shop.example",
        "Our November deals",
        "50% off everything!",
        Precedence="bulk",
    )


def bounce_report(w):
    return multipart(
        base(
            "MAILER-DAEMON@mx.example",
            "Undelivered Mail Returned to Sender",
            **{"Return-Path": "<>"},
        ),
        'report; report-type="delivery-status"',
        [
            part("text/plain", "Your message could not be delivered to a@x.example."),
            part(
                "message/delivery-status",
                "Reporting-MTA: dns; mx.example\n\n"
                "Final-Recipient: rfc822; a@x.example\nAction: failed\nStatus: 5.1.1",
            ),
            part(
                "text/rfc822-headers",
                f"Message-ID: {w.our_message_id}\nSubject: [#{w.ticket_number}] Re: x",
            ),
        ],
    )


def mailer_daemon(w):
    return text("postmaster@mx.example", "Delivery failure", "User unknown.")


def our_own(w):
    return text(
        "help@example.com",
        f"[#{w.ticket_number}] Re: Help",
        "Loop!",
        **{"X-Helpdesk-Instance": w.instance_id},
    )


# --- Replies ----------------------------------------------------------------


def reply_in_reply_to(w):
    return text(
        w.customer,
        "Re: your answer",
        "That fixed it, thank you!",
        **{
            "In-Reply-To": w.our_message_id,
            "References": f"<ticket-{w.ticket_number}@example.com> {w.our_message_id}",
        },
    )


def reply_references_only(w):
    return text(
        w.customer,
        "Re: something",
        "Following up on this.",
        References=f"<unrelated@x.example> {w.our_message_id}",
    )


def reply_token_only(w):
    return text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Any news?")


def reply_quoted(w):
    return text(
        w.customer,
        f"Re: [#{w.ticket_number}] Printer",
        "Yes, restarting helped.\n\nOn Tue, 24 Nov 2026 at 09:00, Support "
        "<help@example.com> wrote:\n> Please restart the printer.\n> \n> Sam",
    )


def reply_outlook(w):
    return text(
        w.customer,
        f"RE: [#{w.ticket_number}] Printer",
        "Still broken here.\n\n________________________________\n"
        "From: Support <help@example.com>\nSent: Tuesday, November 24, 2026\n"
        "To: Alice\nSubject: [#1] Printer\n\nPlease restart it.",
    )


def reply_marker(w):
    return text(
        w.customer,
        f"Re: [#{w.ticket_number}] Printer",
        "Here is the serial number: SN-12345\n\n"
        "##- Please type your reply above this line -##\n\nOld text",
    )


def reply_german_quote(w):
    return text(
        w.customer,
        f"AW: [#{w.ticket_number}] Printer",
        "Danke, es geht wieder.\n\nAm 24.11.2026 um 09:00 schrieb Support "
        "<help@example.com>:\n> Bitte neu starten.",
    )


def stranger_token(w):
    return text(
        w.stranger,
        f"Re: [#{w.ticket_number}] Printer",
        "Please send me the invoice for this ticket.",
    )


def stranger_in_reply_to(w):
    return text(
        w.stranger,
        "Re: your answer",
        "I want in on this thread.",
        **{"In-Reply-To": w.our_message_id},
    )


def colleague_reply(w):
    return text(
        w.colleague, f"Re: [#{w.ticket_number}] Printer", "Same problem on my desk."
    )


def agent_by_email(w):
    """An agent answering the new-ticket email we sent them."""
    return text(
        w.agent,
        f"Re: [#{w.ticket_number}] New: Printer",
        "I have ordered a new toner.",
        **{"In-Reply-To": w.agent_notice_id},
    )


def spoofed_agent(w):
    """Someone else writing with the agent's address and a ticket token."""
    return text(
        w.agent,
        f"Re: [#{w.ticket_number}] Printer",
        "Please confirm your password at http://evil.example/login",
    )


def closed_reply(w):
    return text(w.customer, f"Re: [#{w.closed_number}] Old issue", "It is back!")


def inactive_sender(w):
    return text(w.inactive, f"Re: [#{w.ticket_number}] Printer", "Hello?")


# --- Who really sent it: Authentication-Results (RFC 8601) ------------------


def stamped(raw: bytes, *results: str) -> bytes:
    """The message as a receiving MTA hands it on: each result prepended as
    an Authentication-Results header, the last one given ending up on top."""
    headers = b"".join(
        f"Authentication-Results: {value}\r\n".encode() for value in reversed(results)
    )
    return headers + raw


def forged_reply_dmarc_fail(w):
    """Someone else writing as the customer, with the ticket's token: our MTA
    says DMARC failed."""
    return stamped(
        text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Wire the refund to me."),
        f"{w.trusted_mx}; dmarc=fail (p=none dis=none) header.from=acme.example;"
        " spf=pass smtp.mailfrom=evil.example; dkim=pass header.d=evil.example",
    )


def forged_reply_untrusted_pass(w):
    """The forger adds their own header claiming a pass; ours says fail."""
    raw = text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Wire it to me.")
    raw = stamped(raw, "mx.evil.example; dmarc=pass header.from=acme.example")
    return stamped(raw, f"{w.trusted_mx}; dmarc=fail header.from=acme.example")


def forged_trusted_id_below_ours(w):
    """The forger writes a header with our MTA's name; ours, added on top of
    everything the sender wrote, says fail."""
    raw = text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Wire it to me.")
    raw = stamped(raw, f"{w.trusted_mx}; dmarc=pass header.from=acme.example")
    return stamped(raw, f"{w.trusted_mx}; dmarc=fail header.from=acme.example")


def reply_untrusted_pass_only(w):
    """Only a header from an MTA nobody told us to trust: it proves nothing."""
    return stamped(
        text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Any update, please?"),
        "mx.evil.example; dmarc=pass header.from=acme.example",
    )


def reply_dmarc_pass(w):
    return stamped(
        text(w.customer, f"Re: [#{w.ticket_number}] Printer", "It works again."),
        f"{w.trusted_mx};\r\n dkim=pass header.d=acme.example header.s=s1;\r\n"
        " spf=pass (domain of alice@acme.example designates 192.0.2.1 as permitted"
        " sender) smtp.mailfrom=alice@acme.example;\r\n"
        " dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=acme.example",
    )


def reply_dkim_aligned(w):
    """No DMARC check at our MTA, but a DKIM signature of a subdomain of the
    From domain (relaxed alignment)."""
    return stamped(
        text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Signed and sealed."),
        f"{w.trusted_mx}; dkim=pass (2048-bit key) header.d=mail.acme.example"
        " header.i=@mail.acme.example header.s=s1",
    )


def reply_spf_unaligned(w):
    """SPF passes, but for another domain: nothing vouches for acme.example."""
    return stamped(
        text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Sent via a relay."),
        f"{w.trusted_mx}; spf=pass smtp.mailfrom=bounces@relay.example;"
        " dkim=none (no signatures)",
    )


def reply_dmarc_pass_other_domain(w):
    """Our MTA checked DMARC for a different From than the one we read."""
    return stamped(
        text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Trust me."),
        f"{w.trusted_mx}; dmarc=pass header.from=evil.example",
    )


def reply_two_from_headers(w):
    """Two From headers: the MTA may have checked the other one."""
    raw = text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Two of me.")
    raw = raw.replace(b"\r\nTo: ", b"\r\nFrom: <mallory@evil.example>\r\nTo: ", 1)
    return stamped(raw, f"{w.trusted_mx}; dmarc=pass header.from=evil.example")


def new_request_dmarc_fail(w):
    return stamped(
        text("ceo@customer.example", "Urgent: change my bank details", "Do it now."),
        f"{w.trusted_mx}; dmarc=fail (p=quarantine) header.from=customer.example",
    )


def received(raw: bytes, by: str) -> bytes:
    """The message with a Received header prepended, as a mail server that
    handles it writes one on top of everything it was given."""
    return (
        f"Received: from relay.example (relay.example [192.0.2.7])\r\n"
        f" by {by} with ESMTPS id 4Zx1; Tue, 24 Nov 2026 10:15:02 +0100\r\n"
    ).encode() + raw


def forged_below(w, ours: tuple[str, ...], forged: str, body: str) -> bytes:
    """A reply as the customer carrying its own header with our MTA's name,
    then our MTA's Received header, then our MTA's (milters') results on top:
    the forged header supplies a method our MTA did not report."""
    raw = text(w.customer, f"Re: [#{w.ticket_number}] Printer", body)
    raw = received(stamped(raw, forged), w.trusted_mx)
    return stamped(raw, *ours)


def forged_dkim_below_dmarc_none(w):
    return forged_below(
        w,
        (f"{w.trusted_mx}; dmarc=none header.from=acme.example",),
        f"{w.trusted_mx}; dkim=pass header.d=acme.example header.s=s1",
        "Please change my delivery address.",
    )


def forged_dkim_below_dmarc_temperror(w):
    return forged_below(
        w,
        (f"{w.trusted_mx}; dmarc=temperror header.from=acme.example",),
        f"{w.trusted_mx}; dkim=pass header.d=acme.example",
        "Please change my phone number.",
    )


def forged_dmarc_below_spf_fail(w):
    return forged_below(
        w,
        (f"{w.trusted_mx}; spf=fail smtp.mailfrom=acme.example; dkim=none",),
        f"{w.trusted_mx}; dmarc=pass header.from=acme.example",
        "Please send the invoice to my new address.",
    )


def forged_dmarc_below_dkim_fail(w):
    return forged_below(
        w,
        (f"{w.trusted_mx}; dkim=fail header.d=acme.example",),
        f"{w.trusted_mx}; dmarc=pass header.from=acme.example",
        "Please reset my account.",
    )


def reply_milters_below_lmtp(w):
    """Three milters' headers on top of our MTA's Received, and the mailbox
    server's (Dovecot LMTP) Received above them all: a real pass."""
    raw = text(w.customer, f"Re: [#{w.ticket_number}] Printer", "Works now.")
    raw = received(raw, w.trusted_mx)
    raw = stamped(
        raw,
        f"{w.trusted_mx}; dmarc=pass header.from=acme.example",
        f"{w.trusted_mx}; dkim=pass header.d=acme.example",
        f"{w.trusted_mx}; spf=pass smtp.mailfrom=alice@acme.example",
    )
    return received(raw, "imap.helpdesk.example (Dovecot) with LMTP")


def agent_by_email_dmarc_fail(w):
    """Even quoting the agent's own notification, a reply from the agent's
    address that fails authentication is not the agent's word."""
    return stamped(agent_by_email(w), f"{w.trusted_mx}; dmarc=fail header.from=x")


CASES = [
    Case(
        "plain text request",
        plain_new,
        "new",
        ("prints blank sheets",),
        subject="Cannot print invoices",
    ),
    Case("multipart/alternative", alternative, "new", ("error 42",), ("<b>",)),
    Case(
        "HTML only",
        html_only,
        "new",
        (
            "The dashboard is empty.\nSince the update.",
            "the status page (https://status.example.com/x)",
            "- Chrome",
        ),
        ("alert(1)", "color:red", "<p>"),
    ),
    Case("PDF attachment", with_pdf, "new", ("attached invoice",), attachments=1),
    Case(
        "inline image", inline_image, "new", ("error looks like this",), attachments=1
    ),
    Case("ISO-8859-1 body", latin1, "new", ("Grüßen", "Müller")),
    Case("windows-1252 body", windows1252, "new", ("\u201cSave\u201d \u2013",)),
    Case(
        "ISO-2022-JP body and subject",
        japanese,
        "new",
        ("\u3053\u3093\u306b\u3061\u306f",),
        subject="\u30c6\u30b9\u30c8",
    ),
    Case(
        "encoded-word subject (base64)",
        encoded_subject,
        "new",
        subject="Rechnung überfällig \u2013 brauche Hilfe",
    ),
    Case(
        "encoded-word subject (Q)",
        encoded_subject_q,
        "new",
        subject="Problème de connexion",
    ),
    Case("missing Message-ID", no_message_id, "new", ("without a Message-ID",)),
    Case(
        "huge body",
        huge_body,
        "new",
        ("Start of the log", "the full text is attached as full-message.txt"),
        attachments=1,
    ),
    Case("broken MIME", broken_mime, "new", ("Hello despite it all",)),
    Case("not an email at all", garbage, "failed"),
    Case(
        "attachment only", only_attachment, "new", ("only attachments",), attachments=1
    ),
    Case(
        "refused attachment",
        refused_attachment,
        "new",
        ("binary attached",),
        attachments=0,
    ),
    Case("forwarded message", forwarded_message, "new", ("from you?",), attachments=1),
    Case("out-of-office auto-reply", out_of_office, "ignored"),
    Case("X-Autoreply", x_autoreply, "ignored"),
    Case("bulk newsletter", newsletter, "ignored"),
    Case("delivery report bounce", bounce_report, "ignored"),
    Case("mailer-daemon bounce", mailer_daemon, "ignored"),
    Case("our own outgoing mail", our_own, "ignored"),
    Case(
        "reply by In-Reply-To",
        reply_in_reply_to,
        "reply",
        ("fixed it",),
        author="customer",
    ),
    Case(
        "reply by References",
        reply_references_only,
        "reply",
        ("Following up",),
        author="customer",
    ),
    Case(
        "reply by subject token",
        reply_token_only,
        "reply",
        ("Any news?",),
        author="customer",
    ),
    Case(
        "reply with quoted history",
        reply_quoted,
        "reply",
        ("restarting helped",),
        ("Please restart", "wrote:"),
        author="customer",
    ),
    Case(
        "Outlook-style quote",
        reply_outlook,
        "reply",
        ("Still broken here.",),
        ("Please restart it", "From: Support"),
        author="customer",
    ),
    Case(
        "reply above our marker",
        reply_marker,
        "reply",
        ("SN-12345",),
        ("Old text", "##-"),
        author="customer",
    ),
    Case(
        "German quote header",
        reply_german_quote,
        "reply",
        ("es geht wieder",),
        ("schrieb", "neu starten"),
        author="customer",
    ),
    Case(
        "stranger with someone else's token",
        stranger_token,
        "new",
        ("send me the invoice",),
        author="stranger",
    ),
    Case(
        "stranger replying to our Message-ID",
        stranger_in_reply_to,
        "new",
        ("in on this thread",),
        author="stranger",
    ),
    Case(
        "colleague in a sharing organization",
        colleague_reply,
        "reply",
        ("Same problem",),
        author="colleague",
    ),
    Case(
        "agent answering by email",
        agent_by_email,
        "reply",
        ("new toner",),
        author="agent",
    ),
    Case(
        "reply to a closed ticket",
        closed_reply,
        "follow_up",
        ("It is back!",),
        author="customer",
    ),
    Case("deactivated sender", inactive_sender, "failed"),
    Case(
        "forged reply, DMARC fails",
        forged_reply_dmarc_fail,
        "suspended",
        verification="fail",
    ),
    Case(
        "forged reply, untrusted MTA claims a pass",
        forged_reply_untrusted_pass,
        "suspended",
        verification="fail",
    ),
    Case(
        "forged reply, fake header with our MTA's name below ours",
        forged_trusted_id_below_ours,
        "suspended",
        verification="fail",
    ),
    *(
        Case(
            f"forged reply, our MTA's name on a lower header: {name}",
            build,
            "suspended",
            verification="fail",
        )
        for name, build in (
            ("DKIM pass below DMARC none", forged_dkim_below_dmarc_none),
            ("DKIM pass below DMARC temperror", forged_dkim_below_dmarc_temperror),
            ("DMARC pass below SPF fail", forged_dmarc_below_spf_fail),
            ("DMARC pass below DKIM fail", forged_dmarc_below_dkim_fail),
        )
    ),
    Case(
        "reply, three milters' results below the mailbox server's Received",
        reply_milters_below_lmtp,
        "reply",
        ("Works now.",),
        author="customer",
        verification="pass",
    ),
    Case(
        "reply, only an untrusted MTA claims a pass",
        reply_untrusted_pass_only,
        "reply",
        ("Any update",),
        author="customer",
        verification="none",
    ),
    Case(
        "reply, DMARC passes at our MTA",
        reply_dmarc_pass,
        "reply",
        ("works again",),
        author="customer",
        verification="pass",
    ),
    Case(
        "reply, aligned DKIM without DMARC",
        reply_dkim_aligned,
        "reply",
        ("Signed and sealed",),
        author="customer",
        verification="pass",
    ),
    Case(
        "reply, SPF passes for another domain only",
        reply_spf_unaligned,
        "suspended",
        verification="fail",
    ),
    Case(
        "reply, DMARC passed for another From domain",
        reply_dmarc_pass_other_domain,
        "suspended",
        verification="fail",
    ),
    Case(
        "reply with two From headers",
        reply_two_from_headers,
        "suspended",
        verification="fail",
    ),
    Case(
        "new request, DMARC fails",
        new_request_dmarc_fail,
        "new",
        ("Do it now.",),
        verification="fail",
    ),
    Case(
        "agent address, DMARC fails",
        agent_by_email_dmarc_fail,
        "suspended",
        verification="fail",
    ),
    Case(
        "plain request, no authentication results",
        plain_new,
        "new",
        ("prints blank sheets",),
        verification="none",
    ),
]
