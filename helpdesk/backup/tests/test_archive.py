"""The archive container (helpdesk.backup.archive): what goes in comes out
byte for byte, in constant memory, and anything damaged, truncated, crafted
or locked with another passphrase is refused with a message that says what
is wrong."""

import gzip
import hashlib
import io
import json
import random
import tarfile
import tracemalloc

import pytest

from helpdesk.backup import crypto
from helpdesk.backup.archive import (
    MANIFEST_NAME,
    MANIFEST_SHA256_KEY,
    ArchiveWriter,
    archive_extract,
    archive_verify,
)
from helpdesk.backup.errors import ArchiveCorrupt, BackupError, WrongPassphrase

PHRASE = "correct horse"
ATTACHMENT = "files/private/attachments/2026/x.pdf"
# (compress, passphrase): plain tar, gzip, encrypted, encrypted gzip.
MODES = [(False, ""), (True, ""), (False, PHRASE), (True, PHRASE)]
MODE_IDS = ["tar", "gzip", "encrypted", "encrypted-gzip"]


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    """A tiny scrypt cost keeps the byte-by-byte tests fast; the reader takes
    the cost from the header (the real one is tested in test_crypto)."""
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**4)


def members() -> dict[str, bytes]:
    rows = b"".join(
        json.dumps({"model": "tickets.ticket", "pk": i, "fields": {}}).encode() + b"\n"
        for i in range(40)
    )
    return {
        "data/tickets.ticket.jsonl": rows,
        ATTACHMENT: random.Random(1).randbytes(700),
        # Longer than a ustar name and not ASCII: stored in a pax header.
        "files/private/" + "d" * 120 + "/reçu-été.txt": "Grüße\n".encode(),
        "files/default/empty.txt": b"",
    }


def build(compress=False, passphrase="", contents=None) -> tuple[bytes, dict]:
    raw = io.BytesIO()
    writer = ArchiveWriter(raw, passphrase=passphrase, compress=compress)
    for name, data in (contents if contents is not None else members()).items():
        writer.add_stream(name, io.BytesIO(data), len(data))
    manifest = writer.close({"format": 1, "engine": "sqlite"})
    return raw.getvalue(), manifest


def verify(data: bytes, passphrase="") -> dict:
    return archive_verify(io.BytesIO(data), passphrase=passphrase)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def craft(entries, manifest_files=None, *, manifest=True, after=None) -> bytes:
    """A plain tar made by hand: ``entries`` are TarInfo or (name, bytes);
    the manifest lists ``manifest_files`` (default: every regular entry)."""
    raw = io.BytesIO()
    listed = {}
    with tarfile.open(fileobj=raw, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tar.addfile(entry)
                continue
            name, data = entry
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            listed[name] = {"size": len(data), "sha256": sha256(data)}
        if manifest:
            files = listed if manifest_files is None else manifest_files
            body = json.dumps({"format": 1, "files": files}).encode()
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(body)
            info.pax_headers = {MANIFEST_SHA256_KEY: sha256(body)}
            tar.addfile(info, io.BytesIO(body))
        for name, data in after or []:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


# --- round trips ----------------------------------------------------------------


@pytest.mark.parametrize(("compress", "passphrase"), MODES, ids=MODE_IDS)
def test_round_trip_extracts_identical_bytes(tmp_path, compress, passphrase):
    data, manifest = build(compress, passphrase)
    assert manifest["engine"] == "sqlite"
    assert manifest["files"][ATTACHMENT] == {
        "size": 700,
        "sha256": sha256(members()[ATTACHMENT]),
    }
    assert verify(data, passphrase) == manifest

    extracted = archive_extract(io.BytesIO(data), tmp_path, passphrase=passphrase)

    assert extracted == manifest
    for name, content in members().items():
        assert (tmp_path / name).read_bytes() == content
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")}
    assert {n for n in written if (tmp_path / n).is_file()} == set(members())


@pytest.mark.parametrize(
    ("compress", "passphrase", "head"),
    [(False, "", b"files/"), (True, "", b"\x1f\x8b"), (True, PHRASE, b"HDBKENC1")],
)
def test_kind_is_told_by_the_first_bytes(compress, passphrase, head):
    data, _ = build(compress, passphrase, contents={"files/a.txt": b"a"})
    assert data.startswith(head)


def test_standard_tools_read_the_gzip_archive():
    data, _ = build(compress=True)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        assert tar.getnames()[-1] == MANIFEST_NAME
        assert tar.extractfile(ATTACHMENT).read() == members()[ATTACHMENT]


def test_plain_archive_read_with_a_passphrase_is_read():
    data, manifest = build(compress=True)
    assert verify(data, passphrase=PHRASE) == manifest


def test_add_file_reads_a_local_file(tmp_path):
    source = tmp_path / "in.bin"
    source.write_bytes(b"\x00\x01" * 5000)
    raw = io.BytesIO()
    writer = ArchiveWriter(raw)
    writer.add_file("files/default/in.bin", source)
    manifest = writer.close({})
    assert manifest["files"]["files/default/in.bin"]["size"] == 10_000
    assert verify(raw.getvalue()) == manifest


class GeneratedStream:
    """``size`` reproducible pseudo-random bytes, made as they are read."""

    def __init__(self, size: int, seed: int = 7) -> None:
        self._random = random.Random(seed)
        self._left = size

    def read(self, size: int = -1) -> bytes:
        size = self._left if size < 0 else min(size, self._left)
        self._left -= size
        return self._random.randbytes(size)


@pytest.mark.parametrize(("compress", "passphrase"), MODES[1:], ids=MODE_IDS[1:])
def test_large_member_streams_in_bounded_memory(tmp_path, compress, passphrase):
    size = 20 * 1024 * 1024
    path = tmp_path / "big.tar"
    tracemalloc.start()
    try:
        with open(path, "wb") as out:
            writer = ArchiveWriter(out, passphrase=passphrase, compress=compress)
            writer.add_stream("files/private/big.bin", GeneratedStream(size), size)
            manifest = writer.close({})
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        target = tmp_path / "out"
        target.mkdir()
        with open(path, "rb") as archive:
            archive_extract(archive, target, passphrase=passphrase)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    expected = hashlib.sha256()
    stream = GeneratedStream(size)
    while chunk := stream.read(1 << 20):
        expected.update(chunk)
    assert manifest["files"]["files/private/big.bin"]["sha256"] == expected.hexdigest()
    assert sha256((target / "files/private/big.bin").read_bytes()) == (
        expected.hexdigest()
    )
    # The member is 20 MB; a few hundred KB of buffers is all either side holds.
    assert write_peak < 2 * 1024 * 1024, write_peak
    assert read_peak < 2 * 1024 * 1024, read_peak


# --- the writer refuses what it must not write ----------------------------------


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../x", "files/../../x", "files//x", "a\\b", "", "./x"]
)
def test_writer_refuses_unsafe_names(name):
    writer = ArchiveWriter(io.BytesIO())
    with pytest.raises(BackupError, match="Cannot archive"):
        writer.add_stream(name, io.BytesIO(b"x"), 1)


def test_writer_refuses_duplicates_and_the_manifest_name():
    writer = ArchiveWriter(io.BytesIO())
    writer.add_stream("files/a", io.BytesIO(b"x"), 1)
    with pytest.raises(BackupError, match="twice"):
        writer.add_stream("files/a", io.BytesIO(b"x"), 1)
    with pytest.raises(BackupError, match="the manifest's name"):
        writer.add_stream(MANIFEST_NAME, io.BytesIO(b"{}"), 2)


def test_writer_refuses_a_stream_that_ends_early():
    writer = ArchiveWriter(io.BytesIO())
    with pytest.raises(ArchiveCorrupt, match="files/a: the source ended after 3 of 10"):
        writer.add_stream("files/a", io.BytesIO(b"abc"), 10)


# --- passphrases ----------------------------------------------------------------


def test_encrypted_archive_without_passphrase_says_how_to_give_one():
    data, _ = build(compress=True, passphrase=PHRASE)
    with pytest.raises(WrongPassphrase, match="set BACKUP_PASSPHRASE"):
        verify(data, passphrase="")


def test_wrong_passphrase_is_refused(tmp_path):
    data, _ = build(compress=True, passphrase=PHRASE)
    with pytest.raises(WrongPassphrase, match="passphrase does not open"):
        archive_extract(io.BytesIO(data), tmp_path, passphrase="battery staple")
    assert not any(tmp_path.iterdir())


# --- damage anywhere --------------------------------------------------------------


@pytest.mark.parametrize(("compress", "passphrase"), MODES, ids=MODE_IDS)
def test_every_flipped_byte_is_refused(compress, passphrase):
    data, _ = build(compress, passphrase)
    for position in range(len(data)):
        for flip in (0x01, 0x80, 0xFF):
            damaged = bytearray(data)
            damaged[position] ^= flip
            try:
                verify(bytes(damaged), passphrase)
            except ArchiveCorrupt:
                continue
            except WrongPassphrase:
                # Only where GCM cannot tell damage from a wrong key: the
                # salt, the key cost or the first chunk.
                assert passphrase
                assert position < crypto.HEADER_SIZE + crypto.CHUNK_SIZE + 16
                continue
            pytest.fail(f"byte {position} ^ {flip:#x} was not noticed")


def test_header_checksum_written_in_another_form_is_refused():
    """The checksum field's trailing bytes are ignored by tar readers; the
    helpdesk only accepts its canonical form."""
    data, _ = build()
    for position, value in ((155, 0), (154, 0x20), (148, 0x20)):
        damaged = bytearray(data)
        damaged[position] = value
        with pytest.raises(ArchiveCorrupt, match=r"header at byte 0|does not start"):
            verify(bytes(damaged))


def test_changed_member_byte_names_the_member():
    data, _ = build()
    content = members()[ATTACHMENT]
    position = data.index(content) + 100
    damaged = bytearray(data)
    damaged[position] ^= 0x01
    with pytest.raises(ArchiveCorrupt) as refused:
        verify(bytes(damaged))
    assert str(refused.value) == (
        f"{ATTACHMENT}: checksum differs from the manifest (archive damaged)."
    )


def test_changed_manifest_byte_is_refused():
    data, _ = build()
    position = data.index(b'"engine": "sqlite"') + 12
    damaged = bytearray(data)
    damaged[position] = ord("S")
    with pytest.raises(ArchiveCorrupt, match=r"manifest\.json: checksum differs"):
        verify(bytes(damaged))


@pytest.mark.parametrize(("compress", "passphrase"), MODES, ids=MODE_IDS)
def test_every_truncation_is_refused(compress, passphrase):
    data, _ = build(compress, passphrase)
    step = 1 if compress else 7  # plain: several cuts in every 512-byte block
    for length in [*range(0, len(data), step), len(data) - 1]:
        with pytest.raises(BackupError):
            verify(data[:length], passphrase)


@pytest.mark.parametrize(("compress", "passphrase"), MODES, ids=MODE_IDS)
def test_truncated_before_the_manifest_says_so(compress, passphrase):
    big = {"files/default/big.bin": random.Random(2).randbytes(200_000)}
    data, _ = build(compress, passphrase, contents=big)
    with pytest.raises(ArchiveCorrupt, match="truncated"):
        verify(data[: len(data) // 2], passphrase)


def test_encrypted_archive_cut_at_a_chunk_boundary_is_refused():
    big = {"files/default/big.bin": random.Random(3).randbytes(300_000)}
    data, _ = build(False, PHRASE, contents=big)
    sealed = crypto.CHUNK_SIZE + crypto.TAG_SIZE
    for chunks in (1, 2, 4):
        cut = data[: crypto.HEADER_SIZE + chunks * sealed]
        with pytest.raises(ArchiveCorrupt, match="truncated"):
            verify(cut, PHRASE)


def test_encrypted_archive_with_reordered_or_dropped_chunk_is_refused():
    big = {"files/default/big.bin": random.Random(4).randbytes(300_000)}
    data, _ = build(True, PHRASE, contents=big)
    sealed = crypto.CHUNK_SIZE + crypto.TAG_SIZE
    header, body = data[: crypto.HEADER_SIZE], data[crypto.HEADER_SIZE :]
    parts = [body[i : i + sealed] for i in range(0, len(body), sealed)]
    assert len(parts) >= 4
    reordered = header + b"".join([parts[0], parts[2], parts[1], *parts[3:]])
    dropped = header + b"".join([parts[0], *parts[2:]])
    for damaged in (reordered, dropped):
        with pytest.raises(ArchiveCorrupt, match="chunk 2 fails"):
            verify(damaged, PHRASE)


def test_appended_bytes_are_refused():
    for compress in (False, True):
        data, _ = build(compress)
        with pytest.raises(ArchiveCorrupt, match="damaged"):
            verify(data + b"\x01")


# --- not an archive --------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello, this is a text file\n",
        b"PK\x03\x04" + b"\x00" * 600,
        random.Random(5).randbytes(5000),
        b"\x1f\x8b" + random.Random(6).randbytes(100),
        gzip.compress(b"\x00" * 10240, mtime=123),  # gzip, not the helpdesk's
    ],
    ids=["empty", "text", "zip", "random", "gzip-garbage", "foreign-gzip"],
)
def test_garbage_is_not_an_archive(data):
    with pytest.raises(ArchiveCorrupt, match="not a helpdesk archive"):
        verify(data)


def test_tar_without_manifest_is_refused():
    with pytest.raises(ArchiveCorrupt, match="ends before its manifest"):
        verify(craft([("files/a", b"a")], manifest=False))


# --- crafted archives ------------------------------------------------------------


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (("../evil.txt", b"owned"), "unsafe path"),
        (("files/../../evil.txt", b"owned"), "unsafe path"),
        (("/etc/evil.txt", b"owned"), "absolute path"),
        (special("files/link", tarfile.SYMTYPE, "/etc/passwd"), "symbolic link"),
        (special("files/hard", tarfile.LNKTYPE, "files/a"), "hard link"),
        (special("files/dev", tarfile.CHRTYPE), "device"),
        (special("files/fifo", tarfile.FIFOTYPE), "FIFO"),
        (special("files/dir", tarfile.DIRTYPE), "directory"),
    ],
)
def test_extraction_refuses_unsafe_members(tmp_path, entry, problem):
    target = tmp_path / "restore"
    target.mkdir()
    data = craft([("files/a", b"a"), entry])
    with pytest.raises(ArchiveCorrupt, match=problem):
        archive_extract(io.BytesIO(data), target)
    assert not (tmp_path / "evil.txt").exists()
    assert not any(p.is_symlink() for p in target.rglob("*"))


def test_duplicate_member_is_refused():
    data = craft([("files/a", b"a"), ("files/a", b"b")])
    with pytest.raises(ArchiveCorrupt, match="files/a: appears twice"):
        verify(data)


def test_member_not_in_the_manifest_is_refused():
    data = craft([("files/a", b"a"), ("files/b", b"b")], {})
    with pytest.raises(ArchiveCorrupt, match="files/a: not listed in the manifest"):
        verify(data)


def test_member_missing_from_the_archive_is_refused():
    listed = {"files/gone.pdf": {"size": 1, "sha256": sha256(b"x")}}
    with pytest.raises(
        ArchiveCorrupt, match=r"files/gone\.pdf: listed in the manifest but missing"
    ):
        verify(craft([], listed))


def test_size_and_checksum_differing_from_the_manifest_are_refused():
    wrong_size = {"files/a": {"size": 2, "sha256": sha256(b"a")}}
    with pytest.raises(ArchiveCorrupt, match="files/a: 1 bytes, the manifest says 2"):
        verify(craft([("files/a", b"a")], wrong_size))
    wrong_sum = {"files/a": {"size": 1, "sha256": sha256(b"b")}}
    with pytest.raises(ArchiveCorrupt, match="files/a: checksum differs"):
        verify(craft([("files/a", b"a")], wrong_sum))


def test_member_after_the_manifest_is_refused():
    data = craft([("files/a", b"a")], after=[("files/late", b"z")])
    with pytest.raises(ArchiveCorrupt, match="files/late: a member after the manifest"):
        verify(data)


def test_malformed_manifest_is_refused():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        body = b"[1, 2"
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(body)
        info.pax_headers = {MANIFEST_SHA256_KEY: sha256(body)}
        tar.addfile(info, io.BytesIO(body))
    with pytest.raises(ArchiveCorrupt, match=r"manifest\.json: not valid UTF-8 JSON"):
        verify(raw.getvalue())


def test_member_size_from_a_pax_header_is_followed():
    """Members of 8 GiB or more carry their size in a pax record; a small
    one written the same way reads back."""
    raw = io.BytesIO()
    body = b"rows\n" * 300
    with tarfile.open(fileobj=raw, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("data/big.jsonl")
        info.size = len(body)
        info.pax_headers = {"size": str(len(body))}
        tar.addfile(info, io.BytesIO(body))
        files = {"data/big.jsonl": {"size": len(body), "sha256": sha256(body)}}
        manifest = json.dumps({"files": files}).encode()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(manifest)
        info.pax_headers = {MANIFEST_SHA256_KEY: sha256(manifest)}
        tar.addfile(info, io.BytesIO(manifest))
    assert b"size=1500" in raw.getvalue()
    assert verify(raw.getvalue())["files"] == files
