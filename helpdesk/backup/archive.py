"""The archive container: a tar stream, optionally gzipped, optionally
encrypted, whose last member is the manifest with every other member's
size and sha256.

Everything streams: a member is read from, or written to, disk in pieces,
so an archive of any size needs constant memory. Reading never trusts
member names: absolute paths, ``..``, links and devices are refused as
corrupt.

Layers, outside in: the encryption of :mod:`.crypto` (optional), gzip
(optional, :mod:`.gzipframe`), a POSIX (pax) tar stream written by
``tarfile`` in stream mode. The reader tells them apart by their first bytes
(``HDBKENC1``, then ``1f 8b``) and refuses any single changed byte, in any
position:

- encrypted: every chunk is authenticated (AES-GCM);
- gzip: every byte of the framing and of the compressed data is checked
  against a sha256 the writer appends (see :mod:`.gzipframe`);
- the tar stream itself (every mode): headers, pax records, padding and the
  end are checked strictly as they stream past (see :mod:`.tarcheck`); every
  member's bytes are hashed against the manifest, and the manifest's own
  bytes against the sha256 in its pax header (``HELPDESK.sha256``), since
  the manifest cannot list itself.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import time
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from helpdesk.backup.crypto import DecryptingReader, EncryptingWriter, is_encrypted
from helpdesk.backup.errors import (
    TRUNCATED,
    TRUNCATED_AFTER_MANIFEST,
    ArchiveCorrupt,
    ArchiveTruncated,
    BackupError,
)
from helpdesk.backup.gzipframe import (
    COPY_SIZE,
    GZIP_MAGIC,
    GunzipReader,
    GzipWriter,
)
from helpdesk.backup.streams import read_full
from helpdesk.backup.tarcheck import (
    BLOCK,
    MANIFEST_SHA256_KEY,
    ScannedReader,
    TarScanner,
    member_name_problem,
    member_problem,
)

MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_SIZE = 256 * 1024 * 1024  # some 1.5 million files listed


# --- writing -----------------------------------------------------------------


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
        data = read_full(self._stream, size)
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
    ``member_name_problem``), reserved or already written. After any error the
    archive is unusable: discard the file.
    """

    def __init__(
        self, fileobj: BinaryIO, *, passphrase: str = "", compress: bool = True
    ) -> None:
        self._fileobj = fileobj
        self._encrypter = EncryptingWriter(fileobj, passphrase) if passphrase else None
        target = self._encrypter or fileobj
        self._gzip = GzipWriter(target) if compress else None
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
        problem = member_name_problem(arcname)
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
            self._head += read_full(self._raw, size - len(self._head))
        return self._head[:size]

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._raw.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._raw.read(size)


class _Reader:
    def __init__(self, fileobj: BinaryIO, passphrase: str) -> None:
        self._fileobj = fileobj
        self._passphrase = passphrase
        self.manifest_bytes: bytes | None = None
        self.files: dict[str, tuple[int, str]] = {}

    def run(self, directory: Path | None) -> dict:
        try:
            self._read(directory)
        except ArchiveTruncated:
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

    def _open_layers(self) -> ScannedReader:
        source = _Peekable(self._fileobj)
        head = source.peek(len(b"HDBKENC1"))
        if not head:
            raise ArchiveCorrupt("The file is empty: it is not a helpdesk archive.")
        if is_encrypted(head):
            source = _Peekable(DecryptingReader(source, self._passphrase))
        if source.peek(len(GZIP_MAGIC)) == GZIP_MAGIC:
            source = GunzipReader(source)
        self._scanner = TarScanner()
        return ScannedReader(source, self._scanner)

    def _read(self, directory: Path | None) -> None:
        stream = self._open_layers()
        try:
            # Stream mode holds no file of its own: nothing to close.
            tar = tarfile.open(  # noqa: SIM115
                fileobj=stream, mode="r|", encoding="utf-8", errors="surrogateescape"
            )
        except tarfile.ReadError as error:
            if self._scanner.offset < BLOCK:
                raise ArchiveCorrupt(
                    f"This is not a helpdesk archive (not a tar stream: {error})."
                ) from None
            raise
        while (member := tar.next()) is not None:
            tar.members.clear()  # tarfile keeps every member otherwise
            self._member(tar, member, directory)
        stream.drain(COPY_SIZE)
        self._scanner.finish(self.manifest_bytes is not None)

    def _member(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, directory: Path | None
    ) -> None:
        name = member.name
        if self.manifest_bytes is not None:
            raise ArchiveCorrupt(
                f"{name}: a member after the manifest (archive damaged or crafted)."
            )
        problem = member_problem(member)
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
