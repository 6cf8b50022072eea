"""Streaming authenticated encryption of an archive with a passphrase.

(Owned by the archive helper: implement here.) Design, binding:

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
"""

from __future__ import annotations

from typing import BinaryIO

MAGIC = b"HDBKENC1"


def is_encrypted(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a file) starts an encrypted archive."""
    return head.startswith(MAGIC)


class EncryptingWriter:
    """A write-only binary file object: bytes written to it reach ``raw``
    encrypted. ``close()`` seals the last chunk and does not close ``raw``."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        raise NotImplementedError

    def write(self, data: bytes) -> int:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class DecryptingReader:
    """A read-only binary file object over an encrypted ``raw`` stream: each
    chunk is authenticated before any of its bytes are returned. Raises
    ``WrongPassphrase`` or ``ArchiveCorrupt`` (from read) as described above."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        raise NotImplementedError

    def read(self, size: int = -1) -> bytes:
        raise NotImplementedError
