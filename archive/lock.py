"""``<root>/.lock``: one writer per archive at a time.

The lock is ``fcntl.flock(LOCK_EX | LOCK_NB)`` on ``<root>/.lock``, held for
the writer's lifetime.  The kernel releases it when the holder's file is
closed or its process dies (even by SIGKILL), so a stale lock never needs
cleaning up.  The file also says who holds it — one JSON object with ``pid``,
``host``, ``command``, ``since`` (UTC) and, for a crawl, ``snapshot`` — for the
message a second writer gets; it is never deleted (deleting a lock file races).

The workers of one scaled-out crawl (``crawl --redis``) share the archive: each holds the lock *shared*
(``LOCK_SH``), which still keeps every other writer out; a worker that finds no other holder takes it
exclusively first (:meth:`ArchiveLock.acquire_worker`: it alone may clean up after killed processes), and
the last worker takes it exclusively again to close the snapshot (:meth:`ArchiveLock.exclusive`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from pathlib import Path

from .exceptions import ArchiveError

LOCK_NAME = ".lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no inter-process lock
    fcntl = None  # type: ignore[assignment]


class ArchiveLockedError(ArchiveError):
    """Another process (or another writer in this process) is writing the archive."""

    def __init__(self, root: Path, holder: dict):
        self.root = root
        self.holder = holder
        super().__init__(f"{root} is locked by {describe_holder(holder)}; wait for it to end, or stop that process")


def describe_holder(holder: dict) -> str:
    """``pid 123 on host h (portal-archive crawl, snapshot S) since 2026-…Z`` from what the lock file says."""
    if not holder:
        return "another writer (it did not say who)"
    if "raw" in holder:
        return f"another writer ({holder['raw']})"
    what = f"portal-archive {holder.get('command') or 'writer'}"
    if holder.get("snapshot"):
        what += f", snapshot {holder['snapshot']}"
    return f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')} ({what}) since {holder.get('since', '?')}"


def _read_holder(fd: int) -> dict:
    text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {"raw": text[:200]}
    return data if isinstance(data, dict) else {"raw": text[:200]}


class ArchiveLock:
    def __init__(self, root: str | os.PathLike[str], command: str = "writer", name: str = LOCK_NAME):
        self.path = Path(root) / name  # another name: one crawl worker's own lock (``.lock-worker-NAME``)
        self.command = command
        self._fd: int | None = None
        self._holder: dict = {}

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is None:
            self._take(worker=False)

    def acquire_worker(self) -> bool:
        """Take the lock for a crawl worker: exclusively if no process holds it (returns True: this worker
        is alone and may recover the archive; call :meth:`share` once it has), else shared beside the
        other workers (False). Raises :class:`ArchiveLockedError` if a writer that is no worker holds it."""
        if self._fd is not None:
            raise RuntimeError("lock already held")
        return self._take(worker=True)

    def _take(self, *, worker: bool) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        alone = True
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                alone = False
                try:
                    if not worker:
                        raise
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except OSError:
                    try:
                        holder = _read_holder(fd)
                    finally:
                        os.close(fd)
                    raise ArchiveLockedError(self.path.parent, holder) from None
        self._fd = fd
        since = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command, "since": since}
        self._write_holder()
        return alone

    def share(self) -> None:
        """Exclusive → shared: other workers of the crawl may join (a writer that is no worker stays out)."""
        if self._fd is not None and fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_SH)

    def exclusive(self, timeout: float = 120.0) -> None:
        """Shared → exclusive, waiting up to ``timeout`` seconds for the other workers to let go."""
        if self._fd is None or fcntl is None:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise ArchiveLockedError(self.path.parent, _read_holder(self._fd)) from None
                time.sleep(0.1)
        self._write_holder()

    def note(self, **fields: str) -> None:
        """Add fields (e.g. ``snapshot``) to what the lock file says about its holder."""
        self._holder.update(fields)
        self._write_holder()

    def _write_holder(self) -> None:
        if self._fd is None:
            return
        try:  # best effort: only shown to a second writer
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, (json.dumps(self._holder, sort_keys=True) + "\n").encode(), 0)
        except OSError:
            pass

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


def check_unlocked(root: str | os.PathLike[str], *, shared: bool = False) -> None:
    """Raise :class:`ArchiveLockedError` (saying who holds it) if a writer holds ``root``'s lock now
    (``shared``: only if it holds it exclusively, as a crawl worker that joins others asks).

    For commands that want to refuse before starting work; the writer itself still takes the lock.
    """
    if not (Path(root) / LOCK_NAME).exists():
        return
    probe = ArchiveLock(root, "probe")
    fd = os.open(probe.path, os.O_RDWR)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            except OSError:
                raise ArchiveLockedError(Path(root), _read_holder(fd)) from None
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
