"""Gzip members of a ``.warc.gz`` file: boundaries, integrity, one member's bytes.

A record-at-a-time gzipped WARC is a concatenation of gzip members, one per
record.  These helpers walk the members with :mod:`zlib` alone (bounded
memory), which verifies each member's CRC-32 and length trailer; the first
member that is truncated or corrupt ends the walk.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 1 << 16
#: Most decompressed bytes produced per zlib call (bounds memory on very compressible data).
MAX_OUT = 1 << 22
GZIP_MAGIC = b"\x1f\x8b"
#: compressed bytes first read of a member whose head alone is wanted (a WARC header block: ~0.4 KB compressed)
HEAD_READ = 1024


@dataclass(frozen=True)
class Member:
    offset: int
    length: int


class MemberError(Exception):
    """A gzip member is truncated or corrupt."""

    def __init__(self, offset: int, message: str):
        self.offset = offset
        super().__init__(f"offset {offset}: {message}")


def iter_members(fh: BinaryIO, *, start: int = 0) -> Iterator[Member]:
    """Yield every complete gzip member from ``start``; raise MemberError at the first bad one.

    Each member is fully decompressed (and its CRC-32/length trailer checked
    by zlib) before it is yielded; decompressed data is discarded.  A clean end
    of file ends the iteration.
    """
    pos = start
    fh.seek(pos)
    pending = b""
    while True:
        if len(pending) < 2:
            pending += fh.read(CHUNK)
            if not pending:
                return  # clean end: no bytes after the last complete member
            if len(pending) < 2:
                raise MemberError(pos, "truncated gzip member (end of file)")
        if pending[:2] != GZIP_MAGIC:
            raise MemberError(pos, "not a gzip member (bad magic bytes)")
        d = zlib.decompressobj(zlib.MAX_WBITS | 16)
        fed = len(pending)  # input bytes read for this member (some may belong to the next one)
        data, pending = pending, b""
        while True:
            try:
                rest = _inflate(d, data)
            except zlib.error as exc:
                raise MemberError(pos, f"corrupt gzip data ({exc})") from None
            if rest is not None:  # end of member: ``rest`` is what follows it
                pending = rest
                length = fed - len(rest)
                yield Member(pos, length)
                pos += length
                break
            data = fh.read(CHUNK)
            if not data:
                raise MemberError(pos, "truncated gzip member (end of file)")
            fed += len(data)


def _inflate(d, data: bytes) -> bytes | None:
    """Feed ``data`` to ``d`` producing at most MAX_OUT bytes per call (output discarded).

    Returns the bytes after the end of the member once it ended (zlib checked its CRC and
    length), None when the member needs more input.  At the end of a member zlib keeps the
    bytes after it both in ``unused_data`` and ``unconsumed_tail``: only ``eof`` says it ended.
    """
    while True:
        out = d.decompress(data, MAX_OUT)
        if d.eof:
            return d.unused_data
        data = d.unconsumed_tail
        if not data and not out:
            return None  # all input taken and no output pending: more input needed


def scan(fh: BinaryIO) -> tuple[list[Member], MemberError | None]:
    """All complete members from the start, and the error that stopped the walk (None at a clean end)."""
    members: list[Member] = []
    try:
        for m in iter_members(fh):
            members.append(m)
    except MemberError as exc:
        return members, exc
    return members, None


def read_member(fh: BinaryIO, offset: int, length: int) -> bytes:
    """Decompressed bytes of the ONE gzip member at ``offset`` spanning exactly ``length`` bytes."""
    if offset < 0 or length <= 0:
        raise MemberError(offset, f"invalid offset/length {offset}/{length}")
    fh.seek(offset)
    raw = fh.read(length)
    if len(raw) != length:
        raise MemberError(offset, f"file ends {length - len(raw)} bytes before the end of the member")
    if raw[:2] != GZIP_MAGIC:
        raise MemberError(offset, "no gzip member starts here")
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        data = d.decompress(raw)
    except zlib.error as exc:
        raise MemberError(offset, f"corrupt gzip data ({exc})") from None
    if not d.eof:
        raise MemberError(offset, "the member is longer than the given length")
    if d.unused_data:
        raise MemberError(offset, f"the member ends {len(d.unused_data)} bytes before the given length")
    return data


def read_member_head(fd: int, offset: int, length: int, end: bytes) -> bytes:
    """The decompressed start of the ONE gzip member at ``offset`` (``length`` bytes long) of the file open as
    ``fd``, through the first ``end``, without inflating the rest of the member (cut after ``end``).
    MemberError if no gzip member starts there, or it ends (or ``length`` does) before ``end``."""
    if offset < 0 or length <= 0:
        raise MemberError(offset, f"invalid offset/length {offset}/{length}")
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    out, read, step = b"", 0, HEAD_READ
    while read < length and not d.eof:
        raw = os.pread(fd, min(step, length - read), offset + read)
        if not raw:
            raise MemberError(offset, f"file ends {length - read} bytes before the end of the member")
        if read == 0 and raw[:2] != GZIP_MAGIC:
            raise MemberError(offset, "no gzip member starts here")
        read += len(raw)
        try:
            out += d.decompress(raw)
        except zlib.error as exc:
            raise MemberError(offset, f"corrupt gzip data ({exc})") from None
        at = out.find(end)
        if at >= 0:
            return out[: at + len(end)]
        step *= 4
    raise MemberError(offset, f"the member ends before {end!r}")


def _find_magic(fh: BinaryIO, start: int) -> int | None:
    """Offset of the next ``1f 8b 08`` (gzip + deflate) at or after ``start``, else None."""
    magic = GZIP_MAGIC + b"\x08"
    fh.seek(start)
    base, carry = start, b""
    while True:
        chunk = fh.read(CHUNK)
        if not chunk:
            return None
        data = carry + chunk
        i = data.find(magic)
        if i >= 0:
            return base - len(carry) + i
        carry = data[-(len(magic) - 1):]
        base += len(chunk)


def scan_all(fh: BinaryIO) -> tuple[list[Member], list[MemberError]]:
    """Every intact member of the file, also those after a damaged region.

    After a bad member the walk resynchronises on the next gzip header that
    starts a valid member; one error is reported per damaged region (the
    offset where it starts).
    """
    members: list[Member] = []
    errors: list[MemberError] = []
    pos = 0
    resyncing = False
    while True:
        found_any = False
        try:
            for m in iter_members(fh, start=pos):
                members.append(m)
                found_any = True
                resyncing = False
                pos = m.offset + m.length
            return members, errors
        except MemberError as exc:
            if not (resyncing and not found_any):
                errors.append(exc)
            resyncing = True
            nxt = _find_magic(fh, exc.offset + 1)
            if nxt is None:
                return members, errors
            pos = nxt
