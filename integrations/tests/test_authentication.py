"""Reading Authentication-Results (RFC 8601) from trusted servers only."""

import time

import pytest

from integrations.authentication import (
    MAX_HEADER_CHARS,
    organizational_domain,
    sender_check,
)
from integrations.checks import check_sender_authentication

MX = "mx.helpdesk.example"


def check(*results, sender="alice@acme.example", count=1, trusted=(MX,)):
    return sender_check(
        results=list(results),
        from_address=sender,
        from_count=count,
        trusted_ids=trusted,
    )


def test_nothing_is_verified_without_a_trusted_server():
    result = check(f"{MX}; dmarc=pass header.from=acme.example", trusted=())
    assert result.verdict == "none"
    assert "INBOUND_TRUSTED_AUTHSERV_IDS" in result.detail


@pytest.mark.parametrize(
    ("header", "verdict"),
    [
        (f"{MX}; dmarc=pass header.from=acme.example", "pass"),
        (f"{MX.upper()}; DMARC=Pass header.from=ACME.example", "pass"),
        (f"{MX} 1; dmarc=pass header.from=acme.example;", "pass"),  # version, ";"
        (f"(comment) {MX}; dmarc=pass", "pass"),
        (f"{MX}; dmarc=fail header.from=acme.example", "fail"),
        (f"{MX}; dmarc=none header.from=acme.example", "fail"),
        (f"{MX}; none", "fail"),
        (f"{MX}; dkim=pass header.d=acme.example", "pass"),
        (f"{MX}; dkim=pass header.i=@news.acme.example", "pass"),
        (f"{MX}; dkim=pass header.d=acme.example.evil.example", "fail"),
        (f"{MX}; spf=pass smtp.mailfrom=bounce@mail.acme.example", "pass"),
        (f"{MX}; spf=pass smtp.mailfrom=acme.example.evil.example", "fail"),
        (f"{MX}; dkim=fail header.d=acme.example; spf=softfail", "fail"),
        (f"{MX}; dmarc=pass (garbled", "fail"),  # unreadable: never a pass
        (f"{MX}; dmarc=pass " + "(" * 5_000, "fail"),  # RecursionError in authres
        ("mx.evil.example; dmarc=pass header.from=acme.example", "none"),
        ("spf=pass smtp.mailfrom=acme.example; dmarc=pass", "none"),  # no id
    ],
)
def test_verdicts(header, verdict):
    assert check(header).verdict == verdict


def test_the_topmost_trusted_result_for_a_method_wins():
    ours = f"{MX}; dmarc=fail header.from=acme.example"
    planted = f"{MX}; dmarc=pass header.from=acme.example"
    assert check(ours, planted).verdict == "fail"


def test_separate_headers_from_one_server_are_read_together():
    dkim = f"{MX}; dkim=pass header.d=acme.example"
    spf = f"{MX}; spf=fail smtp.mailfrom=acme.example"
    assert check(spf, dkim).verdict == "pass"


def test_international_domains_compare_in_their_ascii_form():
    header = f"{MX}; dmarc=pass header.from=xn--bcher-kva.example"
    assert check(header, sender="anna@bücher.example").verdict == "pass"


def test_two_from_addresses_never_pass():
    result = check(f"{MX}; dmarc=pass header.from=acme.example", count=2)
    assert result.verdict == "fail"
    assert "2 From addresses" in result.detail


def test_the_public_suffix_list_decides_the_organizational_domain():
    assert organizational_domain("mail.acme.co.uk") == "acme.co.uk"
    assert organizational_domain("a.github.io") == "a.github.io"
    assert (
        check(
            f"{MX}; dkim=pass header.d=other.github.io", sender="me@alice.github.io"
        ).verdict
        == "fail"
    )


def test_hostile_headers_cost_bounded_time():
    long_header = f"{MX}; " + "spf=pass smtp.mailfrom=a.example; " * 10_000
    many = [f"{MX}; dkim=pass header.d=evil.example"] * 5_000
    started = time.perf_counter()
    assert len(long_header) > MAX_HEADER_CHARS
    assert check(long_header).verdict == "fail"
    assert check(*many).verdict == "fail"
    assert time.perf_counter() - started < 2


def test_a_warning_when_verification_is_required_but_nothing_is_trusted(settings):
    settings.INBOUND_REQUIRE_SENDER_AUTH = True
    settings.INBOUND_TRUSTED_AUTHSERV_IDS = []
    assert [w.id for w in check_sender_authentication()] == ["integrations.W001"]
    settings.INBOUND_TRUSTED_AUTHSERV_IDS = [MX]
    assert check_sender_authentication() == []
