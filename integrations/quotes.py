"""The new part of an email reply: what the sender wrote above the quoted
history their mail program appended.

Used on replies to existing tickets only (``integrations.services.inbound``):
a first message keeps everything, forwards included. Line by line, in one
forward pass: every pattern is anchored and bounded (no nested or unbounded
repetition runs across lines), so the cost grows with the length of the text
and never faster, whatever its shape; the search stops after SCAN_LINES
lines. mail-parser-reply 1.36 was measured and set aside for that reason:
its patterns (``On\\s(?:.+?\\s?.+?)\\s?wrote:``, ``(.|\\s)*``) took 200 s
on one 20 KB line and 13 s on 50,000 "On x wrote:" lines. Its language
tables (``mailparser_reply/constants.py``, MIT) are the main source of the
wording below.

What ends the new part, the first found wins:

- our own marker (``notifications.services.REPLY_MARKER``);
- an attribution line, as Gmail, Apple Mail, Thunderbird and Outlook write
  it in the sender's language ("On <date>, <name> wrote:", "Am <date> schrieb
  <name>:", "Le <date>, <name> a écrit :", ...), possibly wrapped over up to
  three lines;
- a header block: a "From:" line in one of the languages below followed by
  at least two more header lines (Outlook's reply header, also bold or with
  "[mailto:...]" after HTML conversion);
- an "Original Message" separator line, or Outlook's line of underscores
  followed by a header block;
- a trailing block of ">"-quoted lines; a leading one too when no quoted
  line follows the new text (quoted lines between answers are kept).

A forward inside a reply ("---------- Forwarded message ---------", Apple
Mail's "Begin forwarded message:", Thunderbird's "-------- Forwarded Message
--------") is new to the ticket, so its header block does not end the new
part. When cutting would leave nothing (a reply that is only quoted text),
the whole text is kept: an agent then sees what was sent. A signature
(after RFC 3676's "-- " line) is the customer's own text, often with a phone
number or an address an agent needs, so it is kept.
"""

import re

from notifications.services import REPLY_MARKER

# Lines searched for the start of the quoted history: a reply whose own
# part is longer is kept whole (nothing is lost), and no text, however built,
# costs more than this many lines' worth of checks.
SCAN_LINES = 10_000
# Characters of a line that are looked at: enough for any attribution or
# header label; the rest of a long line cannot change the verdict.
LINE_HEAD = 300
LINE_TAIL = 120
# The end of an attribution that holds its verb ("napisał(a) :"), and the
# start of a line that holds a header label ("Enviado em:").
VERB_CHARS = 40
LABEL_CHARS = 24
# Lines an attribution may be wrapped over (Gmail wraps at about 78 columns).
ATTRIBUTION_LINES = 3
# Lines after "From:" in which the rest of a header block must appear.
HEADER_BLOCK_LINES = 8

# Quote markers and bold markers that HTML conversion or quoting put before
# a line: "> > **From:** ...", "*Von:* ...".
_PREFIX = re.compile(r"^[>\s]*+[*_]*+\s*+")

# Attribution lines that end with their verb. Sources: mail-parser-reply
# 1.36 constants.py wrote_header (en, fr, es, it, cs, pl, ja, zh, ko); Gmail
# pt-BR "Em 24-06-2011 06:51, Oliver Endriss escreveu:" (as sent to the
# linux-media list, 2011); Apple Mail ja "...のメール:"; Outlook mobile ja
# "...は書きました:".
_ENDS_WITH_VERB = re.compile(
    r"(?:\bwrote|\ba\s+écrit|\bescribió|\bha\s+scritto|\bescreveu|"
    r"\bnapisał(?:\(a\)|a)?|\bnadesłał|\bnapsal(?:\(a\)|a)?|"
    r"写道|님이\s*작성(?:하였습니다|했습니다)?|書きました|のメール)"
    r"\s*[:：]\s*$",
    re.IGNORECASE,
)
# Attributions with their verb in the middle: "Am <date> schrieb <name>:"
# (de), "Op <date> schreef <name>:" (nl), "Den <date> skrev <name>:" (sv,
# da), and Japanese Gmail "2026年11月23日(月) 10:00 Name <x@y>:" which has
# no verb. Source: mail-parser-reply 1.36 constants.py (de, nl, sv, da, ja).
_VERB_INSIDE = re.compile(r"\b(?:schrieb|schreef|skrev)\b", re.IGNORECASE)
_JA_GMAIL = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日")
_ENDS_WITH_COLON = re.compile(r"[:：]\s*$")
# How an attribution begins, to find where a wrapped one starts: the intro
# word of each language, a weekday abbreviation or a date.
_ATTRIBUTION_START = re.compile(
    r"^(?:On|Am|Le|El|Il|Op|Em|Den|Dne|Dnia|W\s+dniu|A|在|\d|"
    r"(?:mon|tue|wed|thu|fri|sat|sun|lun|mar|mer|jeu|ven|sam|dim|mié|jue|vie|"
    r"sáb|dom|seg|ter|qua|qui|sex|pon|wt|śr|czw|pt|sob|nie|mån|tis|ons|tor|"
    r"fre|lör|sön|man|tir|lør|søn|ma|di|wo|do|vr|za|zo|mo|mi|fr|sa|so)"
    r"\b)",
    re.IGNORECASE,
)

# Outlook's localized header labels. Source: mail-parser-reply 1.36
# constants.py from_header (en, de, fr, es, it, nl, pl, sv, da, cs, zh, ko,
# ja); pt from Outlook pt-BR/pt-PT ("De:", "Enviado:", "Enviada em:",
# "Para:", "Assunto:"); ja Outlook ("差出人:", "送信日時:", "宛先:", "件名:").
# French puts a (no-break) space before the colon: "De :".
_FROM_LABEL = re.compile(
    r"^(?:From|Von|De|Van|Da|Od|Från|Fra|发件人|寄件者|差出人|送信者|보낸\s?사람)"
    r"[*_]*\s*[:：]",
    re.IGNORECASE,
)
_OTHER_LABEL = re.compile(
    r"^(?:Sent|Date|To|Cc|Subject|Gesendet|Datum|An|Betreff|Envoyé|À|A|Objet|"
    r"Enviado|Enviada|Enviado\s+em|Enviada\s+em|Fecha|Para|Asunto|Assunto|"
    r"Inviato|Data|Oggetto|Verzonden|Aan|Onderwerp|Wysłano|Do|Temat|DW|"
    r"Skickat|Till|Ämne|Kopia|Sendt|Til|Emne|Dato|Odesláno|Komu|Předmět|Kopie|"
    r"发送时间|时间|收件人|主题|抄送|日期|送信日時|宛先|件名|日付|"
    r"보낸\s?날짜|받는\s?사람|제목|참조)"
    r"[*_]*\s*[:：]",
    re.IGNORECASE,
)

# Separator lines that start the quoted message of a reply. Source:
# mail-parser-reply 1.36 (en "Original Message", da "Oprindelig meddelelse"),
# Outlook's localized "Original Message" lines, Thunderbird's "--------
# Original Message --------".
_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|"
    r"Mensaje original|Messaggio originale|Oorspronkelijk bericht|"
    r"Mensagem original|Wiadomość oryginalna|Ursprungligt meddelande|"
    r"Oprindelig meddelelse|Původní zpráva|原始邮件|元のメッセージ)\s*-{2,}$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^_{10,}$")
# Forwards: Gmail, Thunderbird, Outlook.com and Apple Mail, in English and
# the languages above (Gmail's localized "Forwarded message" lines).
_FORWARD = re.compile(
    r"^(?:-{2,}\s*(?:Forwarded message|Forwarded Message|Weitergeleitete Nachricht|"
    r"Message transféré|Mensaje reenviado|Messaggio inoltrato|"
    r"Doorgestuurd bericht|Mensagem encaminhada|Wiadomość przekazana|"
    r"Vidarebefordrat meddelande|Videresendt meddelelse|转发的邮件|転送メッセージ)"
    r"\s*-{2,}|Begin forwarded message\s*:|Anfang der weitergeleiteten Nachricht\s*:|"
    r"Début du message réexpédié\s*:|Inicio del mensaje reenviado\s*:)$",
    re.IGNORECASE,
)


class _Lines:
    """The lines of a text, each cleaned at most once: without quote
    markers, bold markers and surrounding blanks, cut to the characters that
    can matter."""

    def __init__(self, text: str):
        self.raw = text.split("\n")
        self._clean: list[str | None] = [None] * len(self.raw)
        self._label: list[bool | None] = [None] * len(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def clean(self, index: int) -> str:
        line = self._clean[index]
        if line is None:
            line = _PREFIX.sub("", self.raw[index][:LINE_HEAD]).strip()
            self._clean[index] = line
        return line

    def is_label(self, index: int) -> bool:
        """Does the line start with a header label other than From?"""
        label = self._label[index]
        if label is None:
            line = self.clean(index)
            label = _has_colon(line) and bool(_OTHER_LABEL.match(line))
            self._label[index] = label
        return label


def _has_colon(line: str) -> bool:
    """A cheap test before the label patterns: labels are short."""
    head = line[:LABEL_CHARS]
    return ":" in head or "：" in head


def _attribution_start(lines: _Lines, index: int) -> int | None:
    """If line ``index`` ends an attribution, the line where it starts."""
    last = lines.clean(index)
    if not _ENDS_WITH_COLON.search(last[-LINE_TAIL:]):
        return None
    tail = f"{lines.clean(index - 1)[-LINE_TAIL:]} {last}" if index else last
    verb_at_end = bool(_ENDS_WITH_VERB.search(tail[-VERB_CHARS:]))
    for back in range(ATTRIBUTION_LINES - 1, -1, -1):
        start = index - back
        if start < 0 or not all(lines.clean(i) for i in range(start, index + 1)):
            continue
        first = lines.clean(start)
        if not _ATTRIBUTION_START.match(first) and not _JA_GMAIL.match(first):
            # Some start with the name ("X <x@y> 于2026年…写道："): a paragraph
            # of its own that names an address. On one line, a sentence of
            # the sender's own ("I asked billing@x.example and they wrote:")
            # is told apart by the quote that follows or the "<address>".
            paragraph = start == 0 or not lines.clean(start - 1)
            named = paragraph and "@" in first
            if back and not named:
                continue
            quoted = _quoted_next(lines, index)
            if not back and not ((named and "<" in first) or quoted):
                continue
        joined = " ".join(lines.clean(i) for i in range(start, index + 1))
        # Mail programs put a date or an address in the attribution; a
        # sentence of the sender's own ("Am Montag schrieb Ihr Kollege:")
        # has neither, unless a quote follows it.
        evidence = any(ch.isdigit() or ch == "@" for ch in joined)
        if not (evidence or _quoted_next(lines, index)):
            continue
        if (
            verb_at_end
            or (_VERB_INSIDE.search(joined) and _ATTRIBUTION_START.match(first))
            or _JA_GMAIL.match(first)
        ):
            return start
    return None


def _quoted_next(lines: _Lines, index: int) -> bool:
    """Is the next non-blank line after ``index`` quoted with ">"?"""
    for line in lines.raw[index + 1 : index + 3]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


def _header_block(lines: _Lines, index: int) -> bool:
    """Does a header block (From: and at least two more labels) start at
    line ``index``?"""
    line = lines.clean(index)
    if not _has_colon(line) or not _FROM_LABEL.match(line):
        return False
    end = min(index + 1 + HEADER_BLOCK_LINES, len(lines))
    labels = sum(lines.is_label(following) for following in range(index + 1, end))
    return labels >= 2


def _quote_start(lines: _Lines) -> int:
    """The index of the first line of the quoted history, or len(lines)."""
    after_forward = False  # the last non-blank line started a forward
    for index, raw in enumerate(lines.raw[:SCAN_LINES]):
        if not raw or raw.isspace():
            continue
        if REPLY_MARKER in raw[: len(REPLY_MARKER) + LINE_HEAD]:
            return index
        if _UNDERSCORES.match(raw.strip()) and any(
            _header_block(lines, following)
            for following in range(index + 1, min(index + 3, len(lines)))
        ):
            return index
        line = lines.clean(index)
        if not line:
            continue
        if _ORIGINAL_MESSAGE.match(line):
            return index
        if _header_block(lines, index) and not after_forward:
            return index
        after_forward = bool(_FORWARD.match(line))
        if after_forward:
            continue
        start = _attribution_start(lines, index)
        if start is not None:
            return start
    return len(lines)


def _without_trailing_quote(lines: list[str]) -> list[str]:
    """The lines without a final run of ">"-quoted (and blank) lines."""
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip()[:1] == ">"):
        end -= 1
    return lines[:end]


def _after_quote(raw: list[str], start: int) -> str:
    """Bottom-posting: the text after the ">"-quoted block that follows the
    quote header at ``start``, or "" when no such block follows."""
    index, limit = start, min(len(raw), start + ATTRIBUTION_LINES + 1)
    while index < limit and raw[index].lstrip()[:1] != ">":
        index += 1
    if index == limit:
        return ""
    while index < len(raw) and (
        not raw[index].strip() or raw[index].lstrip()[:1] == ">"
    ):
        index += 1
    return "\n".join(raw[index:])


def _without_leading_quote(lines: list[str]) -> list[str]:
    """Bottom-posting without an attribution: the lines without a first run
    of ">"-quoted (and blank) lines, unless more quoted lines follow (then
    the answers sit between the quotes, and all is kept)."""
    start = 0
    while start < len(lines) and (
        not lines[start].strip() or lines[start].lstrip()[:1] == ">"
    ):
        start += 1
    rest = lines[start:]
    if not rest or any(line.lstrip()[:1] == ">" for line in rest):
        return lines
    return rest


def _new_part(text: str) -> tuple[str, list[str], int]:
    lines = _Lines(text)
    start = _quote_start(lines)
    kept = _without_leading_quote(_without_trailing_quote(lines.raw[:start]))
    return "\n".join(kept).strip(), lines.raw, start


def strip_quoted(text: str) -> str:
    """The new part of a reply's text (see the module's docstring for what
    ends it), without surrounding blank lines. A reply written below the
    quote (bottom-posting) keeps what follows the quote. When nothing would
    be left, the whole text, stripped, is returned instead: a reply that is
    only quoted text is kept as it came. Linear in ``len(text)``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    result, raw, start = _new_part(text)
    if not result and start < len(raw):
        below = _after_quote(raw, start)
        if below.strip():
            result = _new_part(below)[0]
    return result or text.strip()
