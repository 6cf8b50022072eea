"""Quoted history and forwards (issue 11, items 3 and 4): a first message
keeps everything, forwards included; a reply to an existing ticket keeps only
what its sender wrote, whatever language their mail program speaks.

Header wording is what the mail programs write in each language (see the
sources in ``integrations.quotes``).
"""

from .corpus import Case, base, mail, text

SUPPORT = "Support <help@example.com>"
OLD = "Please restart the printer and tell us."  # the history every reply quotes

# language: (new text, Outlook's header labels From/Sent/To/Subject with a
# date, Gmail's attribution line)
LANGUAGES = {
    "en": (
        "Thanks, it works again.",
        ("From", "Sent", "To", "Subject"),
        "Tuesday, November 24, 2026 9:00 AM",
        f"On Tue, Nov 24, 2026 at 9:00 AM {SUPPORT} wrote:",
    ),
    "de": (
        "Danke, es geht wieder.",
        ("Von", "Gesendet", "An", "Betreff"),
        "Dienstag, 24. November 2026 09:00",
        f"Am Di., 24. Nov. 2026 um 09:00 Uhr schrieb {SUPPORT}:",
    ),
    "fr": (
        "Merci, ça remarche.",
        ("De ", "Envoyé ", "À ", "Objet "),
        "mardi 24 novembre 2026 09:00",
        f"Le mar. 24 nov. 2026 à 09:00, {SUPPORT} a écrit :",
    ),
    "es": (
        "Gracias, ya funciona.",
        ("De", "Enviado", "Para", "Asunto"),
        "martes, 24 de noviembre de 2026 9:00",
        "El mar, 24 nov 2026 a las 9:00, Support (<help@example.com>) escribió:",
    ),
    "it": (
        "Grazie, ora funziona.",
        ("Da", "Inviato", "A", "Oggetto"),
        "martedì 24 novembre 2026 09:00",
        f"Il giorno mar 24 nov 2026 alle ore 09:00 {SUPPORT} ha scritto:",
    ),
    "nl": (
        "Dank je, het werkt weer.",
        ("Van", "Verzonden", "Aan", "Onderwerp"),
        "dinsdag 24 november 2026 09:00",
        f"Op di 24 nov 2026 om 09:00 schreef {SUPPORT}:",
    ),
    "pt": (
        "Obrigado, já funciona.",
        ("De", "Enviado", "Para", "Assunto"),
        "terça-feira, 24 de novembro de 2026 09:00",
        f"Em ter., 24 de nov. de 2026 às 09:00, {SUPPORT} escreveu:",
    ),
    "pl": (
        "Dziękuję, już działa.",
        ("Od", "Wysłano", "Do", "Temat"),
        "wtorek, 24 listopada 2026 09:00",
        f"wt., 24 lis 2026 o 09:00 {SUPPORT} napisał(a):",
    ),
    "sv": (
        "Tack, det fungerar igen.",
        ("Från", "Skickat", "Till", "Ämne"),
        "den 24 november 2026 09:00",
        f"Den tis 24 nov. 2026 kl 09:00 skrev {SUPPORT}:",
    ),
    "da": (
        "Tak, det virker igen.",
        ("Fra", "Sendt", "Til", "Emne"),
        "24. november 2026 09:00",
        f"tir. 24. nov. 2026 kl. 09.00 skrev {SUPPORT}:",
    ),
    "ja": (
        "ありがとうございます。直りました。",
        ("差出人", "送信日時", "宛先", "件名"),
        "2026年11月24日 9:00",
        f"2026年11月24日(火) 9:00 {SUPPORT}:",
    ),
    "zh": (
        "谢谢，已经好了。",
        ("发件人", "发送时间", "收件人", "主题"),
        "2026年11月24日 9:00",
        f"{SUPPORT} 于2026年11月24日周二 09:00写道：",
    ),
}


def _subject(w) -> str:
    return f"Re: [#{w.ticket_number}] Printer"


def _outlook_block(labels, date, from_value=SUPPORT) -> str:
    sender, sent, to, subject = labels
    return (
        f"{sender}: {from_value}\n{sent}: {date}\n{to}: Alice\n"
        f"{subject}: [#1001] Printer\n\n{OLD}\n"
    )


def outlook_reply(code, mailto=False):
    """Outlook's plain text: a rule line, then the header block; or no rule
    line and the sender as "Name [mailto:address]"."""
    new, labels, date, _ = LANGUAGES[code]
    sender = "Support [mailto:help@example.com]" if mailto else SUPPORT
    rule = "" if mailto else "________________________________\n"

    def build(w):
        block = _outlook_block(labels, date, sender)
        return text(w.customer, _subject(w), f"{new}\n\n{rule}{block}")

    return build


def outlook_html_reply(code):
    """Outlook's HTML: bold labels, converted to text by the intake."""
    new, labels, date, _ = LANGUAGES[code]

    def build(w):
        sender, sent, to, subject = labels
        html = (
            f"<html><body><div class=WordSection1><p class=MsoNormal>{new}</p>"
            "<div><div><p class=MsoNormal>"
            f"<b>{sender}:</b> Support &lt;<a href='mailto:help@example.com'>"
            f"help@example.com</a>&gt;<br><b>{sent}:</b> {date}<br>"
            f"<b>{to}:</b> Alice<br><b>{subject}:</b> [#1001] Printer</p></div>"
            f"</div><p class=MsoNormal>{OLD}</p></div></body></html>"
        )
        headers = base(w.customer, _subject(w))
        headers["Content-Type"] = 'text/html; charset="utf-8"'
        return mail(headers, html)

    return build


def gmail_reply(code, wrap=False):
    new, _, _, attribution = LANGUAGES[code]

    def build(w):
        line = attribution
        if wrap:  # Gmail wraps plain text at 78 columns, inside the line
            cut = line.index("<help@")
            line = line[:cut] + "<\n" + line[cut + 1 :]
        body = f"{new}\n\n{line}\n\n> {OLD}\n>\n> Sam\n"
        return text(w.customer, _subject(w), body)

    return build


ALL = tuple(LANGUAGES)
SOME = ("en", "de", "fr", "nl", "es", "pt", "ja")


def reply(name, body, has, lacks=(OLD,)):
    """A reply to the world's ticket whose message holds ``has``."""
    return Case(f"reply quote: {name}", plain_reply(body), "reply", (has,), lacks)


def plain_reply(body, subject=None):
    def build(w):
        return text(w.customer, subject or _subject(w), body)

    return build


def new_mail(body, subject="Fwd: Invoice 4711", html=False):
    def build(w):
        headers = base("quinn@customer.example", subject)
        kind = "html" if html else "plain"
        headers["Content-Type"] = f'text/{kind}; charset="utf-8"'
        return mail(headers, body)

    return build


INVOICE = "Invoice 4711: 120.00 EUR due by 15 December 2026."
GMAIL_FORWARD = (
    "Can you check this?\n\n---------- Forwarded message ---------\n"
    "From: Billing <billing@vendor.example>\nDate: Mon, 23 Nov 2026 at 10:00\n"
    "Subject: Invoice 4711\nTo: <quinn@customer.example>\n\n" + INVOICE + "\n"
)
GMAIL_HTML_FORWARD = (
    '<div dir="ltr">Can you check this?<br><br><div class="gmail_quote">'
    '<div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
    'From: <strong class="gmail_sendername" dir="auto">Billing</strong> '
    '<span dir="auto">&lt;<a href="mailto:billing@vendor.example">'
    "billing@vendor.example</a>&gt;</span><br>Date: Mon, 23 Nov 2026 at 10:00<br>"
    'Subject: Invoice 4711<br>To: &lt;<a href="mailto:quinn@customer.example">'
    'quinn@customer.example</a>&gt;<br></div><br><br><div dir="ltr">'
    f"{INVOICE}</div></div></div>"
)
FORWARD_HEADERS = "From: Billing <billing@vendor.example>"


def _forward_case(name, body, *has, subject="Fwd: Invoice 4711", html=False):
    """A new ticket that must keep the forwarded mail whole."""
    build = new_mail(body, subject, html)
    return Case(name, build, "new", ("Can you check this?", INVOICE, *has))


CASES = [
    # --- Item 3: a first message keeps everything ----------------------------
    _forward_case(
        "forward: Gmail plain text (issue)",
        GMAIL_FORWARD,
        "---------- Forwarded message ---------",
        FORWARD_HEADERS,
        "Subject: Invoice 4711",
    ),
    _forward_case(
        "forward: Gmail HTML (issue)",
        GMAIL_HTML_FORWARD,
        "---------- Forwarded message ---------",
        "From: Billing <billing@vendor.example>",
        "Date: Mon, 23 Nov 2026 at 10:00",
        "Subject: Invoice 4711",
        "To: <quinn@customer.example>",
        html=True,
    ),
    _forward_case(
        "forward: Outlook Original Message (issue)",
        "Can you check this?\n\n-----Original Message-----\n"
        "From: Billing <billing@vendor.example>\n"
        "Sent: Monday, November 23, 2026 10:00 AM\nTo: Quinn\n"
        f"Subject: Invoice 4711\n\n{INVOICE}\n",
        "-----Original Message-----",
        subject="FW: Invoice 4711",
    ),
    _forward_case(
        "forward: Outlook rule line and header block",
        "Can you check this?\n\n________________________________\n"
        "From: Billing <billing@vendor.example>\n"
        "Sent: Monday, November 23, 2026 10:00 AM\nTo: Quinn\n"
        f"Subject: Invoice 4711\n\n{INVOICE}\n",
        "Sent: Monday",
        subject="FW: Invoice 4711",
    ),
    _forward_case(
        "forward: Outlook German Ursprüngliche Nachricht",
        "Can you check this?\n\n-----Ursprüngliche Nachricht-----\n"
        "Von: Billing <billing@vendor.example>\nGesendet: Montag, 23. November "
        f"2026 10:00\nAn: Quinn\nBetreff: Rechnung 4711\n\n{INVOICE}\n",
        subject="WG: Rechnung 4711",
    ),
    _forward_case(
        "forward: Apple Mail",
        "Can you check this?\n\nBegin forwarded message:\n\n"
        "From: Billing <billing@vendor.example>\nSubject: Invoice 4711\n"
        "Date: 23 November 2026 at 10:00:00 CET\nTo: Quinn "
        f"<quinn@customer.example>\n\n{INVOICE}\n",
        "Begin forwarded message:",
    ),
    _forward_case(
        "forward: Apple Mail quoted",
        "Can you check this?\n\n> Begin forwarded message:\n>\n"
        "> From: Billing <billing@vendor.example>\n> Subject: Invoice 4711\n"
        "> Date: 23 November 2026 at 10:00:00 CET\n> To: Quinn\n>\n"
        f"> {INVOICE}\n",
    ),
    _forward_case(
        "forward: Thunderbird Forwarded Message",
        "Can you check this?\n\n\n-------- Forwarded Message --------\n"
        "Subject: \tInvoice 4711\nDate: \tMon, 23 Nov 2026 10:00:00 +0100\n"
        "From: \tBilling <billing@vendor.example>\nTo: \tquinn@customer.example"
        f"\n\n\n\n{INVOICE}\n",
        "-------- Forwarded Message --------",
    ),
    _forward_case(
        "forward: Thunderbird Original Message",
        "Can you check this?\n\n-------- Original Message --------\n"
        "Subject: Invoice 4711\nDate: Mon, 23 Nov 2026 10:00:00 +0100\n"
        f"From: Billing <billing@vendor.example>\n\n{INVOICE}\n",
    ),
    _forward_case(
        "forward: a mail quoted with On ... wrote on a new ticket",
        "Can you check this?\n\nOn Mon, 23 Nov 2026 at 10:00, Billing "
        f"<billing@vendor.example> wrote:\n> {INVOICE}\n",
        subject="Re: Invoice 4711",
    ),
    # --- Item 4: replies in every language lose the quoted history ----------
    *[
        Case(
            f"reply quote: {kind} {code}",
            build(code),
            "reply",
            (LANGUAGES[code][0],),
            lacks(code),
            author="customer",
        )
        for kind, build, lacks, codes in [
            ("Outlook", outlook_reply, lambda c: (OLD, f"{LANGUAGES[c][1][1]}:"), ALL),
            (
                "Outlook with mailto",
                lambda c: outlook_reply(c, mailto=True),
                lambda c: (OLD, "mailto:"),
                ALL,
            ),
            ("Outlook HTML bold", outlook_html_reply, lambda c: (OLD, "@"), SOME),
            ("Gmail", gmail_reply, lambda c: (OLD, "help@example.com"), ALL),
            (
                "Gmail wrapped",
                lambda c: gmail_reply(c, wrap=True),
                lambda c: (OLD, "help@"),
                SOME,
            ),
        ]
        for code in codes
    ],
    reply(
        "French Gmail with the verb wrapped",
        "Merci !\n\nLe lun. 23 nov. 2026 à 10:00, Support <help@example.com> a\n"
        f"écrit :\n\n> {OLD}\n",
        "Merci !",
        (OLD, "écrit"),
    ),
    reply(
        "Outlook Spanish Mensaje original",
        "Listo.\n\n-----Mensaje original-----\nDe: Support\nEnviado: martes\n"
        f"Para: Alice\nAsunto: Printer\n\n{OLD}",
        "Listo.",
        (OLD, "Mensaje original"),
    ),
    reply(
        "Thunderbird Original Message",
        "Done.\n\n-------- Original Message --------\nSubject: Printer\n"
        f"Date: Tue, 24 Nov 2026 09:00:00 +0100\nFrom: {SUPPORT}\n\n{OLD}",
        "Done.",
    ),
    reply("only > lines below", f"Done, thanks.\n\n> {OLD}\n> Sam\n", "Done, thanks."),
    reply(
        "Thunderbird short attribution",
        f"Done.\n\nSupport wrote:\n> {OLD}\n",
        "Done.",
        (OLD, "Support wrote"),
    ),
    reply(
        "answers between quoted lines are kept",
        "> Did you restart it?\nYes, twice.\n> Is the cable in?\nIt is.",
        "Yes, twice.\n> Is the cable in?\nIt is.",
        (),
    ),
    reply(
        "signature then quoted history",
        "It works now.\n-- \nAlice Example\nACME Corp, +1 555 0100\n\n"
        f"On Tue, Nov 24, 2026 at 9:00 AM {SUPPORT} wrote:\n> {OLD}\n",
        "It works now.\n-- \nAlice Example\nACME Corp, +1 555 0100",
        (OLD,),
    ),
    reply(
        "a signature is the customer's own and is kept",
        "Still jams on tray 2.\n-- \nAlice Example\nACME Corp\n",
        "Still jams on tray 2.\n-- \nAlice Example\nACME Corp",
        (),
    ),
    reply(
        "written below the quote (bottom-posting)",
        f"On Tue, Nov 24, 2026 at 9:00 AM {SUPPORT} wrote:\n> {OLD}\n\n"
        "Restarted, all good now.\n",
        "Restarted, all good now.",
    ),
    reply(
        "only quoted text is kept whole, not emptied",
        f"On Tue, Nov 24, 2026 at 9:00 AM {SUPPORT} wrote:\n> {OLD}\n",
        OLD,
        ("(The message was empty.)",),
    ),
    reply(
        "only an Outlook header block is kept whole",
        _outlook_block(LANGUAGES["nl"][1], LANGUAGES["nl"][2]),
        f"Van: {SUPPORT}",
        (),
    ),
    reply(
        "a forward inside a reply keeps the forwarded mail",
        "Here is the invoice you asked for.\n\n"
        + GMAIL_FORWARD.split("\n\n", 1)[1]
        + f"\nOn Tue, Nov 24, 2026 at 9:00 AM {SUPPORT} wrote:\n> {OLD}\n",
        f"{FORWARD_HEADERS}\nDate: Mon, 23 Nov 2026 at 10:00",
    ),
    # A follow-up answers a closed ticket: the closed ticket, linked from the
    # new one, already holds the history, so it is not repeated.
    Case(
        "follow-up: quoted history of the closed ticket is cut",
        lambda w: text(
            w.customer,
            f"Re: [#{w.closed_number}] Old issue",
            "It is back again.\n\nOn Tue, Nov 24, 2026 at 9:00 AM "
            f"{SUPPORT} wrote:\n> {OLD}\n",
        ),
        "follow_up",
        ("It is back again.",),
        (OLD,),
        author="customer",
    ),
    Case(
        "follow-up: Outlook Dutch header block is cut",
        lambda w: text(
            w.customer,
            f"Re: [#{w.closed_number}] Old issue",
            "Het is terug.\n\n"
            + _outlook_block(LANGUAGES["nl"][1], LANGUAGES["nl"][2]),
        ),
        "follow_up",
        ("Het is terug.",),
        (OLD, "Verzonden:"),
        author="customer",
    ),
]
