"""Compact sets of what a crawl remembers once per record or URL: digests and record ids as C integers.

A crawl of N records remembers ~N of several things for its whole length (URLs requested, records
archived, rows written once per snapshot). Held as Python objects, one such key costs ~90-170 bytes (a
``bytes`` or ``str`` of ~50-65 bytes, a set's slot, a tuple for a pair); here it costs one 16-byte cell
of preshed's hash table of unsigned 64-bit integers (spaCy's; it takes the key as its own hash, which
suits digests and record ids, both already uniform), ~27-53 bytes with the free cells (the table doubles
once 60% full). Nothing is approximate: a 16-byte digest is kept whole (its first 8 bytes the cell's key,
its last 8 the value), a record id whole (16 hex digits are a 64-bit integer; any other id stays a
string, beside).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

from preshed.maps import PreshMap

_HEX16 = re.compile(r"[0-9a-f]{16}")


def key64(digest: bytes) -> int:
    """The first 8 bytes of a digest as one unsigned 64-bit integer."""
    return int.from_bytes(digest[:8], "big")


def pair_digest(*parts: str) -> bytes:
    """16-byte digest of a tuple of strings (a pair of a listing and a record id: one cell, not a tuple)."""
    return hashlib.blake2b("\x00".join(parts).encode("utf-8"), digest_size=16).digest()


class KeySet:
    """A set of unsigned 64-bit integers (URL fingerprints)."""

    __slots__ = ("_cells", "_len")

    def __init__(self, keys: Iterable[int] = ()):
        self._cells = PreshMap()
        self._len = 0
        for key in keys:
            self.add(key)

    def add(self, key: int) -> bool:
        """True if ``key`` was not in the set (now it is)."""
        if self._cells[key] is not None:
            return False
        self._cells[key] = 1
        self._len += 1
        return True

    def __contains__(self, key: int) -> bool:
        return self._cells[key] is not None

    def __len__(self) -> int:  # preshed's own len leaves out the keys 0 and 1
        return self._len

    def __iter__(self) -> Iterator[int]:
        return iter(self._cells.keys())


class DigestSet:
    """An exact set of 16-byte digests: the first 8 bytes a cell's key, the last 8 its value; the rare
    digest whose first half is taken by another (or whose last half is zero) is kept as ``bytes``, beside."""

    __slots__ = ("_cells", "_more", "_len")

    def __init__(self, digests: Iterable[bytes] = ()):
        self._cells = PreshMap()
        self._more: set[bytes] = set()
        self._len = 0
        for digest in digests:
            self.add(digest)

    @staticmethod
    def _halves(digest: bytes) -> tuple[int, int]:
        if len(digest) != 16:
            raise ValueError(f"a DigestSet holds 16-byte digests, not {len(digest)} bytes")
        return int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big")

    def add(self, digest: bytes) -> bool:
        """True if ``digest`` was not in the set (now it is)."""
        head, tail = self._halves(digest)
        held = self._cells[head]
        if held == tail or digest in self._more:
            return False
        if held is None and tail:
            self._cells[head] = tail
        else:
            self._more.add(digest)
        self._len += 1
        return True

    def __contains__(self, digest: bytes) -> bool:
        head, tail = self._halves(digest)
        return self._cells[head] == tail or digest in self._more

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[bytes]:
        for head, tail in self._cells.items():
            yield head.to_bytes(8, "big") + tail.to_bytes(8, "big")
        yield from self._more


class KeyNumbers:
    """Unsigned 64-bit integer -> a positive integer (a record's number in a caller's packed records)."""

    __slots__ = ("_cells",)

    def __init__(self):
        self._cells = PreshMap()

    def get(self, key: int) -> int | None:
        return self._cells[key]

    def set(self, key: int, number: int) -> None:
        if number <= 0:
            raise ValueError(f"a KeyNumbers value is a positive integer, not {number}")
        self._cells[key] = number


class KeyFlags:
    """Unsigned 64-bit integer -> flag bits (ints > 0, one bit each): one cell a key however many flags."""

    __slots__ = ("_cells", "_len")

    def __init__(self):
        self._cells = PreshMap()
        self._len = 0

    def flags(self, key: int) -> int:
        """The flags of ``key`` (0: none)."""
        return self._cells[key] or 0

    def has(self, key: int, flag: int) -> bool:
        return bool(self.flags(key) & flag)

    def set(self, key: int, flag: int) -> bool:
        """Set ``flag`` on ``key``; True if it was not set."""
        return self._put(key, self.flags(key), flag, True)

    def clear(self, key: int, flag: int) -> bool:
        """Clear ``flag`` of ``key``; True if it was set."""
        return self._put(key, self.flags(key), flag, False)

    def _put(self, key, old: int, flag: int, on: bool) -> bool:
        new = old | flag if on else old & ~flag
        if new == old:
            return False
        self._len += (new != 0) - (old != 0)
        self._store(key, new)
        return True

    def _store(self, key: int, flags: int) -> None:
        if flags:
            self._cells[key] = flags
        else:
            self._cells.pop(key)

    def __len__(self) -> int:
        """Keys with any flag."""
        return self._len

    def items(self) -> Iterator[tuple[int, int]]:
        return iter(self._cells.items())


class IdFlags(KeyFlags):
    """Record id -> flag bits (archived, reached, …). A record id of 16 hex digits (every content id,
    ``pipelines.records.content_id``) is held as the integer it spells; any other id as a string, beside."""

    __slots__ = ("_other",)

    def __init__(self):
        super().__init__()
        self._other: dict[str, int] = {}

    def flags(self, record_id: str) -> int:
        if _HEX16.fullmatch(record_id):
            return self._cells[int(record_id, 16)] or 0
        return self._other.get(record_id, 0)

    def _store(self, record_id: str, flags: int) -> None:
        if _HEX16.fullmatch(record_id):
            super()._store(int(record_id, 16), flags)
        elif flags:
            self._other[record_id] = flags
        else:
            del self._other[record_id]

    def items(self) -> Iterator[tuple[str, int]]:
        """(record id, flags) of every record with any flag."""
        for key, flags in self._cells.items():
            yield f"{key:016x}", flags
        yield from self._other.items()


class IdSet:
    """An exact set of record ids (:class:`IdFlags` with one flag): iterates as strings."""

    __slots__ = ("_flags",)

    def __init__(self, record_ids: Iterable[str] = ()):
        self._flags = IdFlags()
        for record_id in record_ids:
            self._flags.set(record_id, 1)

    def add(self, record_id: str) -> bool:
        return self._flags.set(record_id, 1)

    def __contains__(self, record_id: str) -> bool:
        return bool(self._flags.flags(record_id))

    def __len__(self) -> int:
        return len(self._flags)

    def __iter__(self) -> Iterator[str]:
        return (record_id for record_id, _ in self._flags.items())
