"""Mail whose charset label lies or is missing (issue 11, items 1 and 2):
labels naming a standard set over text in the vendor's superset, bogus
labels, no label at all, raw 8-bit headers and attachment names, each with
the exact text a reader must see."""

import base64
from urllib.parse import quote_from_bytes

from .corpus import CRLF, PDF, Case, b64, base

NO_REPLACEMENT = ("\ufffd",)


def raw_mail(headers: dict, body: bytes, subject: bytes | None = None) -> bytes:
    """Headers as ASCII (with ``subject`` as raw bytes if given), then body."""
    lines = [f"{name}: {value}".encode() for name, value in headers.items()]
    if subject is not None:
        lines = [
            b"Subject: " + subject if line.startswith(b"Subject:") else line
            for line in lines
        ]
    return CRLF.encode().join(lines) + b"\r\n\r\n" + body.replace(b"\n", b"\r\n")


def body_mail(
    sender: str,
    subject: str,
    body: bytes,
    content_type: str | None,
    encoding: str = "8bit",
) -> bytes:
    headers = base(sender, subject)
    if content_type is not None:
        headers["Content-Type"] = content_type
    headers["Content-Transfer-Encoding"] = encoding
    if encoding == "base64":
        body = b64(body).encode()
    return raw_mail(headers, body)


def word(charset: str, data: bytes, encoding: str = "B") -> str:
    """One RFC 2047 encoded word carrying ``data`` as is."""
    if encoding == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    quoted = "".join(
        chr(byte) if chr(byte).isascii() and chr(byte).isalnum() else f"={byte:02X}"
        for byte in data
    )
    return f"=?{charset}?Q?{quoted}?="


def cp50220(text: str) -> bytes:
    """ISO-2022-JP as Windows writes it (CP50220): CP932 pairs moved to JIS
    rows, NEC row 13 included, which no strict ISO-2022-JP codec reads."""
    out, double = bytearray(), False
    for char in text:
        data = char.encode("cp932")
        if len(data) == 1:
            if double:
                out += b"\x1b(B"
                double = False
            out += data
            continue
        if not double:
            out += b"\x1b$B"
            double = True
        lead, trail = data
        row = (lead - (0xB1 if lead >= 0xE0 else 0x71)) * 2 + 1
        if trail >= 0x9F:
            row, cell = row + 1, trail - 0x7E
        else:
            cell = trail - (0x20 if trail >= 0x80 else 0x1F)
        out += bytes((row, cell))
    if double:
        out += b"\x1b(B"
    return bytes(out)


def body_case(name, text, label, codec=None, *, encoding="8bit", data=None):
    """A new request whose body is ``text`` written in ``codec`` (the label
    by default) under the Content-Type parameter ``label``."""
    content_type = None if label is None else f"text/plain; {label}"

    def build(w):
        payload = data if data is not None else text.encode(codec)
        return body_mail(
            f"{name}@customer.example",
            f"Charset {name}",
            payload,
            content_type,
            encoding,
        )

    return Case(
        f"charset_body_{name}",
        build,
        "new",
        body_has=(text,),
        body_lacks=NO_REPLACEMENT,
        subject=f"Charset {name}",
    )


def subject_case(name, subject_text, raw_subject: bytes):
    def build(w):
        headers = base(f"{name}@customer.example", "placeholder")
        headers["Content-Type"] = 'text/plain; charset="utf-8"'
        return raw_mail(headers, b"See the subject.\n", subject=raw_subject)

    return Case(
        f"charset_subject_{name}",
        build,
        "new",
        body_has=("See the subject.",),
        subject=subject_text,
    )


def encoded_subject_case(name, subject_text, charset, codec=None, encoding="B"):
    data = subject_text.encode(codec or charset)
    return subject_case(name, subject_text, word(charset, data, encoding).encode())


def attachment_case(name, file_name, disposition: str):
    def build(w):
        headers = base(f"{name}@customer.example", f"File {name}")
        headers["Content-Type"] = 'multipart/mixed; boundary="cs0"'
        body = (
            "--cs0\n"
            'Content-Type: text/plain; charset="utf-8"\n\n'
            "The file is attached.\n"
            "--cs0\n"
            "Content-Type: application/pdf\n"
            "Content-Transfer-Encoding: base64\n"
            f"Content-Disposition: {disposition}\n\n"
            f"{b64(PDF)}\n"
            "--cs0--\n"
        )
        return raw_mail(headers, body.encode("utf-8", "surrogateescape"))

    return Case(
        f"charset_file_{name}",
        build,
        "new",
        body_has=("The file is attached.",),
        attachments=1,
        attachment_names=(file_name,),
    )


def raw_8bit(data: bytes) -> str:
    """Bytes to splice into a header as they are (see raw_mail's encoding)."""
    return data.decode("utf-8", "surrogateescape")


def quoted_name(name: str) -> str:
    return f'attachment; filename="{name}"'


def rfc2231(charset: str, data: bytes) -> str:
    return f"attachment; filename*={charset}''{quote_from_bytes(data, safe='')}"


GBK_TEXT = "朱镕基说：发票已收到 – 请查收。"
CP932_TEXT = "①の件、㈱山田商事のⅠ期分です。髙橋"
CP1252_TEXT = "“Smart quotes” cost 5 € – naïve café"
CP949_TEXT = "똠방각하 뷁 테스트입니다"
CP950_TEXT = "價格 € 100 元，碁銹裏"
HKSCS_TEXT = "我哋嘅報價單"
JAPANESE = "日本語のテストです。よろしくお願いします。"

CASES = [
    # 1. Labels that lie: the body is in the vendor's superset.
    body_case("gb2312_gbk", GBK_TEXT, 'charset="gb2312"', "gbk"),
    body_case("gb_2312_80", GBK_TEXT, "charset=GB_2312-80", "gbk"),
    body_case("euc_cn_gb18030", "镕 and € in GB18030", 'charset="euc-cn"', "gb18030"),
    body_case("gb2312_base64", GBK_TEXT, 'charset="GB2312"', "gbk", encoding="base64"),
    body_case("shift_jis_cp932", CP932_TEXT, 'charset="Shift_JIS"', "cp932"),
    body_case("x_sjis", CP932_TEXT, "charset=x-sjis", "cp932"),
    body_case("latin1_cp1252", CP1252_TEXT, 'charset="iso-8859-1"', "cp1252"),
    body_case("latin1_spelling", CP1252_TEXT, "charset=latin1", "cp1252"),
    body_case("iso_8859_1_quoted", CP1252_TEXT, "charset=' ISO_8859-1 '", "cp1252"),
    body_case(
        "quoted_printable_latin1",
        CP1252_TEXT,
        'charset="ISO-8859-1"',
        data=b"=93Smart quotes=94 cost 5 =80 =96 na=EFve caf=E9",
        encoding="quoted-printable",
    ),
    body_case("us_ascii_cp1252", CP1252_TEXT, 'charset="us-ascii"', "cp1252"),
    body_case("ascii_utf8", "Grüße aus Köln – Jörg", "charset=ascii", "utf-8"),
    body_case("euc_kr_cp949", CP949_TEXT, 'charset="euc-kr"', "cp949"),
    body_case("ks_c_5601", CP949_TEXT, 'charset="ks_c_5601-1987"', "cp949"),
    body_case("big5_cp950", CP950_TEXT, 'charset="big5"', "cp950"),
    body_case("big5_hkscs", HKSCS_TEXT, 'charset="big5"', "big5hkscs"),
    body_case(
        "iso2022jp_nec",
        "①の件、㈱山田商事のⅠ期分です。",
        'charset="iso-2022-jp"',
        data=cp50220("①の件、㈱山田商事のⅠ期分です。"),
    ),
    body_case(
        "iso2022jp_ms",
        "Ⅱ期 ② ㈲ テスト",
        "charset=ISO-2022-JP-MS",
        data=cp50220("Ⅱ期 ② ㈲ テスト"),
    ),
    body_case("tis620_cp874", "ราคา … 100 € บาท", 'charset="tis-620"', "cp874"),
    body_case("iso8859_9", "Türkçe “fiyat” 5 € ğış", "charset=iso-8859-9", "cp1254"),
    # 2. No label, or one that says nothing.
    body_case("no_charset_iso2022jp", JAPANESE, "", data=JAPANESE.encode("iso2022_jp")),
    body_case(
        "no_content_type_iso2022jp",
        JAPANESE,
        None,
        data=JAPANESE.encode("iso2022_jp"),
    ),
    body_case(
        "no_charset_cp50220",
        "①の件、㈱山田商事",
        "",
        data=cp50220("①の件、㈱山田商事"),
    ),
    body_case("no_charset_utf8", "Grüße aus Köln – 日本語 ✓", "", "utf-8"),
    body_case("no_content_type_utf8", "Ça marche très bien, merci !", None, "utf-8"),
    body_case(
        "no_charset_cp1252",
        "Grüße aus Köln, das Büro ist “geschlossen” – bis Montag.",
        "",
        "cp1252",
    ),
    body_case(
        "no_charset_gbk",
        "您好，附件是本月的发票，请查收。如有问题请联系我们。谢谢！",
        "",
        "gbk",
    ),
    body_case(
        "no_charset_shift_jis",
        "お世話になっております。請求書を添付いたしましたので、ご確認ください。",
        "",
        "cp932",
    ),
    body_case(
        "unknown_8bit",
        "Réunion demain à 10h, salle “Mont-Blanc”.",
        'charset="unknown-8bit"',
        "cp1252",
    ),
    body_case(
        "x_user_defined",
        "Die Lieferung für Müller ist unterwegs.",
        "charset=x-user-defined",
        "utf-8",
    ),
    body_case(
        "bogus_label_utf8", "Zażółć gęślą jaźń", 'charset="no-such-set"', "utf-8"
    ),
    # A right label with a few bad bytes: the rest reads as labelled.
    body_case(
        "utf8_stray_latin1",
        "Grüße, Straße, Köln, Düsseldorf, Zürich, Genève. Signed: Müller",
        'charset="utf-8"',
        data="Grüße, Straße, Köln, Düsseldorf, Zürich, Genève. Signed: ".encode()
        + "Müller".encode("latin-1"),
    ),
    body_case(
        "utf8_two_bad_bytes",
        "Order 42 is late.ÿþ Please call.",
        "charset=UTF-8",
        data=b"Order 42 is late.\xff\xfe Please call.",
    ),
    Case(
        "charset_body_gbk_truncated_character",
        lambda w: body_mail(
            "truncated@customer.example",
            "Charset truncated",
            GBK_TEXT.encode("gbk") * 3 + "镕".encode("gbk")[:1],
            'text/plain; charset="gb2312"',
        ),
        "new",
        body_has=(GBK_TEXT * 3,),
        subject="Charset truncated",
    ),
    # Headers: encoded words with lying labels, and raw 8-bit.
    encoded_subject_case("gb2312_en_dash", "发票 – 镕基", "gb2312", "gbk"),
    encoded_subject_case("gbk_q", "报价单 – 镕", "GB2312", "gbk", encoding="Q"),
    encoded_subject_case("shift_jis_nec", "①㈱ご請求書", "shift_jis", "cp932"),
    encoded_subject_case("latin1_cp1252", "“Offer” 5 €", "iso-8859-1", "cp1252"),
    encoded_subject_case("us_ascii_8bit", "Café “menu”", "us-ascii", "cp1252"),
    encoded_subject_case("euc_kr_cp949", "똠방각하 견적", "euc-kr", "cp949"),
    encoded_subject_case("ks_c_5601", "뷁 테스트", "ks_c_5601-1987", "cp949"),
    encoded_subject_case("big5_cp950", "價格 €", "big5", "cp950"),
    subject_case(
        "iso2022jp_nec",
        "①㈱の件",
        word("ISO-2022-JP", cp50220("①㈱の件")).encode(),
    ),
    subject_case(
        "split_character",
        "請求書の件",
        (
            word("shift_jis", "請求書の件".encode("cp932")[:5])
            + " "
            + word("shift_jis", "請求書の件".encode("cp932")[5:])
        ).encode(),
    ),
    subject_case(
        "raw_latin1", "Réunion à 10h – café", "Réunion à 10h – café".encode("cp1252")
    ),
    subject_case("raw_utf8", "Grüße aus Köln ✓", "Grüße aus Köln ✓".encode()),
    subject_case(
        "raw_and_encoded",
        "Réponse: 发票 – 镕",
        "Réponse: ".encode("cp1252")
        + word("gb2312", "发票 – 镕".encode("gbk")).encode(),
    ),
    subject_case(
        "raw_iso2022jp",
        "見積もりの件",
        "見積もりの件".encode("iso2022_jp"),
    ),
    # Attachment names.
    attachment_case(
        "rfc2231_gb2312",
        "报价单–镕.pdf",
        rfc2231("gb2312", "报价单–镕.pdf".encode("gbk")),
    ),
    attachment_case(
        "rfc2231_latin1",
        "“Angebot” 5 €.pdf",
        rfc2231("iso-8859-1", "“Angebot” 5 €.pdf".encode("cp1252")),
    ),
    attachment_case(
        "rfc2231_continued_sjis",
        "①請求書㈱.pdf",
        "attachment; filename*0*=shift_jis''"
        + quote_from_bytes("①請求書".encode("cp932"), safe="")
        + "; filename*1*="
        + quote_from_bytes("㈱.pdf".encode("cp932"), safe=""),
    ),
    attachment_case(
        "encoded_word_gb2312",
        "发票–镕.pdf",
        f'attachment; filename="{word("gb2312", "发票–镕.pdf".encode("gbk"))}"',
    ),
    attachment_case(
        "encoded_word_ks_c",
        "똠견적.pdf",
        quoted_name(word("ks_c_5601-1987", "똠견적.pdf".encode("cp949"))),
    ),
    attachment_case(
        "raw_utf8_name",
        "Übersicht März.pdf",
        f'attachment; filename="{raw_8bit("Übersicht März.pdf".encode())}"',
    ),
    attachment_case(
        "raw_latin1_name",
        "Übersicht März.pdf",
        f'attachment; filename="{raw_8bit("Übersicht März.pdf".encode("latin-1"))}"',
    ),
]
