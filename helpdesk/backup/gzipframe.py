"""The archive's gzip layer, written and read by the helpdesk itself so that
every byte of it is checked.

``gzip`` and ``tarfile`` readers ignore parts of a gzip stream: deflate
ignores some bits (the padding after a stored block's header) and the
header's time and OS bytes are not checked, so the CRC-32 of the
uncompressed data alone would let changes there through. This module
therefore writes the stream with ``zlib`` (raw deflate, RFC 1951) and frames
it itself (RFC 1952): a fixed 10-byte header (no name, time 0, OS
"unknown"), the CRC-32 and length trailer, and then a second, empty gzip
member whose extra field (subfield ``HD``) holds the sha256 of every byte of
the first member. The reader refuses any other header, a failed CRC-32 or
length, and a digest member that differs. ``gzip -d`` and ``tar xzf`` still
read the file (a concatenation of gzip members is one gzip stream).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from typing import BinaryIO

from helpdesk.backup.errors import (
    TRUNCATED_AFTER_MANIFEST,
    ArchiveCorrupt,
    ArchiveTruncated,
)
from helpdesk.backup.streams import read_full

COPY_SIZE = 64 * 1024  # bytes per read or write of member data

GZIP_MAGIC = b"\x1f\x8b"
# ID1 ID2, CM=deflate, FLG=0, MTIME=0 (4 bytes), XFL=0, OS=255 (unknown).
_GZIP_HEADER = GZIP_MAGIC + b"\x08\x00" + b"\x00" * 4 + b"\x00\xff"
_GZIP_EMPTY_BODY = b"\x03\x00" + b"\x00" * 8  # empty final block, CRC 0, size 0
_GZIP_DIGEST_SIZE = 10 + 2 + 4 + 32 + len(_GZIP_EMPTY_BODY)


class GzipWriter:
    """Gzip of everything written, into ``raw``: the first member, then the
    member that carries its sha256 (see the module docstring)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        self._crc = 0
        self._size = 0
        self._sha = hashlib.sha256()
        self._emit(_GZIP_HEADER)

    def _emit(self, data: bytes) -> None:
        if data:
            self._sha.update(data)
            self._raw.write(data)

    def write(self, data: bytes) -> int:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        self._emit(self._deflate.compress(data))
        return len(data)

    def close(self) -> None:
        self._emit(self._deflate.flush(zlib.Z_FINISH))
        self._emit(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))
        self._raw.write(_gzip_digest_member(self._sha.digest()))


def _gzip_digest_member(digest: bytes) -> bytes:
    """An empty gzip member whose extra field holds ``digest``."""
    extra = b"HD" + struct.pack("<H", len(digest)) + digest
    header = GZIP_MAGIC + b"\x08\x04" + b"\x00" * 4 + b"\x00\xff"
    return header + struct.pack("<H", len(extra)) + extra + _GZIP_EMPTY_BODY


class GunzipReader:
    """The uncompressed bytes of a gzip stream the helpdesk wrote, checking
    every byte of it (see the module docstring)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        header = read_full(raw, len(_GZIP_HEADER))
        if header != _GZIP_HEADER:
            raise ArchiveCorrupt(
                "This is not a helpdesk archive, or it is damaged: its gzip "
                "header differs from the one the helpdesk writes."
            )
        self._sha = hashlib.sha256(header)
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        self._input = b""
        self._crc = 0
        self._size = 0
        self._out = b""
        self._position = 0
        self._done = False

    def read(self, size: int = -1) -> bytes:
        parts = []
        wanted = size if size is not None and size >= 0 else None
        while wanted is None or wanted > 0:
            if self._position == len(self._out):
                if self._done:
                    break
                self._fill()
                continue
            end = len(self._out)
            if wanted is not None:
                end = min(end, self._position + wanted)
                wanted -= end - self._position
            parts.append(self._out[self._position : end])
            self._position = end
        return b"".join(parts)

    def _fill(self) -> None:
        at_end = False
        if not self._input:
            self._input = self._raw.read(COPY_SIZE)
            at_end = not self._input
        inflate = self._inflate
        try:
            out = inflate.decompress(self._input, COPY_SIZE)
        except zlib.error as error:
            raise ArchiveCorrupt(
                f"The archive is damaged: its compressed data is invalid ({error})."
            ) from None
        self._crc = zlib.crc32(out, self._crc)
        self._size += len(out)
        self._out, self._position = out, 0
        if at_end and not out and not inflate.eof:
            raise ArchiveTruncated()
        if inflate.eof:
            rest = inflate.unused_data
            self._sha.update(self._input[: len(self._input) - len(rest)])
            self._input = b""
            self._finish(rest)
        else:
            left = inflate.unconsumed_tail
            self._sha.update(self._input[: len(self._input) - len(left)])
            self._input = left

    def _finish(self, rest: bytes) -> None:
        self._done = True
        wanted = 8 + _GZIP_DIGEST_SIZE + 1
        tail = rest[:wanted] + read_full(self._raw, max(0, wanted - len(rest)))
        if len(tail) < 8:
            raise ArchiveTruncated()
        crc, size = struct.unpack("<II", tail[:8])
        if crc != self._crc or size != self._size & 0xFFFFFFFF:
            raise ArchiveCorrupt(
                "The archive is damaged: its uncompressed data fails the gzip "
                "CRC-32 or length check."
            )
        self._sha.update(tail[:8])
        expected = _gzip_digest_member(self._sha.digest())
        digest_member = tail[8:]
        if digest_member == expected:
            return
        if len(digest_member) < len(expected) and expected.startswith(digest_member):
            raise ArchiveCorrupt(TRUNCATED_AFTER_MANIFEST)
        if len(digest_member) > len(expected) and digest_member.startswith(expected):
            raise ArchiveCorrupt("The archive is damaged: data follows its end.")
        raise ArchiveCorrupt(
            "The archive is damaged: the sha256 of its compressed data differs "
            "from the one recorded at its end."
        )
