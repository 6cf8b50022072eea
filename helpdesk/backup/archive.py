"""The archive container: a tar stream, optionally gzipped, optionally
encrypted, whose last member is the manifest with every other member's
size and sha256.

Everything streams: a member is read from, or written to, disk in pieces,
so an archive of any size needs constant memory. Reading never trusts
member names: absolute paths, ``..``, links and devices are refused as
corrupt.

Layers, outside in: the encryption of :mod:`.crypto` (optional), gzip
(optional), a POSIX (pax) tar stream written by ``tarfile`` in stream mode.
The reader tells them apart by their first bytes (``HDBKENC1``, then
``1f 8b``) and refuses any single changed byte, in any position:

- encrypted: every chunk is authenticated (AES-GCM);
- gzip: the helpdesk writes it itself (``zlib``, raw deflate) so that it can
  check every byte: a fixed 10-byte header (no name, time 0, OS "unknown"),
  the CRC-32 and length trailer, and then a second, empty gzip member whose
  extra field (RFC 1952, subfield ``HD``) holds the sha256 of every byte of
  the first member. Deflate ignores some bits (the padding after a stored
  block's header) and gzip readers ignore the header's time and OS bytes, so
  the CRC of the uncompressed data alone would let those changes through.
  ``gzip -d`` and ``tar xzf`` still read the file (a concatenation of gzip
  members is one gzip stream);
- the tar stream itself (every mode): every 512-byte header must carry its
  checksum in the exact canonical form (a changed byte anywhere in a header
  changes the sum, and a changed byte of the checksum field changes its
  form or value), extended (pax) headers must parse strictly with known
  keys only, the padding after every member and everything after the
  end-of-archive blocks must be zero bytes, and the stream must end on a
  10 KiB record; every member's bytes are hashed against the manifest, and
  the manifest's own bytes against the sha256 in its pax header
  (``HELPDESK.sha256``), since the manifest cannot list itself.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import tarfile
import time
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from helpdesk.backup.crypto import DecryptingReader, EncryptingWriter, is_encrypted
from helpdesk.backup.errors import ArchiveCorrupt, BackupError

MANIFEST_NAME = "manifest.json"
MANIFEST_SHA256_KEY = "HELPDESK.sha256"  # pax header key on the manifest member
COPY_SIZE = 64 * 1024  # bytes per read or write of member data
MAX_MANIFEST_SIZE = 256 * 1024 * 1024  # some 1.5 million files listed
_MAX_PAX_SIZE = 1024 * 1024
_BLOCK = tarfile.BLOCKSIZE  # 512
_RECORD = tarfile.RECORDSIZE  # 10240: tarfile pads the stream to whole records
_PAX_KEYS = {b"path", b"size", MANIFEST_SHA256_KEY.encode()}

GZIP_MAGIC = b"\x1f\x8b"
# ID1 ID2, CM=deflate, FLG=0, MTIME=0 (4 bytes), XFL=0, OS=255 (unknown).
_GZIP_HEADER = GZIP_MAGIC + b"\x08\x00" + b"\x00" * 4 + b"\x00\xff"
_GZIP_EMPTY_BODY = b"\x03\x00" + b"\x00" * 8  # empty final block, CRC 0, size 0
_GZIP_DIGEST_SIZE = 10 + 2 + 4 + 32 + len(_GZIP_EMPTY_BODY)

TRUNCATED = "The archive is truncated: it ends before its manifest."
TRUNCATED_AFTER_MANIFEST = (
    "The archive is truncated: it ends after its manifest but before its end."
)


class _Truncated(ArchiveCorrupt):
    """The data ended early; the reader words the message by where it stopped."""

    def __init__(self) -> None:
        super().__init__(TRUNCATED)


def _read_full(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``; fewer only at its end."""
    parts = []
    while size > 0:
        data = stream.read(size)
        if not data:
            break
        parts.append(data)
        size -= len(data)
    return b"".join(parts)


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


# --- writing -----------------------------------------------------------------


class _GzipWriter:
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


class _MemberSource:
    """Reads exactly ``size`` bytes of ``stream`` for ``tarfile``, hashing
    them; raises ``ArchiveCorrupt`` if ``stream`` ends early."""

    def __init__(self, arcname: str, stream: BinaryIO, size: int) -> None:
        self._arcname = arcname
        self._stream = stream
        self._left = size
        self._size = size
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = _read_full(self._stream, size)
        if len(data) < size:
            done = self._size - self._left + len(data)
            raise ArchiveCorrupt(
                f"{self._arcname}: the source ended after {done} of {self._size} bytes."
            )
        self._left -= len(data)
        self.sha256.update(data)
        return data


class ArchiveWriter:
    """Writes one archive into ``fileobj`` (a binary file open for writing).

    Use ``add_file``/``add_stream`` for every member, then ``close(manifest)``,
    which adds ``manifest["files"] = {arcname: {"size": int, "sha256": hex}}``
    for every member written, writes the manifest as the last member
    (``manifest.json``, UTF-8 JSON), finishes gzip and encryption, and
    returns the manifest as written. ``fileobj`` is left open.

    ``add_*`` raise ``BackupError`` for a name that is unsafe (see
    ``_name_problem``), reserved or already written. After any error the
    archive is unusable: discard the file.
    """

    def __init__(
        self, fileobj: BinaryIO, *, passphrase: str = "", compress: bool = True
    ) -> None:
        self._fileobj = fileobj
        self._encrypter = EncryptingWriter(fileobj, passphrase) if passphrase else None
        target = self._encrypter or fileobj
        self._gzip = _GzipWriter(target) if compress else None
        # Open across calls: close() finishes it.
        self._tar = tarfile.open(  # noqa: SIM115
            fileobj=self._gzip or target,
            mode="w|",
            format=tarfile.PAX_FORMAT,
            encoding="utf-8",
            errors="strict",
        )
        self._mtime = int(time.time())
        self._files: dict[str, dict] = {}
        self._closed = False

    def _tarinfo(self, arcname: str, size: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(arcname)
        info.size = size
        info.mtime = self._mtime
        info.mode = 0o644
        info.type = tarfile.REGTYPE
        return info

    def add_file(self, arcname: str, path: Path) -> None:
        """Add the local file ``path`` as member ``arcname`` (its size when
        opened; bytes appended later are not read)."""
        with open(path, "rb") as stream:
            size = Path(path).stat().st_size
            self.add_stream(arcname, stream, size)

    def add_stream(self, arcname: str, stream: BinaryIO, size: int) -> None:
        """Add ``size`` bytes read from ``stream`` as member ``arcname``.
        Raises ``ArchiveCorrupt`` if the stream ends early."""
        if self._closed:
            raise BackupError("The archive is already closed.")
        problem = _name_problem(arcname)
        if problem:
            raise BackupError(f"Cannot archive {arcname!r}: {problem}.")
        if arcname == MANIFEST_NAME:
            raise BackupError(f"Cannot archive {arcname!r}: the manifest's name.")
        if arcname in self._files:
            raise BackupError(f"Cannot archive {arcname!r} twice.")
        source = _MemberSource(arcname, stream, size)
        self._tar.addfile(self._tarinfo(arcname, size), source)
        self._tar.members.clear()  # tarfile keeps every member otherwise
        self._files[arcname] = {"size": size, "sha256": source.sha256.hexdigest()}

    def close(self, manifest: dict) -> dict:
        """Write ``manifest`` (with ``files`` filled in) as the last member and
        finish every layer; returns ``manifest``. ``fileobj`` stays open."""
        if self._closed:
            raise BackupError("The archive is already closed.")
        self._closed = True
        manifest["files"] = dict(self._files)
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        info = self._tarinfo(MANIFEST_NAME, len(data))
        info.pax_headers = {MANIFEST_SHA256_KEY: hashlib.sha256(data).hexdigest()}
        self._tar.addfile(
            info, _MemberSource(MANIFEST_NAME, _BytesSource(data), len(data))
        )
        self._tar.close()
        if self._gzip is not None:
            self._gzip.close()
        if self._encrypter is not None:
            self._encrypter.close()
        if hasattr(self._fileobj, "flush"):
            self._fileobj.flush()
        return manifest


class _BytesSource:
    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else self._position + size
        data = bytes(self._view[self._position : end])
        self._position += len(data)
        return data


# --- reading -----------------------------------------------------------------


class _Peekable:
    """A reader that can look at its first bytes without consuming them."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._head = b""

    def peek(self, size: int) -> bytes:
        if len(self._head) < size:
            self._head += _read_full(self._raw, size - len(self._head))
        return self._head[:size]

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._raw.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._raw.read(size)


class _GunzipReader:
    """The uncompressed bytes of a gzip stream the helpdesk wrote, checking
    every byte of it (see the module docstring)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        header = _read_full(raw, len(_GZIP_HEADER))
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
            raise _Truncated()
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
        tail = rest[:wanted] + _read_full(self._raw, max(0, wanted - len(rest)))
        if len(tail) < 8:
            raise _Truncated()
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


class _TarScanner:
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
                take = min(_BLOCK - len(self._header), len(view) - start)
                self._header += view[start : start + take]
                if len(self._header) == _BLOCK:
                    self._header_done(self.offset + start + take - _BLOCK)
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
            self._state, self._zeros = "end", _BLOCK
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
        self._pad = -size % _BLOCK
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
        if self._state != "end" or self._zeros < 2 * _BLOCK:
            raise ArchiveCorrupt(
                TRUNCATED_AFTER_MANIFEST if manifest_seen else TRUNCATED
            )
        if self.offset % _RECORD:
            raise self._damaged("its tar stream does not end on a whole record")


class _ScannedReader:
    """Passes a stream to ``tarfile`` while a ``_TarScanner`` checks it."""

    def __init__(self, raw: BinaryIO, scanner: _TarScanner) -> None:
        self._raw = raw
        self._scanner = scanner

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._scanner.feed(data)
        return data

    def drain(self) -> None:
        while self.read(COPY_SIZE):
            pass


def _member_problem(member: tarfile.TarInfo) -> str | None:
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


class _Reader:
    def __init__(self, fileobj: BinaryIO, passphrase: str) -> None:
        self._fileobj = fileobj
        self._passphrase = passphrase
        self.manifest_bytes: bytes | None = None
        self.files: dict[str, tuple[int, str]] = {}

    def run(self, directory: Path | None) -> dict:
        try:
            self._read(directory)
        except _Truncated:
            raise ArchiveCorrupt(
                TRUNCATED if self.manifest_bytes is None else TRUNCATED_AFTER_MANIFEST
            ) from None
        except tarfile.ReadError as error:
            if "unexpected end of data" in str(error):
                raise ArchiveCorrupt(
                    TRUNCATED
                    if self.manifest_bytes is None
                    else TRUNCATED_AFTER_MANIFEST
                ) from None
            raise ArchiveCorrupt(f"The archive is damaged: {error}.") from None
        return self._check_manifest()

    def _open_layers(self) -> _ScannedReader:
        source = _Peekable(self._fileobj)
        head = source.peek(len(b"HDBKENC1"))
        if not head:
            raise ArchiveCorrupt("The file is empty: it is not a helpdesk archive.")
        if is_encrypted(head):
            source = _Peekable(DecryptingReader(source, self._passphrase))
        if source.peek(len(GZIP_MAGIC)) == GZIP_MAGIC:
            source = _GunzipReader(source)
        self._scanner = _TarScanner()
        return _ScannedReader(source, self._scanner)

    def _read(self, directory: Path | None) -> None:
        stream = self._open_layers()
        try:
            # Stream mode holds no file of its own: nothing to close.
            tar = tarfile.open(  # noqa: SIM115
                fileobj=stream, mode="r|", encoding="utf-8", errors="surrogateescape"
            )
        except tarfile.ReadError as error:
            if self._scanner.offset < _BLOCK:
                raise ArchiveCorrupt(
                    f"This is not a helpdesk archive (not a tar stream: {error})."
                ) from None
            raise
        while (member := tar.next()) is not None:
            tar.members.clear()  # tarfile keeps every member otherwise
            self._member(tar, member, directory)
        stream.drain()
        self._scanner.finish(self.manifest_bytes is not None)

    def _member(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, directory: Path | None
    ) -> None:
        name = member.name
        if self.manifest_bytes is not None:
            raise ArchiveCorrupt(
                f"{name}: a member after the manifest (archive damaged or crafted)."
            )
        problem = _member_problem(member)
        if problem:
            raise ArchiveCorrupt(
                f"{name!r}: refused, {problem} (archive damaged or crafted)."
            )
        if name in self.files:
            raise ArchiveCorrupt(
                f"{name}: appears twice in the archive (archive damaged or crafted)."
            )
        data = tar.extractfile(member)
        if name == MANIFEST_NAME:
            if member.size > MAX_MANIFEST_SIZE:
                raise ArchiveCorrupt(
                    f"{name}: {member.size} bytes, larger than any manifest."
                )
            content = data.read()
            expected = member.pax_headers.get(MANIFEST_SHA256_KEY)
            if hashlib.sha256(content).hexdigest() != expected:
                raise ArchiveCorrupt(
                    f"{name}: checksum differs from the one in its header "
                    "(archive damaged)."
                )
            self.manifest_bytes = content
            return
        if member.pax_headers.get(MANIFEST_SHA256_KEY) is not None:
            raise ArchiveCorrupt(f"{name}: unexpected header (archive damaged).")
        sha = hashlib.sha256()
        output = _open_target(directory, name) if directory is not None else None
        try:
            while chunk := data.read(COPY_SIZE):
                sha.update(chunk)
                if output is not None:
                    output.write(chunk)
        finally:
            if output is not None:
                output.close()
        self.files[name] = (member.size, sha.hexdigest())

    def _check_manifest(self) -> dict:
        if self.manifest_bytes is None:
            raise ArchiveCorrupt(TRUNCATED)
        try:
            manifest = json.loads(self.manifest_bytes.decode("utf-8"))
        except ValueError:
            raise ArchiveCorrupt(
                f"{MANIFEST_NAME}: not valid UTF-8 JSON (archive damaged)."
            ) from None
        listed = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(listed, dict) or not all(
            isinstance(entry, dict)
            and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str)
            for entry in listed.values()
        ):
            raise ArchiveCorrupt(
                f"{MANIFEST_NAME}: its list of files is missing or malformed "
                "(not a helpdesk archive, or damaged)."
            )
        for name, (size, digest) in self.files.items():
            entry = listed.get(name)
            if entry is None:
                raise ArchiveCorrupt(
                    f"{name}: not listed in the manifest (archive damaged or crafted)."
                )
            if entry["size"] != size:
                raise ArchiveCorrupt(
                    f"{name}: {size} bytes, the manifest says {entry['size']} "
                    "(archive damaged)."
                )
            if entry["sha256"] != digest:
                raise ArchiveCorrupt(
                    f"{name}: checksum differs from the manifest (archive damaged)."
                )
        for name in listed:
            if name not in self.files:
                raise ArchiveCorrupt(
                    f"{name}: listed in the manifest but missing from the archive "
                    "(archive damaged or incomplete)."
                )
        return manifest


def _open_target(directory: Path, name: str) -> BinaryIO:
    """``directory / name`` created for writing; never outside ``directory``
    and never over an existing file."""
    root = directory.resolve()
    target = root.joinpath(*PurePosixPath(name).parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(root):
        raise ArchiveCorrupt(f"{name!r}: refused, it would land outside the folder.")
    return open(target, "xb")


def archive_verify(fileobj: BinaryIO, *, passphrase: str = "") -> dict:
    """Read the whole archive without extracting it and return its manifest.

    Raises ``WrongPassphrase`` (encrypted and the passphrase is wrong or
    empty) or ``ArchiveCorrupt`` with a message naming what is wrong: not a
    helpdesk archive, truncated (no manifest), a member whose sha256 or size
    differs from the manifest's, a member the manifest lists that is missing,
    a member it does not list, an unsafe member name. A plain archive read
    with a passphrase is read as it is.
    """
    return _Reader(fileobj, passphrase).run(None)


def archive_extract(
    fileobj: BinaryIO, directory: Path, *, passphrase: str = ""
) -> dict:
    """Extract every member into ``directory`` (which exists and is empty),
    checking everything ``archive_verify`` checks, and return the manifest.
    On any error raise as ``archive_verify`` does; ``directory`` may then
    hold partial files (the caller removes it)."""
    return _Reader(fileobj, passphrase).run(Path(directory))
