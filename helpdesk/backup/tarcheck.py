"""Strict checking of the archive's tar stream, and of its member names.

``tarfile`` reads a stream without checking much of it: a header checksum in
any of several forms, unknown pax keys, non-zero padding, data after the
end. So that any single changed byte is refused, :class:`TarScanner` checks
the bytes as they stream past to ``tarfile`` (through
:class:`ScannedReader`): every 512-byte header must carry its checksum in
the exact canonical form ``%06o\\0 `` (a changed byte anywhere in a header
changes the sum, and a changed byte of the checksum field changes its form
or value), extended (pax, POSIX.1-2001) headers must parse strictly with
known keys only, the padding after every member and everything after the
end-of-archive blocks must be zero bytes, and the stream must end on a
10 KiB record (``tarfile.RECORDSIZE``, as ``tarfile`` writes it).

Member names are never trusted: :func:`member_name_problem` refuses
absolute paths, ``..``, backslashes and NUL, and :func:`member_problem`
also refuses links, devices, FIFOs and directories.
"""

from __future__ import annotations

import re
import tarfile
from typing import BinaryIO

from helpdesk.backup.errors import (
    TRUNCATED,
    TRUNCATED_AFTER_MANIFEST,
    ArchiveCorrupt,
)

MANIFEST_SHA256_KEY = "HELPDESK.sha256"  # pax header key on the manifest member
_MAX_PAX_SIZE = 1024 * 1024
BLOCK = tarfile.BLOCKSIZE  # 512
_RECORD = tarfile.RECORDSIZE  # 10240: tarfile pads the stream to whole records
_PAX_KEYS = {b"path", b"size", MANIFEST_SHA256_KEY.encode()}


def _is_zero(data: bytes | memoryview) -> bool:
    return bytes(data).count(0) == len(data)


def _name_problem(name: str) -> str | None:
    """Why ``name`` may not be a member of an archive, or ``None``: it must be
    a relative POSIX path of plain components (no empty, ``.`` or ``..``
    ones, no backslash, no NUL), encodable as UTF-8."""
    if not name:
        return "an empty name"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "a name that is not UTF-8"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    if "\\" in name or "\x00" in name:
        return "a backslash or NUL in its name"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "an unsafe path (empty, '.' or '..' parts)"
    return None


def member_name_problem(name: str) -> str | None:
    """Why ``name`` may not be an archive member (an unsafe or non-UTF-8
    path), or ``None``: the rule readers and writers apply."""
    return _name_problem(name)


class TarScanner:
    """Checks the bytes of a tar stream that ``tarfile`` reads without
    checking (see the module docstring), as they stream past: header
    checksums in canonical form, strict pax records, zero padding, zero
    end. Raises ``ArchiveCorrupt``."""

    def __init__(self) -> None:
        self.offset = 0  # bytes of the tar stream seen
        self._state = "header"  # header, data, pax, padding, end
        self._header = bytearray()
        self._left = 0  # bytes left in the data, pax or padding
        self._pad = 0  # padding due after the current data
        self._pax = bytearray()
        self._extended = False  # a pax header was read: a member must follow
        self._pax_size: int | None = None  # a pax "size" for that member
        self._zeros = 0  # bytes since the first end-of-archive block

    def _damaged(self, what: str) -> ArchiveCorrupt:
        return ArchiveCorrupt(f"The archive is damaged: {what}.")

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        start = 0
        while start < len(view):
            if self._state == "header":
                take = min(BLOCK - len(self._header), len(view) - start)
                self._header += view[start : start + take]
                if len(self._header) == BLOCK:
                    self._header_done(self.offset + start + take - BLOCK)
            elif self._state == "end":
                take = len(view) - start
                if not _is_zero(view[start:]):
                    raise self._damaged(
                        "non-zero bytes after its end-of-archive blocks"
                    )
                self._zeros += take
            else:
                take = min(self._left, len(view) - start)
                chunk = view[start : start + take]
                if self._state == "pax":
                    self._pax += chunk
                elif self._state == "padding" and not _is_zero(chunk):
                    raise self._damaged(
                        f"the padding after a member, at byte {self.offset + start}, "
                        "is not zero"
                    )
                self._left -= take
                if not self._left:
                    self._region_done()
            start += take
        self.offset += len(view)

    def _region_done(self) -> None:
        if self._state == "pax":
            self._pax_done()
        if self._state in ("data", "pax") and self._pad:
            self._state, self._left, self._pad = "padding", self._pad, 0
        else:
            self._state = "header"

    def _header_done(self, at: int) -> None:
        block = bytes(self._header)
        self._header.clear()
        if _is_zero(block):
            if self._extended:
                raise self._damaged(f"an extended header at byte {at} has no member")
            self._state, self._zeros = "end", BLOCK
            return
        computed = sum(block[:148]) + 8 * 0x20 + sum(block[156:])
        if block[148:156] != b"%06o\x00 " % computed:
            if not at:
                raise ArchiveCorrupt(
                    "This is not a helpdesk archive: it does not start with a "
                    "tar header."
                )
            raise self._damaged(f"the tar header at byte {at} fails its checksum")
        kind = block[156:157]
        try:
            size = tarfile.nti(block[124:136])
        except tarfile.HeaderError:
            raise self._damaged(
                f"the tar header at byte {at} has an invalid size"
            ) from None
        if kind == tarfile.XHDTYPE:
            if self._extended or size > _MAX_PAX_SIZE:
                raise self._damaged(f"the extended header at byte {at} is invalid")
            self._extended = True
            self._state = "pax"
        elif kind in tarfile.REGULAR_TYPES and kind != tarfile.GNUTYPE_SPARSE:
            if self._pax_size is not None:
                size = self._pax_size
            self._extended, self._pax_size = False, None
            self._state = "data"
        elif kind in (
            tarfile.LNKTYPE,
            tarfile.SYMTYPE,
            tarfile.CHRTYPE,
            tarfile.BLKTYPE,
            tarfile.DIRTYPE,
            tarfile.FIFOTYPE,
        ):
            # No data: tarfile reports these members and the reader refuses them.
            self._extended, self._pax_size, size = False, None, 0
        else:
            raise self._damaged(f"the tar header at byte {at} has an unknown type")
        self._left = size
        self._pad = -size % BLOCK
        if not size:
            self._region_done()

    def _pax_done(self) -> None:
        records = bytes(self._pax)
        self._pax.clear()
        position = 0
        while position < len(records):
            match = re.match(rb"([1-9][0-9]*) ", records[position : position + 21])
            length = int(match.group(1)) if match else 0
            record = records[position : position + length]
            key, equals, value = record[match.end() if match else 0 : -1].partition(
                b"="
            )
            if (
                not match
                or len(record) != length
                or not record.endswith(b"\n")
                or not equals
                or key not in _PAX_KEYS
            ):
                raise self._damaged("an extended (pax) header is malformed")
            if key == b"size":
                if not re.fullmatch(rb"0|[1-9][0-9]*", value):
                    raise self._damaged("an extended (pax) header has an invalid size")
                self._pax_size = int(value)
            position += length

    def finish(self, manifest_seen: bool) -> None:
        """The stream has ended: it must have ended on a whole record of
        zero blocks after its last member."""
        if self._state != "end" or self._zeros < 2 * BLOCK:
            raise ArchiveCorrupt(
                TRUNCATED_AFTER_MANIFEST if manifest_seen else TRUNCATED
            )
        if self.offset % _RECORD:
            raise self._damaged("its tar stream does not end on a whole record")


class ScannedReader:
    """Passes a stream to ``tarfile`` while a ``TarScanner`` checks it."""

    def __init__(self, raw: BinaryIO, scanner: TarScanner) -> None:
        self._raw = raw
        self._scanner = scanner

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._scanner.feed(data)
        return data

    def drain(self, chunk_size: int) -> None:
        """Read (and check) the rest of the stream, ``chunk_size`` bytes at a
        time: ``tarfile`` stops at the end-of-archive blocks."""
        while self.read(chunk_size):
            pass


def member_problem(member: tarfile.TarInfo) -> str | None:
    """Why ``member`` may not be read from an archive (a link, a device, a
    FIFO, a directory, any type but a regular file, or an unsafe name), or
    ``None``."""
    if member.issym():
        return "a symbolic link"
    if member.islnk():
        return "a hard link"
    if member.ischr() or member.isblk():
        return "a device"
    if member.isfifo():
        return "a FIFO"
    if member.isdir():
        return "a directory entry"
    if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
        return "not a regular file"
    return _name_problem(member.name)
