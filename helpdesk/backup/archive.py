"""The archive container: a tar stream, optionally gzipped, optionally
encrypted, whose last member is the manifest with every other member's
size and sha256.

(Owned by the archive helper: implement here.) Everything streams: a member
is read from, or written to, disk in pieces, so an archive of any size
needs constant memory. Reading never trusts member names: absolute paths,
``..``, links and devices are refused as corrupt.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

MANIFEST_NAME = "manifest.json"


class ArchiveWriter:
    """Writes one archive into ``fileobj`` (a binary file open for writing).

    Use ``add_file``/``add_stream`` for every member, then ``close(manifest)``,
    which adds ``manifest["files"] = {arcname: {"size": int, "sha256": hex}}``
    for every member written, writes the manifest as the last member
    (``manifest.json``, UTF-8 JSON), finishes gzip and encryption, and
    returns the manifest as written. ``fileobj`` is left open.
    """

    def __init__(
        self, fileobj: BinaryIO, *, passphrase: str = "", compress: bool = True
    ) -> None:
        raise NotImplementedError

    def add_file(self, arcname: str, path: Path) -> None:
        """Add the local file ``path`` as member ``arcname``."""
        raise NotImplementedError

    def add_stream(self, arcname: str, stream: BinaryIO, size: int) -> None:
        """Add ``size`` bytes read from ``stream`` as member ``arcname``.
        Raises ``ArchiveCorrupt`` if the stream ends early."""
        raise NotImplementedError

    def close(self, manifest: dict) -> dict:
        raise NotImplementedError


def archive_verify(fileobj: BinaryIO, *, passphrase: str = "") -> dict:
    """Read the whole archive without extracting it and return its manifest.

    Raises ``WrongPassphrase`` (encrypted and the passphrase is wrong or
    empty) or ``ArchiveCorrupt`` with a message naming what is wrong: not a
    helpdesk archive, truncated (no manifest), a member whose sha256 or size
    differs from the manifest's, a member the manifest lists that is missing,
    a member it does not list, an unsafe member name.
    """
    raise NotImplementedError


def archive_extract(
    fileobj: BinaryIO, directory: Path, *, passphrase: str = ""
) -> dict:
    """Extract every member into ``directory`` (which exists and is empty),
    checking everything ``archive_verify`` checks, and return the manifest.
    On any error raise as ``archive_verify`` does; ``directory`` may then
    hold partial files (the caller removes it)."""
    raise NotImplementedError
