"""Streaming authenticated encryption of an archive with a passphrase.

Design, binding:

- Header: magic ``b"HDBKENC1"``, then the scrypt parameters and a random
  16-byte salt (store n, r, p so they can change later); the 32-byte key is
  ``Scrypt(salt, length=32, n=2**15, r=8, p=1)`` of the UTF-8 passphrase
  (``cryptography.hazmat.primitives.kdf.scrypt``).
- Body: the STREAM construction (Hoang, Reyhanitabar, Rogaway and Vizar,
  "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance",
  CRYPTO 2015; the same layout as the age format's payload): the plaintext
  is cut into 64 KiB chunks, each sealed with AES-256-GCM
  (``cryptography``'s ``AESGCM``) under the nonce ``counter (11 bytes,
  big-endian) || last-chunk flag (1 byte)`` and the header as associated
  data. A reordered, dropped, altered or truncated chunk fails to open; the
  last chunk (possibly empty) carries the flag, so a cut at a chunk
  boundary is found too. The key is new per file (random salt), so counter
  nonces never repeat under one key.
- A wrong passphrase fails on the first chunk: :class:`WrongPassphrase`.
  Any other failure: :class:`ArchiveCorrupt`.

On disk: ``magic (8) || n, r, p (3 x 4 bytes, big-endian) || salt (16)``,
then the chunks, each ``ciphertext || 16-byte tag``; every chunk but the
last holds exactly 64 KiB of plaintext, the last one 0 to 64 KiB (empty only
when the whole plaintext is). GCM cannot tell a wrong key from a damaged
first chunk (or a damaged salt), so that one failure says both.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from helpdesk.backup.errors import ArchiveCorrupt, WrongPassphrase
from helpdesk.backup.streams import read_full

MAGIC = b"HDBKENC1"
CHUNK_SIZE = 64 * 1024  # plaintext bytes per chunk
TAG_SIZE = 16
SALT_SIZE = 16
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_PARAMS = struct.Struct(">III")
HEADER_SIZE = len(MAGIC) + _PARAMS.size + SALT_SIZE
# What a reader accepts from a header: enough headroom to raise the cost
# later, bounded so a crafted header cannot ask for gigabytes (scrypt needs
# 128 * r * n bytes).
_MAX_N = 2**20
_MAX_R = 32
_MAX_P = 16

ENCRYPTED_ARCHIVE_HINT = (
    "This archive is encrypted: set BACKUP_PASSPHRASE (or pass --passphrase)"
)


def is_encrypted(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a file) starts an encrypted archive."""
    return head.startswith(MAGIC)


def _derive_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(
        passphrase.encode("utf-8")
    )


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only binary file object: bytes written to it reach ``raw``
    encrypted. ``close()`` seals the last chunk and does not close ``raw``.

    ``scrypt_n`` is the scrypt cost (a power of two, default ``SCRYPT_N``
    read at call time, so tests can lower it). Raises ``ValueError`` for an
    empty passphrase.
    """

    def __init__(
        self, raw: BinaryIO, passphrase: str, *, scrypt_n: int | None = None
    ) -> None:
        scrypt_n = SCRYPT_N if scrypt_n is None else scrypt_n
        if not passphrase:
            raise ValueError("An encrypted archive needs a passphrase.")
        salt = os.urandom(SALT_SIZE)
        self._header = MAGIC + _PARAMS.pack(scrypt_n, SCRYPT_R, SCRYPT_P) + salt
        self._aead = AESGCM(_derive_key(passphrase, salt, scrypt_n, SCRYPT_R, SCRYPT_P))
        self._raw = raw
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        raw.write(self._header)

    def _seal(self, plaintext: bytes, *, last: bool) -> None:
        nonce = _nonce(self._counter, last)
        self._raw.write(self._aead.encrypt(nonce, plaintext, self._header))
        self._counter += 1

    def write(self, data: bytes) -> int:
        if self._closed:
            raise ValueError("write to a closed EncryptingWriter")
        self._buffer += data
        # Keep at least one byte back: only close() knows which chunk is last.
        while len(self._buffer) > CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]), last=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def flush(self) -> None:
        """Nothing to do: a chunk is written once it is known not to be last."""

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._seal(bytes(self._buffer), last=True)
        self._buffer = bytearray()


class DecryptingReader:
    """A read-only binary file object over an encrypted ``raw`` stream: each
    chunk is authenticated before any of its bytes are returned. Raises
    ``WrongPassphrase`` or ``ArchiveCorrupt`` (from read) as described above.

    The constructor reads the header: it raises ``WrongPassphrase`` for an
    empty passphrase and ``ArchiveCorrupt`` for a header that is cut short,
    lacks the magic or asks for scrypt parameters out of bounds.
    """

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        if not passphrase:
            raise WrongPassphrase(ENCRYPTED_ARCHIVE_HINT)
        header = read_full(raw, HEADER_SIZE)
        if not header.startswith(MAGIC):
            raise ArchiveCorrupt("This is not an encrypted helpdesk archive.")
        if len(header) < HEADER_SIZE:
            raise ArchiveCorrupt(
                "The archive is truncated: it ends inside its encryption header."
            )
        n, r, p = _PARAMS.unpack_from(header, len(MAGIC))
        if not (1 < n <= _MAX_N and n & (n - 1) == 0) or not (
            0 < r <= _MAX_R and 0 < p <= _MAX_P
        ):
            raise ArchiveCorrupt(
                "The archive's encryption header is damaged "
                f"(key parameters n={n}, r={r}, p={p} are out of bounds)."
            )
        salt = header[len(MAGIC) + _PARAMS.size :]
        self._header = header
        self._aead = AESGCM(_derive_key(passphrase, salt, n, r, p))
        self._raw = raw
        self._counter = 0
        self._pending = read_full(raw, CHUNK_SIZE + TAG_SIZE)
        self._plain = b""
        self._position = 0  # into self._plain
        self._done = False

    def _open(self, sealed: bytes, *, last: bool) -> bytes:
        return self._aead.decrypt(_nonce(self._counter, last), sealed, self._header)

    def _next_chunk(self) -> None:
        sealed = self._pending
        full = len(sealed) == CHUNK_SIZE + TAG_SIZE
        # A full chunk is the last one only if nothing follows it.
        self._pending = read_full(self._raw, CHUNK_SIZE + TAG_SIZE) if full else b""
        last = not self._pending
        try:
            self._plain = self._open(sealed, last=last)
        except InvalidTag:
            self._fail(sealed, last=last)
        self._counter += 1
        self._done = last

    def _fail(self, sealed: bytes, *, last: bool) -> None:
        if last and len(sealed) == CHUNK_SIZE + TAG_SIZE:
            try:
                self._open(sealed, last=False)
            except InvalidTag:
                pass
            else:
                raise ArchiveCorrupt(
                    "The archive is truncated: its encrypted data ends after "
                    f"chunk {self._counter + 1}, without its final chunk."
                )
        if not last:
            try:
                self._open(sealed, last=True)
            except InvalidTag:
                pass
            else:
                raise ArchiveCorrupt(
                    "The archive is damaged: data follows its final encrypted "
                    f"chunk (chunk {self._counter + 1})."
                )
        if self._counter == 0:
            raise WrongPassphrase(
                "The passphrase does not open this archive (wrong passphrase, "
                "or the archive is damaged at its start)."
            )
        if last:
            raise ArchiveCorrupt(
                "The archive is damaged or truncated: its last encrypted chunk "
                f"(chunk {self._counter + 1}) fails its authentication check."
            )
        raise ArchiveCorrupt(
            f"The archive is damaged: encrypted chunk {self._counter + 1} fails "
            "its authentication check (altered, reordered or missing chunks)."
        )

    def read(self, size: int = -1) -> bytes:
        parts = []
        wanted = size if size is not None and size >= 0 else None
        while wanted is None or wanted > 0:
            if self._position == len(self._plain):
                if self._done:
                    break
                self._next_chunk()
                self._position = 0
                continue
            end = len(self._plain)
            if wanted is not None:
                end = min(end, self._position + wanted)
                wanted -= end - self._position
            parts.append(self._plain[self._position : end])
            self._position = end
        return b"".join(parts)

    def readable(self) -> bool:
        return True
