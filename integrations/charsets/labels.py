"""Charset labels as the WHATWG Encoding Standard reads them
(https://encoding.spec.whatwg.org/#names-and-labels), mapped to the Python
codecs to try, strictly and in order."""

import codecs

WINDOWS_1252 = "x-whatwg-1252"  # cp1252 whose 5 holes decode as C1 controls
CP50220 = "x-cp50220"  # ISO-2022-JP with Microsoft's (NEC, IBM) extensions
UTF8 = ("utf-8",)
ISO2022JP = ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext", CP50220)

# WHATWG labels (and the spellings mail programs use for them) -> the codecs
# to try, strictly, in order: the standard set first where Python maps it
# differently from the superset (Shift_JIS's wave dash), then the superset.
_FAMILIES: dict[tuple[str, ...], tuple[str, ...]] = {
    (
        "ascii", "us-ascii", "us", "ansi_x3.4-1968", "iso646-us", "cp367",
        "iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "iso88591",
        "latin1", "latin-1", "l1", "cp819", "ibm819", "iso-ir-100",
        "csisolatin1", "cp1252", "windows-1252", "x-cp1252",
    ): (WINDOWS_1252,),
    (
        "gb2312", "gb_2312", "gb_2312-80", "gbk", "cp936", "ms936",
        "windows-936", "x-gbk", "euc-cn", "x-euc-cn", "csgb2312", "chinese",
        "iso-ir-58", "csiso58gb231280", "gb18030",
    ): ("gb18030",),
    (
        "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis",
        "windows-31j", "ms932", "cp932", "x-ms-cp932",
    ): ("shift_jis", "cp932", "shift_jis_2004"),
    ("euc-jp", "x-euc-jp", "eucjp", "cseucpkdfmtjapanese"): (
        "euc_jp",
        "euc_jis_2004",
    ),
    (
        "iso-2022-jp", "csiso2022jp", "iso-2022-jp-ms", "cp50220", "cp50221",
        "cp50222", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3",
    ): ISO2022JP,
    (
        "euc-kr", "euckr", "cseuckr", "ks_c_5601-1987", "ks_c_5601-1989",
        "ksc5601", "ksc_5601", "ks_c_5601", "korean", "csksc56011987",
        "iso-ir-149", "cp949", "windows-949", "x-windows-949", "uhc",
    ): ("euc_kr", "cp949"),
    (
        "big5", "big5-hkscs", "big5hkscs", "cn-big5", "csbig5", "x-x-big5",
        "cp950", "x-windows-950",
    ): ("big5", "cp950", "big5hkscs"),
    ("tis-620", "iso-8859-11", "iso8859-11", "windows-874", "dos-874", "cp874"): (
        "cp874",
    ),
    (
        "iso-8859-9", "iso8859-9", "iso_8859-9", "iso_8859-9:1989", "latin5",
        "l5", "iso-ir-148", "csisolatin5", "windows-1254", "cp1254",
    ): ("cp1254",),
    ("utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "x-unicode20utf8"): UTF8,
}  # fmt: skip
LABELS = {label: chain for family, chain in _FAMILIES.items() for label in family}
# Labels that promise nothing: decoded as if there were none.
UNKNOWN = {
    "unknown-8bit", "x-unknown", "unknown", "x-user-defined", "8bit", "binary",
    "default", "none", "charset", "us-ascii?", "x-binaryenc", "_autodetect_all",
}  # fmt: skip
# Python codecs that are not charsets (or not safe to let a sender choose).
NOT_CHARSETS = {
    "idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined",
    "mbcs", "oem", "palmos",
}  # fmt: skip
# Codecs whose ASCII bytes do not simply mean ASCII.
NOT_ASCII_SAFE = ("utf_16", "utf_32", "utf_7", "hz", "iso2022")


def codecs_for(label: str | None) -> tuple[str, ...]:
    """The codecs to try for a charset label, in order; empty for a missing,
    bogus or unknown label. Quotes, spaces and case do not matter."""
    if not label:
        return ()
    name = label.strip().strip("\"'").strip().lower().partition("*")[0]
    if not name or name in UNKNOWN:
        return ()
    if name in LABELS:
        return LABELS[name]
    try:
        info = codecs.lookup(name)
    except LookupError:
        return ()
    text_codec = getattr(info, "_is_text_encoding", True)
    if not text_codec or info.name.replace("-", "_") in NOT_CHARSETS:
        return ()
    found = LABELS.get(info.name.replace("_", "-"))
    return found or (info.name,)
