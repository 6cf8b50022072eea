"""Reading a binary stream in pieces, for the archive's layers (encryption,
gzip framing, tar members)."""

from typing import BinaryIO


def read_full(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``; fewer only at its end (a raw
    stream may return less than asked before it ends)."""
    parts = []
    while size > 0:
        data = stream.read(size)
        if not data:
            break
        parts.append(data)
        size -= len(data)
    return b"".join(parts)
