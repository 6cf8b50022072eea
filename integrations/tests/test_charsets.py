"""integrations.charsets: labels read as their WHATWG supersets, missing
labels detected, and headers and file names decoded the same way."""

import base64
from email import policy
from email.parser import BytesParser
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.charsets import (
    DETECTION_PREFIX_BYTES,
    codecs_for,
    decode_header_text,
    decode_text,
    part_filename,
)
from integrations.parsing import parse_email

from .corpus_charsets import cp50220


def b_word(charset: str, data: bytes) -> str:
    return f"=?{charset}?B?{base64.b64encode(data).decode()}?="


@pytest.mark.parametrize(
    ("label", "first"),
    [
        ("gb2312", "gb18030"),
        (" 'GB_2312-80' ", "gb18030"),
        ('"euc-cn"', "gb18030"),
        ("GBK", "gb18030"),
        ("x-sjis", "shift_jis"),
        ("ks_c_5601-1987", "euc_kr"),
        ("big5-hkscs", "big5"),
        ("tis-620", "cp874"),
        ("ISO-8859-9", "cp1254"),
        ("iso_8859-1", "x-whatwg-1252"),
        ("US-ASCII", "x-whatwg-1252"),
        ("iso-2022-jp-ms", "iso2022_jp"),
        ("koi8-r", "koi8-r"),
        ("utf-8*en", "utf-8"),
    ],
)
def test_labels_name_their_supersets(label, first):
    assert codecs_for(label)[0] == first


def test_the_supersets_are_tried_after_the_standard_set():
    assert codecs_for("euc-kr")[-1] == "cp949"
    assert codecs_for("shift_jis")[1] == "cp932"
    assert codecs_for("big5")[-1] == "big5hkscs"


@pytest.mark.parametrize(
    "label",
    [
        *("", None, "unknown-8bit", "x-user-defined", "no-such-set"),
        *("base64", "rot13", "unicode_escape", "zlib", "idna"),
    ],
)
def test_labels_that_promise_nothing_or_are_not_charsets_are_ignored(label):
    assert codecs_for(label) == ()


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("朱镕基 – 发票", "gbk", "gb2312"),
        ("①㈱Ⅰ 髙橋", "cp932", "shift_jis"),
        ("“Quoted” 5 €", "cp1252", "iso-8859-1"),
        ("“Quoted” 5 €", "cp1252", "ascii"),
        ("Grüße – Jörg", "utf-8", "us-ascii"),
        ("똠방각하 뷁", "cp949", "euc-kr"),
        ("價格 €", "cp950", "big5"),
        ("我哋嘅", "big5hkscs", "big5"),
        ("ราคา … €", "cp874", "tis-620"),
        ("“fiyat” ğış €", "cp1254", "iso-8859-9"),
        ("Grüße aus Köln, “Büro”", "cp1252", "unknown-8bit"),
        ("日本語のテストです", "iso2022_jp", None),
        ("日本語のテストです", "iso2022_jp", "us-ascii"),
        ("Zażółć gęślą jaźń ✓", "utf-8", None),
    ],
)
def test_mislabelled_and_unlabelled_text_reads_right(text, codec, label):
    assert decode_text(text.encode(codec), label=label) == text


def test_iso_2022_jp_with_nec_row_13_reads_as_windows_writes_it():
    text = "①の件、㈱山田商事のⅠ期分。ｶﾅ"
    assert decode_text(cp50220(text), label="iso-2022-jp") == text
    assert decode_text(cp50220(text), label=None) == text


def test_a_right_label_with_a_few_bad_bytes_keeps_the_rest():
    good = "朱镕基说：发票已收到，请查收。" * 5
    text = decode_text(good.encode("gbk") + b"\xff", label="gb2312")
    assert text.startswith(good)


def test_stray_latin1_bytes_in_utf8_read_as_windows_1252():
    data = "Grüße aus Köln und Zürich. ".encode() + "Müller “quoted”".encode("cp1252")
    assert (
        decode_text(data, label="utf-8") == "Grüße aus Köln und Zürich. Müller “quoted”"
    )


def test_any_bytes_decode_without_raising():
    every_byte = bytes(range(256)) * 3
    for label in (None, "utf-8", "gb2312", "shift_jis", "iso-2022-jp", "big5"):
        assert isinstance(decode_text(every_byte, label=label), str)


@given(st.text().filter(lambda t: "\x1b" not in t and not t.startswith("\ufeff")))
def test_unlabelled_utf8_always_reads_back(text):
    assert decode_text(text.encode("utf-8"), label=None) == text


def test_a_large_unlabelled_body_is_read_whole_from_a_bounded_guess():
    line = "您好，附件是本月的发票，请查收。如有问题请联系我们。\n"
    data = line.encode("gbk") * (5 * 1024 * 1024 // len(line.encode("gbk")))
    assert len(data) > 50 * DETECTION_PREFIX_BYTES
    text = decode_text(data, label=None)
    assert text == line * (len(data) // len(line.encode("gbk")))


def test_encoded_words_join_split_characters_and_drop_the_space_between():
    data = "請求書の件".encode("cp932")
    header = f"{b_word('shift_jis', data[:5])} {b_word('shift_jis', data[5:])}"
    assert decode_header_text(header) == "請求書の件"


def test_an_encoded_display_name_with_a_comma_stays_one_address():
    name = b_word("gb2312", "朱, 镕基".encode("gbk"))
    raw = (
        f"From: {name} <zhu@example.cn>\r\nSubject: x\r\n"
        "Content-Type: text/plain\r\n\r\nhi\r\n"
    ).encode()
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.from_address) == ("朱, 镕基", "zhu@example.cn")


def test_a_raw_latin1_display_name_is_read():
    raw = (
        b"From: J\xf6rg M\xfcller <jm@example.de>\r\nSubject: x\r\n"
        b"Content-Type: text/plain\r\n\r\nhi\r\n"
    )
    parsed = parse_email(raw)
    assert (parsed.from_name, parsed.from_address) == ("Jörg Müller", "jm@example.de")


def test_html_without_a_label_uses_its_meta_charset():
    html = '<html><head><meta charset="gb2312"></head><body>镕基 – 发票</body></html>'
    raw = (
        b"From: a@example.cn\r\nSubject: x\r\nContent-Type: text/html\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + html.encode("gbk")
    )
    assert parse_email(raw).body == "镕基 – 发票"


def _part(disposition: str):
    raw = (
        f"Content-Type: application/pdf\r\nContent-Disposition: {disposition}\r\n"
        "\r\nx\r\n"
    ).encode("utf-8", "surrogateescape")
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_the_rfc_2231_name_wins_and_its_lying_label_is_read_as_the_superset():
    quoted = quote_from_bytes("镕 – 发票.pdf".encode("gbk"), safe="")
    part = _part(f"attachment; filename=\"fallback.pdf\"; filename*=gb2312''{quoted}")
    assert part_filename(part) == "镕 – 发票.pdf"


def test_a_part_without_a_name_has_none():
    assert part_filename(_part("attachment")) is None
