"""``<root>/.lock``: one writer per archive at a time.

The lock is ``fcntl.flock(LOCK_EX | LOCK_NB)`` on ``<root>/.lock``, held for
the writer's lifetime.  The kernel releases it when the holder's file is
closed or its process dies (even by SIGKILL), so a stale lock never needs
cleaning up.  The file also holds the holder's pid and snapshot id, for the
error message only; it is never deleted (deleting a lock file races).
"""

from __future__ import annotations

import os
from pathlib import Path

from .exceptions import ArchiveError

LOCK_NAME = ".lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no inter-process lock
    fcntl = None  # type: ignore[assignment]


class ArchiveLockedError(ArchiveError):
    """Another process (or another writer in this process) is writing the archive."""


class ArchiveLock:
    def __init__(self, root: str | os.PathLike[str]):
        self.path = Path(root) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, note: str = "") -> None:
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                try:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                finally:
                    os.close(fd)
                raise ArchiveLockedError(
                    f"{self.path.parent} is being written by another ArchiveWriter"
                    f"{f' ({holder})' if holder else ''}; only one writer may use an archive at a time"
                ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}{f', {note}' if note else ''}\n".encode(), 0)
        except OSError:
            pass
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> ArchiveLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:  # an abandoned writer must not keep the archive locked
        try:
            self.release()
        except Exception:
            pass
