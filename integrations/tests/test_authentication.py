"""Reading Authentication-Results (RFC 8601) from trusted servers only."""

from unittest import mock

import authres
import pytest

from integrations.authentication import (
    MAX_HEADER_CHARS,
    MAX_TRUSTED_HEADERS,
    organizational_domain,
    sender_check,
)
from integrations.checks import check_sender_authentication
from integrations.parsing import parse_email

MX = "mx.helpdesk.example"


def check_runs(*runs, sender="alice@acme.example", count=1, trusted=(MX,)):
    """The verdict on runs of adjacent Authentication-Results headers (each a
    list of values, top first) that other headers separate, top first."""
    return sender_check(
        result_runs=[list(run) for run in runs],
        from_address=sender,
        from_count=count,
        trusted_ids=trusted,
    )


def check(*results, **kwargs):
    """The verdict on adjacent Authentication-Results headers, top first."""
    return check_runs(list(results), **kwargs)


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


def test_hostile_headers_cost_bounded_work():
    """authres is handed no header over MAX_HEADER_CHARS and at most
    MAX_TRUSTED_HEADERS of them, however long or many they are."""
    long_header = f"{MX}; " + "spf=pass smtp.mailfrom=a.example; " * 10_000
    many = [f"{MX}; dkim=pass header.d=evil.example"] * 5_000
    header_class = authres.AuthenticationResultsHeader
    assert len(long_header) > MAX_HEADER_CHARS
    with mock.patch.object(
        header_class, "parse_value", wraps=header_class.parse_value
    ) as parse:
        assert check(long_header).verdict == "fail"
        assert not parse.called
        assert check(*many).verdict == "fail"
    assert 0 < parse.call_count <= MAX_TRUSTED_HEADERS < len(many)


def test_a_warning_when_verification_is_required_but_nothing_is_trusted(settings):
    settings.INBOUND_REQUIRE_SENDER_AUTH = True
    settings.INBOUND_TRUSTED_AUTHSERV_IDS = []
    assert [w.id for w in check_sender_authentication()] == ["integrations.W001"]
    settings.INBOUND_TRUSTED_AUTHSERV_IDS = [MX]
    assert check_sender_authentication() == []


# --- Only the receiving server's own block of results counts ---------------
# A message reaches us as: our milters' Authentication-Results (prepended one
# after another), our MTA's Received header, then whatever the sender wrote,
# which may include headers carrying our MTA's name (RFC 8601, section 5).

RECEIVED = (
    "Received: from relay.example (relay.example [192.0.2.7])\r\n"
    f" by {MX} with ESMTPS id 4Zx1; Tue, 24 Nov 2026 10:15:02 +0100\r\n"
)
LMTP = (
    "Received: from mx.helpdesk.example by imap.helpdesk.example (Dovecot)\r\n"
    " with LMTP id 9Ab; Tue, 24 Nov 2026 10:15:03 +0100\r\n"
)
BODY = (
    "From: Alice <alice@acme.example>\r\nTo: support@helpdesk.example\r\n"
    "Subject: Re: [#1001] Printer\r\nMessage-ID: <x1@acme.example>\r\n\r\nHi\r\n"
)


def ar(value: str) -> str:
    return f"Authentication-Results: {value}\r\n"


def check_raw(raw: str, trusted=(MX,)):
    """The verdict on a whole message, read the way inbound processing does."""
    parsed = parse_email(raw.encode())
    return sender_check(
        result_runs=parsed.authentication_results_runs,
        from_address=parsed.from_address,
        from_count=parsed.from_count,
        trusted_ids=trusted,
    )


@pytest.mark.parametrize(
    ("ours", "forged"),
    [
        (
            f"{MX}; dmarc=none header.from=acme.example",
            f"{MX}; dkim=pass header.d=acme.example",
        ),
        (
            f"{MX}; dmarc=temperror header.from=acme.example",
            f"{MX}; dkim=pass header.d=acme.example",
        ),
        (
            f"{MX}; spf=fail smtp.mailfrom=acme.example; dkim=none",
            f"{MX}; dmarc=pass header.from=acme.example",
        ),
        (
            f"{MX}; dkim=fail header.d=acme.example",
            f"{MX}; dmarc=pass header.from=acme.example",
        ),
        (
            f"{MX}; dkim=none",
            f"{MX}; spf=pass smtp.mailfrom=alice@acme.example",
        ),
        (f"{MX}; none", f"{MX}; dmarc=pass header.from=acme.example"),
    ],
)
def test_a_lower_header_never_supplies_a_method_ours_left_out(ours, forged):
    result = check_runs([ours], [forged])
    assert result.verdict == "fail"
    assert "ignored: 1" in result.detail
    assert result.detail.count("below the receiving server's results") == 1
    # The same, as a whole message: a Received header separates the two.
    assert check_raw(ar(ours) + RECEIVED + ar(forged) + BODY).verdict == "fail"


def test_a_forged_block_of_several_headers_is_ignored_whole():
    raw = (
        ar(f"{MX}; dmarc=none header.from=acme.example")
        + RECEIVED
        + ar(f"{MX}; dkim=pass header.d=acme.example")
        + ar(f"{MX}; spf=pass smtp.mailfrom=acme.example")
        + "X-Mailer: Forger 1.0\r\n"
        + ar(f"{MX}; dmarc=pass header.from=acme.example")
        + BODY
    )
    result = check_raw(raw)
    assert result.verdict == "fail"
    assert "ignored: 3" in result.detail


def test_the_receiving_servers_block_of_three_headers_is_read_together():
    block = (
        ar(f"{MX}; spf=fail smtp.mailfrom=bounce@relay.example")
        + ar(f"{MX}; dkim=pass header.d=mail.acme.example")
        + ar(f"{MX}; dmarc=pass header.from=acme.example")
    )
    result = check_raw(block + RECEIVED + BODY)
    assert result.verdict == "pass"
    assert "ignored" not in result.detail
    # An untrusted filter's header inside the block neither breaks it nor counts.
    mixed = block.replace(
        ar(f"{MX}; dkim"), ar("spam.example; dkim=fail") + ar(f"{MX}; dkim")
    )
    assert check_raw(mixed + RECEIVED + BODY).verdict == "pass"


def test_a_mailbox_servers_received_header_above_the_block_changes_nothing():
    raw = (
        LMTP
        + ar(f"{MX}; dkim=pass header.d=acme.example")
        + ar(f"{MX}; spf=none smtp.mailfrom=acme.example")
        + RECEIVED
        + ar(f"{MX}; dmarc=fail header.from=acme.example")
        + BODY
    )
    result = check_raw(raw)
    assert result.verdict == "pass"
    assert "ignored: 1" in result.detail
    failing = LMTP + ar(f"{MX}; dkim=fail header.d=acme.example") + RECEIVED
    assert (
        check_raw(failing + ar(f"{MX}; dkim=pass header.d=acme.example") + BODY).verdict
        == "fail"
    )


def test_an_untrusted_header_above_ours_does_not_move_the_block():
    raw = (
        ar("mx.evil.example; dmarc=pass header.from=acme.example")
        + RECEIVED
        + ar(f"{MX}; dmarc=fail header.from=acme.example")
        + RECEIVED
        + ar(f"{MX}; dmarc=pass header.from=acme.example")
        + BODY
    )
    assert check_raw(raw).verdict == "fail"
