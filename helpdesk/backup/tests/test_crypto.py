"""The streaming encryption of archives (helpdesk.backup.crypto): what an
operator sees is a readable archive with the right passphrase, and a clear
refusal for a wrong one or for any damage to the encrypted bytes."""

import io
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpdesk.backup import crypto
from helpdesk.backup.crypto import (
    CHUNK_SIZE,
    HEADER_SIZE,
    MAGIC,
    TAG_SIZE,
    DecryptingReader,
    EncryptingWriter,
    is_encrypted,
)
from helpdesk.backup.errors import ArchiveCorrupt, WrongPassphrase

SEALED = CHUNK_SIZE + TAG_SIZE
PHRASE = "correct horse"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    """scrypt at its real cost takes ~0.1 s a key: tests use a tiny one (the
    reader takes the cost from the header, so nothing else changes)."""
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**4)


def encrypt(plaintext: bytes, passphrase: str = PHRASE, pieces=None) -> bytes:
    raw = io.BytesIO()
    writer = EncryptingWriter(raw, passphrase)
    for piece in pieces or [plaintext]:
        writer.write(piece)
    writer.close()
    return raw.getvalue()


def decrypt(data: bytes, passphrase: str = PHRASE, read_size=-1) -> bytes:
    reader = DecryptingReader(io.BytesIO(data), passphrase)
    if read_size < 0:
        return reader.read()
    parts = []
    while chunk := reader.read(read_size):
        parts.append(chunk)
    return b"".join(parts)


def chunks(data: bytes) -> list[bytes]:
    body = data[HEADER_SIZE:]
    return [body[i : i + SEALED] for i in range(0, len(body), SEALED)]


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 7]
)
def test_round_trip_at_chunk_edges(size):
    plaintext = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    sealed = encrypt(plaintext)
    assert is_encrypted(sealed)
    assert size < 16 or plaintext[:16] not in sealed
    assert len(sealed) == HEADER_SIZE + size + TAG_SIZE * max(1, -(-size // CHUNK_SIZE))
    assert decrypt(sealed) == plaintext
    assert decrypt(sealed, read_size=10_000) == plaintext


@given(
    st.lists(st.binary(max_size=3000), max_size=8),
    st.integers(min_value=1, max_value=5000),
)
def test_round_trip_whatever_the_write_and_read_sizes(pieces, read_size):
    plaintext = b"".join(pieces)
    assert decrypt(encrypt(plaintext, pieces=pieces), read_size=read_size) == plaintext


def test_header_records_the_real_scrypt_cost_and_a_fresh_salt(monkeypatch):
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**15)
    first, second = encrypt(b"same"), encrypt(b"same")
    assert first.startswith(MAGIC)
    assert struct.unpack(">III", first[8:20]) == (2**15, 8, 1)
    assert first[20:36] != second[20:36]  # new salt, so a new key per file
    assert first[HEADER_SIZE:] != second[HEADER_SIZE:]
    assert decrypt(first) == b"same"


def test_wrong_passphrase_is_refused():
    sealed = encrypt(b"secret rows" * 1000)
    with pytest.raises(WrongPassphrase, match="passphrase does not open"):
        decrypt(sealed, passphrase="battery staple")


def test_empty_passphrase_says_how_to_give_one():
    sealed = encrypt(b"secret rows")
    with pytest.raises(WrongPassphrase, match="set BACKUP_PASSPHRASE"):
        decrypt(sealed, passphrase="")
    with pytest.raises(ValueError):
        EncryptingWriter(io.BytesIO(), "")


def test_reordered_chunks_are_refused():
    sealed = encrypt(b"a" * CHUNK_SIZE + b"b" * CHUNK_SIZE + b"c" * 10)
    header, (one, two, three) = sealed[:HEADER_SIZE], chunks(sealed)
    with pytest.raises(ArchiveCorrupt, match="chunk 2 fails"):
        decrypt(header + one + three + two)
    # Swapping the first two makes the first fail: indistinguishable from a
    # wrong key, and still a refusal.
    with pytest.raises(WrongPassphrase, match="damaged at its start"):
        decrypt(header + two + one + three)


def test_dropped_chunk_is_refused():
    sealed = encrypt(b"a" * CHUNK_SIZE + b"b" * CHUNK_SIZE + b"c" * 10)
    header, (one, _two, three) = sealed[:HEADER_SIZE], chunks(sealed)
    with pytest.raises(ArchiveCorrupt, match="chunk 2"):
        decrypt(header + one + three)


def test_truncation_at_a_chunk_boundary_is_refused():
    sealed = encrypt(b"z" * (2 * CHUNK_SIZE + 100))
    cut = sealed[: HEADER_SIZE + 2 * SEALED]
    with pytest.raises(ArchiveCorrupt, match=r"truncated.*after chunk 2"):
        decrypt(cut)
    with pytest.raises(ArchiveCorrupt, match=r"truncated.*after chunk 1"):
        decrypt(sealed[: HEADER_SIZE + SEALED])


@pytest.mark.parametrize("cut", [1, 10, 17, SEALED + 5])
def test_truncation_inside_a_chunk_is_refused(cut):
    sealed = encrypt(b"z" * (2 * CHUNK_SIZE + 100))
    with pytest.raises(ArchiveCorrupt):
        decrypt(sealed[: HEADER_SIZE + SEALED + cut])


def test_truncated_header_and_appended_bytes_are_refused():
    sealed = encrypt(b"rows" * 100)
    with pytest.raises(ArchiveCorrupt, match="encryption header"):
        DecryptingReader(io.BytesIO(sealed[:20]), PHRASE)
    whole_chunks = encrypt(b"r" * 2 * CHUNK_SIZE)
    with pytest.raises(ArchiveCorrupt, match="data follows its final"):
        decrypt(whole_chunks + b"\x00")
    short_last = encrypt(b"r" * (2 * CHUNK_SIZE + 5))
    with pytest.raises(ArchiveCorrupt, match=r"last encrypted chunk \(chunk 3\)"):
        decrypt(short_last + b"\x00")


def test_every_flipped_byte_is_refused():
    sealed = encrypt(bytes(range(256)) * 300)  # two chunks
    for position in range(len(sealed)):
        damaged = bytearray(sealed)
        damaged[position] ^= 0x01
        # The salt, the cost or the first chunk: indistinguishable from a wrong
        # passphrase (WrongPassphrase); any later byte: ArchiveCorrupt.
        expected = (
            (WrongPassphrase, ArchiveCorrupt)
            if position < HEADER_SIZE + SEALED
            else ArchiveCorrupt
        )
        with pytest.raises(expected):
            decrypt(bytes(damaged))


def test_absurd_key_parameters_are_refused_before_deriving_a_key():
    sealed = bytearray(encrypt(b"rows"))
    sealed[8:12] = struct.pack(">I", 2**30)
    with pytest.raises(ArchiveCorrupt, match="out of bounds"):
        DecryptingReader(io.BytesIO(bytes(sealed)), PHRASE)
