"""The new part of a reply (integrations.quotes): what is cut, what is kept,
and hostile text that must neither hang nor lose the reply. How long hostile
text takes is measured by bench/quotes.py, not asserted here."""

import pytest

from integrations.quotes import strip_quoted
from notifications.services import REPLY_MARKER

NEW = "Thanks, it works again."
OLD = "Please restart the printer."


def unit(text: str, length: int) -> str:
    return (text * (length // len(text) + 1))[:length]


# Text built to make a pattern matcher backtrack or rescan, about 1 MB each.
HOSTILE = {
    "50,000 attribution lines": "On Mon, 23 Nov 2026, Support <h@x> wrote:\n",
    "attributions inside lines": "x On Mon, 23 Nov 2026, x wrote: y\n",
    "one line of On": "On x ",
    "one line of On ending in a colon": "On On x wrote wrote ",
    "From lines": "From: a\n",
    "header labels": "Von: a\nAn: b\n",
    "wrapped attribution starts": "On x\nOn y\nOn z:\n",
    "forward markers": "---------- Forwarded message ---------\nFrom: a\nDate: b\n",
    "quote markers": "> ",
    "bold and quote prefixes": "> > ** __ ",
    "blank lines": "\n",
    "spaces": " ",
    "underscores": "_" * 40 + "\n",
}
# Families whose text is all quoted history after the reply.
CUT = {
    "50,000 attribution lines",
    "header labels",
    "quote markers",
    "bold and quote prefixes",
    "blank lines",
    "spaces",
}


@pytest.mark.parametrize(
    "text",
    [
        # Outlook, every language of issue 11 item 4 and more.
        f"{NEW}\n\nFrom: Support <s@x>\nSent: Tuesday\nTo: Alice\nSubject: X\n\n{OLD}",
        f"{NEW}\n\nVon: Support\nGesendet: Dienstag\nAn: Alice\nBetreff: X\n\n{OLD}",
        f"{NEW}\n\nDe\u00a0: Support\nEnvoyé\u00a0: mardi\nÀ\u00a0: Alice\n"
        f"Objet\u00a0: X\n\n{OLD}",
        f"{NEW}\n\nDe : Support\nEnvoyé : mardi\nÀ : Alice\nObjet : X\n\n{OLD}",
        f"{NEW}\n\nDe: Support\nEnviado: martes\nPara: Alice\nAsunto: X\n\n{OLD}",
        f"{NEW}\n\nDa: Support\nInviato: martedì\nA: Alice\nOggetto: X\n\n{OLD}",
        f"{NEW}\n\nVan: Support\nVerzonden: dinsdag\nAan: Alice\nOnderwerp: X\n\n{OLD}",
        f"{NEW}\n\nDe: Support\nEnviado em: terça\nPara: Alice\nAssunto: X\n\n{OLD}",
        f"{NEW}\n\nOd: Support\nWysłano: wtorek\nDo: Alice\nTemat: X\n\n{OLD}",
        f"{NEW}\n\nFrån: Support\nSkickat: tisdag\nTill: Alice\nÄmne: X\n\n{OLD}",
        f"{NEW}\n\nFra: Support\nSendt: tirsdag\nTil: Alice\nEmne: X\n\n{OLD}",
        f"{NEW}\n\n差出人: Support\n送信日時: 2026年11月24日\n宛先: Alice\n"
        f"件名: X\n\n{OLD}",
        f"{NEW}\n\n发件人: Support\n发送时间: 2026年11月24日\n收件人: Alice\n"
        f"主题: X\n\n{OLD}",
        # Bold labels, as some HTML converters and mobile clients write them.
        f"{NEW}\n\n**From:** Support [mailto:s@x]\n**Sent:** Tuesday\n**To:** Alice\n"
        f"**Subject:** X\n\n{OLD}",
        f"{NEW}\n\n*Van:* Support\n*Verzonden:* dinsdag\n*Aan:* Alice\n\n{OLD}",
        # Header lines separated by blank lines (one paragraph each in HTML).
        f"{NEW}\n\nFrom: Support\n\nSent: Tuesday\n\nTo: Alice\n\n{OLD}",
        # Attribution lines.
        f"{NEW}\n\nOn Tue, Nov 24, 2026 at 9:00 AM Support <s@x> wrote:\n> {OLD}",
        f"{NEW}\n\nOn Tue, Nov 24, 2026 at 9:00 AM Support Team of the Helpdesk <\n"
        f"s@x> wrote:\n> {OLD}",
        f"{NEW}\n\nOn Tue, Nov 24, 2026 at 9:00 AM Support Team of the Helpdesk\n"
        f"<s@x>\nwrote:\n\n> {OLD}",
        f"{NEW}\n\nAm Di., 24. Nov. 2026 um 09:00 Uhr schrieb Support <s@x>:\n> {OLD}",
        f"{NEW}\n\nLe mar. 24 nov. 2026 à 09:00, Support <s@x> a écrit :\n> {OLD}",
        f"{NEW}\n\nLe lun. 23 nov. 2026 à 10:00, X <x@y> a\nécrit :\n> {OLD}",
        f"{NEW}\n\nEl mar, 24 nov 2026 a las 9:00, S (<s@x>) escribió:\n> {OLD}",
        f"{NEW}\n\nIl giorno mar 24 nov 2026 alle ore 09:00 S <s@x> ha scritto:\n"
        f"> {OLD}",
        f"{NEW}\n\nOp di 24 nov 2026 om 09:00 schreef Support <s@x>:\n> {OLD}",
        f"{NEW}\n\nEm ter., 24 de nov. de 2026 às 09:00, S <s@x> escreveu:\n> {OLD}",
        f"{NEW}\n\nwt., 24 lis 2026 o 09:00 Support <s@x> napisał(a):\n> {OLD}",
        f"{NEW}\n\nDen tis 24 nov. 2026 kl 09:00 skrev Support <s@x>:\n> {OLD}",
        f"{NEW}\n\ntir. 24. nov. 2026 kl. 09.00 skrev Support <s@x>:\n> {OLD}",
        f"{NEW}\n\n2026年11月24日(火) 9:00 Support <s@x>:\n> {OLD}",
        f"{NEW}\n\nSupport <s@x> 于2026年11月24日周二 09:00写道：\n> {OLD}",
        f"{NEW}\n\nSupport <s@x> 于2026年11月24日周二\n09:00写道：\n> {OLD}",
        f"{NEW}\n\n2026년 11월 24일 (화) 오전 9:00, Support <s@x>님이 작성:\n> {OLD}",
        f"{NEW}\n\nSupport wrote:\n> {OLD}",
        # Separators, our marker, trailing quotes.
        f"{NEW}\n\n-----Original Message-----\nFrom: Support\n\n{OLD}",
        f"{NEW}\n\n-------- Original Message --------\nSubject: X\n\n{OLD}",
        f"{NEW}\n\n-----Oorspronkelijk bericht-----\n{OLD}",
        f"{NEW}\n\n{REPLY_MARKER}\n\n{OLD}",
        f"{NEW}\n\n> {OLD}\n> \n> Sam",
        f"> > {OLD}\n\n{NEW}",  # bottom-posting without an attribution
        f"On Tue, Nov 24, 2026, Support <s@x> wrote:\n> {OLD}\n\n{NEW}",
    ],
)
def test_the_quoted_history_is_cut(text):
    assert strip_quoted(text) == NEW


def test_crlf_and_surrounding_blanks():
    text = f"\r\n  {NEW}\r\n\r\nOn Tue, 24 Nov 2026, S <s@x> wrote:\r\n> {OLD}\r\n"
    assert strip_quoted(text) == NEW


@pytest.mark.parametrize(
    "text",
    [
        # Answers between quoted lines: the quote is part of the answer.
        f"> Did you restart it?\n{NEW}\n> And the cable?\nIt is in.",
        # Ordinary sentences that end with the verbs or look like labels.
        "My colleague wrote:\nthe printer jams on tray 2.",
        "On Monday I wrote:\nit still jams.\nFrom: me\nTo: you",
        "From: the 3rd floor\nTo: the 4th floor\nthe printer was moved.",
        "Here is the error:\nPaper jam in tray 2:",
        "Hi,\n\nThanks for your help\nSupport wrote:\nit works.",
        "- step one\n-- step two\n--- step three",
    ],
)
def test_text_that_only_looks_like_a_quote_is_kept(text):
    assert strip_quoted(text) == text


def test_a_forward_inside_a_reply_keeps_the_forwarded_mail():
    forwarded = (
        "---------- Forwarded message ---------\nFrom: Billing <b@v>\n"
        "Date: Mon, 23 Nov 2026\nSubject: Invoice\nTo: <a@x>\n\nInvoice 4711"
    )
    text = f"{NEW}\n\n{forwarded}\n\nOn Tue, 24 Nov 2026, S <s@x> wrote:\n> {OLD}"
    assert strip_quoted(text) == f"{NEW}\n\n{forwarded}"


@pytest.mark.parametrize(
    "text",
    [
        f"On Tue, Nov 24, 2026 at 9:00 AM Support <s@x> wrote:\n> {OLD}",
        f"From: Support\nSent: Tuesday\nTo: Alice\n\n{OLD}",
        f"> {OLD}\n> Sam",
        f"-- \n{OLD}",
    ],
)
def test_a_reply_that_is_only_quoted_is_kept_whole(text):
    assert strip_quoted(text) == text


def test_empty_text_stays_empty():
    assert strip_quoted("") == ""
    assert strip_quoted("\n \n") == ""


@pytest.mark.parametrize("family", list(HOSTILE))
def test_hostile_text_keeps_the_new_part(family):
    """About 1 MB of each: the reply above is what remains (or the text
    whole, when nothing but the hostile part is there)."""
    hostile = unit(HOSTILE[family], 1_000_000)
    result = strip_quoted(f"{NEW}\n\n{hostile}")
    if family in CUT:
        assert result == NEW
    else:
        assert result.startswith(f"{NEW}\n\n{HOSTILE[family].strip()[:10]}")
