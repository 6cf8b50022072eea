"""The one outgoing HTTP client: which URLs it refuses (and that a refused
URL makes no connection at all), and what it does with the answers of a real
server on 127.0.0.1: statuses, redirects not followed, timeouts, a bounded
read, Retry-After."""

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import time_machine

from integrations import outbound
from integrations.outbound import (
    MAX_READ_BYTES,
    HttpOutcome,
    UnsafeTarget,
    post_json,
    retry_after_seconds,
    url_check,
)
from integrations.tests.receivers import Reply

BODY = b'{"type":"webhook.ping"}'


@pytest.fixture
def public_only(settings):
    """Production's rule: no exceptions to "public addresses only"."""
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []
    return settings


# --- Refused targets --------------------------------------------------------

# Each spelling of the receiver's own address (127.0.0.1) that a URL can
# carry: a refused one must not reach it.
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "localhost",
    "LOCALHOST.",
    "2130706433",  # decimal
    "0x7f000001",  # hex
    "0x7f.1",
    "0177.0.0.1",  # octal
    "127.1",  # short form
    "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    "[::1]",
    # Unicode digits and dots the resolver reads as 127.0.0.1 (IDNA maps them).
    "１２７.0.0.1",
    "127。0.0.1",
    "①②⑦.0.0.1",
]

# Other non-public targets (nothing listens there; a request would hang or
# reach the host's network).
NON_PUBLIC_URLS = [
    "http://169.254.169.254/latest/meta-data",  # cloud metadata, link-local
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",  # shared address space (carrier NAT)
    "http://0.0.0.0/",
    "http://0/",
    "http://[fe80::1]/",  # IPv6 link-local
    "http://[fe80::1%25eth0]/",
    "http://[fc00::1]/",  # IPv6 unique local
    "http://[::]/",
    "http://224.0.0.1/",  # multicast
    # IPv6 forms that carry a private IPv4 address (ipaddress calls them
    # global): NAT64, local-use NAT64, 6to4, IPv4-compatible, translated.
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b:1::a00:1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[::127.0.0.1]/",
    "http://[::ffff:0:7f00:1]/",
    "http://[fec0::1]/",  # deprecated site-local
    "http://255.255.255.255/",
]

NOT_HTTP_URLS = [
    ("ftp://example.com/hook", "Only http:// and https://"),
    ("file:///etc/passwd", "Only http:// and https://"),
    ("gopher://example.com/", "Only http:// and https://"),
    ("example.com/hook", "Only http:// and https://"),
    ("http://user:pw@example.com/hook", "no user name or password"),
    ("https://token@example.com/hook", "no user name or password"),
    ("http:///hook", "no host"),
    ("http://", "no host"),
    ("https://:443/hook", "no host"),
    ("http://example.com:99999/", "not a valid URL"),
    ("http://[::1/", "not a valid URL"),
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_loopback_in_any_spelling_is_refused_without_a_connection(
    public_only, http_receiver, host
):
    url = f"http://{host}:{http_receiver.port}/hook"
    with pytest.raises(UnsafeTarget, match="non-public address"):
        url_check(url)
    outcome = post_json(url, BODY)
    assert outcome.status is None
    assert "non-public address" in outcome.error
    assert "INTEGRATIONS_ALLOWED_NETWORKS" in outcome.error
    assert not outcome.ok and outcome.transient
    assert outcome.summary() == outcome.error
    # The same receiver, called the allowed way afterwards, proves it was
    # listening: only that one request arrived.
    public_only.INTEGRATIONS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert post_json(f"{http_receiver.url}/allowed", BODY).status == 200
    assert [request.path for request in http_receiver.requests] == ["/allowed"]


@pytest.mark.parametrize("url", NON_PUBLIC_URLS)
def test_private_link_local_and_reserved_addresses_are_refused(
    public_only, url, monkeypatch
):
    with pytest.raises(UnsafeTarget, match="non-public address"):
        url_check(url)
    connections = _count_connections(monkeypatch)
    outcome = post_json(url, BODY)
    assert outcome.status is None
    assert "non-public address" in outcome.error
    assert connections == []


@pytest.mark.parametrize(
    "address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111"]
)
def test_ipv6_forms_of_public_addresses_stay_allowed(public_only, address):
    assert outbound.address_allowed(outbound.ipaddress.ip_address(address))


@pytest.mark.parametrize(("url", "reason"), NOT_HTTP_URLS)
def test_other_schemes_credentials_and_hostless_urls_are_refused(
    public_only, url, reason, monkeypatch
):
    with pytest.raises(UnsafeTarget, match=reason):
        url_check(url)
    connections = _count_connections(monkeypatch)
    outcome = post_json(url, BODY)
    assert outcome.status is None
    assert reason in outcome.error
    assert connections == []


def test_credentials_in_the_url_are_refused_before_the_receiver_sees_them(
    http_receiver,
):
    outcome = post_json(f"http://user:pw@127.0.0.1:{http_receiver.port}/", BODY)
    assert outcome.status is None
    assert "no user name or password" in outcome.error
    assert http_receiver.requests == []


def test_a_name_that_resolves_to_loopback_is_refused(
    public_only, http_receiver, monkeypatch
):
    """The name is checked where it leads, not by its spelling (a public-
    looking name whose DNS answer is 127.0.0.1)."""
    real = outbound.socket.getaddrinfo

    def fake_dns(host, port, *args, **kwargs):
        if host == "hooks.example.com":
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", fake_dns)
    url = f"http://hooks.example.com:{http_receiver.port}/hook"
    url_check(url)  # the spelling alone is fine
    outcome = post_json(url, BODY)
    assert outcome.status is None
    assert "127.0.0.1" in outcome.error
    assert http_receiver.requests == []


def test_the_request_goes_to_the_address_that_was_checked(http_receiver, monkeypatch):
    """Resolved once: a second lookup (DNS rebinding) is never made, and the
    Host header keeps the URL's name."""
    lookups = []
    real = outbound.socket.getaddrinfo

    def fake_dns(host, port, *args, **kwargs):
        lookups.append(host)
        if host == "hooks.example.com":
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", fake_dns)
    outcome = post_json(f"http://hooks.example.com:{http_receiver.port}/hook", BODY)
    assert outcome.status == 200
    assert lookups.count("hooks.example.com") == 1
    (request,) = http_receiver.requests
    assert request.headers["host"] == f"hooks.example.com:{http_receiver.port}"


def _count_connections(monkeypatch) -> list:
    """Every connection urllib3 would open, recorded instead of opened."""
    opened = []

    def refuse(*args, **kwargs):
        opened.append(args)
        raise AssertionError("a connection was opened")

    monkeypatch.setattr(outbound.urllib3, "HTTPConnectionPool", refuse)
    monkeypatch.setattr(outbound.urllib3, "HTTPSConnectionPool", refuse)
    monkeypatch.setattr(outbound.socket, "getaddrinfo", refuse)
    return opened


@pytest.mark.parametrize(
    "host", ["a" * 64 + ".example.com", "hooks..example.com", "ho st.example.com"]
)
def test_a_host_name_no_resolver_takes_is_refused_not_raised(host, monkeypatch):
    """An over-long or empty label made getaddrinfo raise UnicodeError
    through post_json (a task crashing on every retry); it is an outcome."""
    url = f"http://{host}/hook"
    with pytest.raises(UnsafeTarget, match="not a valid host name"):
        url_check(url)
    connections = _count_connections(monkeypatch)
    outcome = post_json(url, BODY)
    assert outcome.status is None
    assert "not a valid host name" in outcome.error
    assert connections == []


def test_an_international_host_name_goes_out_in_its_ascii_form(
    http_receiver, monkeypatch
):
    """An IDN host raised UnicodeEncodeError building the Host header; it is
    sent as the resolver and TLS know it (``xn--``)."""
    real = outbound.socket.getaddrinfo
    asked = []

    def fake_dns(host, port, *args, **kwargs):
        asked.append(host)
        return real("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", fake_dns)
    outcome = post_json(f"http://Hooks.Exämple.com:{http_receiver.port}/in", BODY)

    assert outcome.status == 200
    assert asked[0] == "hooks.xn--exmple-cua.com"
    (request,) = http_receiver.requests
    assert request.headers["host"] == f"hooks.xn--exmple-cua.com:{http_receiver.port}"


def test_a_path_with_spaces_or_non_ascii_is_sent_percent_encoded(http_receiver):
    """http.client refused such a path with an error that quoted it, and a
    Teams webhook URL's path and query are its secret: the error landed in
    the post log and the connector's last status. It is sent encoded, as a
    browser sends it."""
    secret = "sig=TopSecretSig123"
    for raw, sent in (
        ("/wf/a b", "/wf/a%20b"),
        ("/wf/café", "/wf/caf%C3%A9"),
        ("/wf/a\x00", "/wf/a%00"),
        ("/wf/50%25", "/wf/50%25"),
    ):
        outcome = post_json(f"{http_receiver.url}{raw}?{secret}", BODY)
        assert outcome.status == 200, outcome.error
        assert secret not in outcome.error
        assert http_receiver.requests[-1].path == f"{sent}?{secret}"


# --- Answers from a real receiver (loopback allowed, as in the test settings) -


def test_a_post_arrives_with_its_body_and_headers(http_receiver):
    outcome = post_json(
        f"{http_receiver.url}/hooks/in?key=1", BODY, {"webhook-id": "msg_1"}
    )
    assert outcome.status == 200 and outcome.ok and not outcome.transient
    assert outcome.excerpt == "ok"
    assert outcome.error == "" and outcome.retry_after is None
    assert outcome.summary() == "HTTP 200"
    assert outcome.duration_ms >= 0
    (request,) = http_receiver.requests
    assert request.method == "POST"
    assert request.path == "/hooks/in?key=1"
    assert request.body == BODY
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "Helpdesk-Integrations/1.0"
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["host"] == f"127.0.0.1:{http_receiver.port}"


@pytest.mark.parametrize("status", [400, 404, 410, 500, 503])
def test_an_error_status_is_recorded_with_the_answer(http_receiver, status):
    http_receiver.reply(Reply(status=status, body=b"nope \xff"))
    outcome = post_json(http_receiver.url, BODY)
    assert outcome.status == status
    assert not outcome.ok
    assert outcome.excerpt == "nope \ufffd"  # invalid UTF-8 replaced
    assert outcome.summary() == f"HTTP {status}"


def test_a_redirect_is_returned_not_followed(http_receiver):
    from integrations.tests.receivers import HttpReceiver

    elsewhere = HttpReceiver()
    try:
        http_receiver.reply(
            Reply(status=302, headers={"Location": f"{elsewhere.url}/stolen"})
        )
        outcome = post_json(http_receiver.url, BODY)
        assert outcome.status == 302
        assert not outcome.ok and not outcome.transient
        assert len(http_receiver.requests) == 1
        assert elsewhere.requests == []
        http_receiver.reply(
            Reply(status=307, headers={"Location": f"{elsewhere.url}/stolen"})
        )
        assert post_json(http_receiver.url, BODY).status == 307
        assert elsewhere.requests == []
    finally:
        elsewhere.stop()


def test_a_receiver_slower_than_the_timeout_is_a_timeout(http_receiver, settings):
    settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS = 0.5
    http_receiver.reply(Reply(pause=10))
    outcome = post_json(http_receiver.url, BODY)
    assert outcome.status is None
    assert "timed out" in outcome.error.lower()
    assert outcome.transient
    assert outcome.duration_ms < 10_000  # it did not wait for the answer
    assert len(http_receiver.requests) == 1


def test_a_refused_connection_is_an_outcome_not_an_exception(settings):
    from conftest import free_port

    outcome = post_json(f"http://127.0.0.1:{free_port()}/", BODY)
    assert outcome.status is None
    assert outcome.error
    assert outcome.transient


def test_a_huge_answer_is_read_only_up_to_64_kib(http_receiver, monkeypatch):
    read = []
    real = outbound._read_bounded

    def spy(response, **kwargs):
        content = real(response, **kwargs)
        read.append(len(content))
        return content

    monkeypatch.setattr(outbound, "_read_bounded", spy)
    http_receiver.reply(Reply(body=b"x" * (8 * 1024 * 1024)))
    outcome = post_json(http_receiver.url, BODY)
    assert outcome.status == 200
    assert read == [MAX_READ_BYTES] and MAX_READ_BYTES == 64 * 1024
    assert outcome.excerpt == "x" * 1000


# --- Retry-After and what is worth retrying ---------------------------------

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 30 ", 30.0),
        ("0", 0.0),
        ("7200", 3600.0),  # capped at an hour
        ("99999999999999999999", 3600.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Mon, 30 Nov 2026 04:10:00 GMT", 600.0),
        ("Monday, 30-Nov-26 04:10:00 GMT", 600.0),  # RFC 850, obsolete but valid
        ("Mon Nov 30 04:10:00 2026", 600.0),  # asctime
        (format_datetime(NOW + timedelta(hours=5), usegmt=True), 3600.0),
        (format_datetime(NOW - timedelta(minutes=1), usegmt=True), 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("1e3", None),
    ],
)
def test_retry_after_seconds_reads_delay_seconds_and_http_dates(header, seconds):
    assert retry_after_seconds(header) == seconds


@time_machine.travel(NOW, tick=False)
def test_retry_after_is_kept_from_a_429_and_a_503(http_receiver):
    http_receiver.reply(
        Reply(status=429, headers={"Retry-After": "30"}),
        Reply(
            status=503,
            headers={
                "Retry-After": format_datetime(NOW + timedelta(minutes=2), usegmt=True)
            },
        ),
        Reply(status=429, headers={"Retry-After": "86400"}),
        Reply(status=200, headers={"Retry-After": "30"}),
        Reply(status=429),
    )
    outcomes = [post_json(http_receiver.url, BODY) for _ in range(5)]
    assert [outcome.retry_after for outcome in outcomes] == [
        30.0,
        120.0,
        3600.0,
        None,  # only a 429 or 503 asks to wait
        None,
    ]


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        (None, True),
        (408, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (599, True),
        (200, False),
        (204, False),
        (301, False),
        (302, False),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (409, False),
        (410, False),
        (413, False),
        (422, False),
    ],
)
def test_only_no_answer_408_429_and_5xx_are_transient(status, transient):
    outcome = HttpOutcome(status=status, duration_ms=1, error="x" if not status else "")
    assert outcome.transient is transient
    assert outcome.ok is (status is not None and 200 <= status < 300)


# --- A receiver that answers a byte at a time --------------------------------


class TricklingReceiver:
    """A raw HTTP server on 127.0.0.1 that sends ``head`` at once, then one
    byte of ``drip`` every ``every`` seconds (each gap shorter than the read
    timeout, so no single read times out) for ``seconds``, then hangs up."""

    def __init__(self, head: bytes, drip: bytes, every: float, seconds: float):
        self.head, self.drip, self.every, self.seconds = head, drip, every, seconds
        self.sent = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            connection.recv(65536)
            stop = time.monotonic() + self.seconds
            try:
                connection.sendall(self.head)
                while time.monotonic() < stop:
                    connection.sendall(self.drip)
                    self.sent += 1
                    time.sleep(self.every)
            except OSError:
                pass  # the client hung up: what the deadline should do

    def stop(self) -> None:
        self.listener.close()
        self.thread.join(timeout=self.seconds + 5)


def test_a_body_sent_a_byte_at_a_time_is_cut_off_at_the_deadline(settings):
    settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS = 0.5
    receiver = TricklingReceiver(
        head=b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
        drip=b"x",
        every=0.1,
        seconds=4,
    )
    try:
        outcome = post_json(receiver.url, BODY)
    finally:
        receiver.stop()
    # The status came at once: the answer is a 200 with what arrived before
    # the deadline, not a broken connection after the receiver gave up.
    assert outcome.status == 200, outcome.error
    assert outcome.excerpt.startswith("x")


def test_headers_sent_a_byte_at_a_time_are_a_timeout(settings):
    settings.INTEGRATIONS_HTTP_TIMEOUT_SECONDS = 0.5
    receiver = TricklingReceiver(
        head=b"HTTP/1.1 200 OK\r\nX-Slow: ", drip=b"x", every=0.1, seconds=4
    )
    try:
        outcome = post_json(receiver.url, BODY)
    finally:
        receiver.stop()
    # Cut off at the deadline (2 x 0.5 s), not taken for a 200 whose
    # headers ended when the receiver gave up after 4 s.
    assert outcome.status is None
    assert "no complete answer" in outcome.error


# --- HTTPS: the pinned address, the certificate checked for the URL's name ---


@pytest.fixture
def https_receiver(tmp_path, monkeypatch):
    """A real HTTPS server on 127.0.0.1 with a certificate for
    hooks.example.com, which the fake DNS resolves to 127.0.0.1; the
    certificate is trusted through SSL_CERT_FILE (OpenSSL reads it whenever a
    client context loads the default trust store)."""
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.example.com")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("hooks.example.com")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    from integrations.tests.receivers import HttpReceiver

    receiver = HttpReceiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    receiver.server.socket = context.wrap_socket(
        receiver.server.socket, server_side=True
    )
    real = outbound.socket.getaddrinfo

    def fake_dns(host, port, *args, **kwargs):
        if host in ("hooks.example.com", "other.example.com"):
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", fake_dns)
    receiver.cert_path = cert_path
    yield receiver
    receiver.stop()


def test_https_goes_to_the_checked_address_with_the_urls_name(
    https_receiver, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(https_receiver.cert_path))
    outcome = post_json(f"https://hooks.example.com:{https_receiver.port}/in", BODY)
    assert outcome.status == 200, outcome.error
    (request,) = https_receiver.requests
    assert request.headers["host"] == f"hooks.example.com:{https_receiver.port}"
    assert request.body == BODY


def test_https_refuses_a_certificate_for_another_name(https_receiver, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(https_receiver.cert_path))
    for url in (
        f"https://other.example.com:{https_receiver.port}/in",
        f"https://127.0.0.1:{https_receiver.port}/in",
    ):
        outcome = post_json(url, BODY)
        assert outcome.status is None
        assert "match" in outcome.error, outcome.error
    assert https_receiver.requests == []


def test_https_refuses_an_untrusted_certificate(https_receiver):
    outcome = post_json(f"https://hooks.example.com:{https_receiver.port}/in", BODY)
    assert outcome.status is None
    assert "CERTIFICATE_VERIFY_FAILED" in outcome.error
    assert https_receiver.requests == []
