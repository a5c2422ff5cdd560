"""Test support: ``portal-archive crawl`` that SIGKILLs itself at a chosen point (env ``CRASH_AT``).

``flush:N`` — inside the N-th Parquet part write, after the temp file is written, before its rename;
``published:N`` — after the N-th Parquet part is renamed into place, before its manifest line;
``compaction`` — inside the compaction of the snapshot at close; ``warc:N`` — after the N-th WARC
exchange; ``register`` (a crawl worker of ``crawl --redis``) — after the first flush that settles what the
worker finished while the register's POST pages wait in its own queue, none of the register's pages in
progress (the worker holds them back until then); ``enospc:flush:N`` / ``enospc:warc:N`` — the N-th Parquet part write / WARC exchange (and every
later one) fails with ENOSPC, as on a full disk; ``enospc:close`` — the compaction at close does.
Used by tests/test_resume.py and tests/test_integrity_cli.py; never imported by the product.
"""
from __future__ import annotations

import errno
import os
import signal
import sys

import archive.compact
import archive.store
import archive.warc.writer
import archive.writer
from cli.main import main


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _arm_enospc(point: str) -> None:
    kind, _, n = point.partition(":")
    count = {"n": 0}
    if kind == "close":
        archive.compact.compact_table = _disk_full
        archive.store.compact_table = _disk_full
        return
    cls, name = {"flush": (archive.writer.TableWriter, "_write_parquet"),
                 "warc": (archive.warc.writer.WarcWriter, "write_exchange")}[kind]
    original = getattr(cls, name)

    def write(self, *args, **kwargs):
        count["n"] += 1
        if count["n"] >= int(n):
            _disk_full()
        return original(self, *args, **kwargs)

    setattr(cls, name, write)


def _arm(point: str) -> None:
    kind, _, n = point.partition(":")
    count = {"n": 0}
    if kind == "enospc":
        return _arm_enospc(n)
    if kind == "flush":
        original = archive.writer.TableWriter._write_parquet

        def write(self, *args, **kwargs):
            count["n"] += 1
            if count["n"] == int(n):
                original(self, *args, **kwargs)  # the temp file exists; the rename has not happened
                _die()
            return original(self, *args, **kwargs)

        archive.writer.TableWriter._write_parquet = write
    elif kind == "published":
        recorded = archive.writer.record_file

        def record(*args, **kwargs):
            count["n"] += 1
            if count["n"] == int(n):
                _die()  # the part is in place; the manifest does not list it
            return recorded(*args, **kwargs)

        archive.writer.record_file = record
    elif kind == "compaction":
        original = archive.compact._apply_plan

        def apply(*args, **kwargs):
            result = original(*args, **kwargs)
            _die()
            return result

        archive.compact._apply_plan = apply
    elif kind == "warc":
        original = archive.warc.writer.WarcWriter.write_exchange

        def exchange(self, *args, **kwargs):
            count["n"] += 1
            pointer = original(self, *args, **kwargs)
            if count["n"] == int(n):
                _die()
            return pointer

        archive.warc.writer.WarcWriter.write_exchange = exchange
    elif kind == "register":
        _arm_register()
    else:
        raise SystemExit(f"unknown CRASH_AT {point!r}")


def _arm_register() -> None:
    from crawler.redis_scheduler import WorkerScheduler

    enqueue, next_request, settle = WorkerScheduler.enqueue_request, WorkerScheduler.next_request, WorkerScheduler.settle
    earlier: set = set()  # what was in progress when the first POST was queued (the page that yielded it)

    def noting(self, request):
        if request.method == "POST" and not earlier:
            earlier.update(self.crawler.engine._slot.inprogress)
        return enqueue(self, request)

    def held_back(self):  # the register's POSTs wait: other requests go first
        held = list(self.local)
        self.local.clear()
        try:
            return next_request(self)
        finally:
            self.local.extend(held)

    def settle_then_die(self, *, everything=False):
        settle(self, everything=everything)
        if earlier and any(r.method == "POST" for r in self.local) and not earlier & self.crawler.engine._slot.inprogress:
            _die()

    WorkerScheduler.enqueue_request = noting
    WorkerScheduler.next_request = held_back
    WorkerScheduler.settle = settle_then_die


if __name__ == "__main__":
    _arm(os.environ["CRASH_AT"])
    sys.exit(main(sys.argv[1:]))
