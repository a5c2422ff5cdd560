"""A re-crawl's revisit records, written by a process of their own.

On a re-crawl nearly every page answers 304, and each 304 is two WARC records (the ``revisit`` and its
``request``), their CDXJ line (a SURT key) and a look-up of the original capture the revisit names. In the
crawl process that was ~17% of the event loop's time (a py-spy profile of a 4,000-article re-crawl), on the
one core the crawl is bound by. Here a process of its own does all of it, on the other core: its own
:class:`~archive.warc.writer.WarcWriter` (WARC files of the snapshot named ``…-revisits.warc.gz``, see
:func:`archive.warc.layout.warc_name`), its own :class:`~archive.warc.revisits.Originals`.

The crawl process hands the records over in batches (those of one turn of the event loop: one pipe write)
and gets each pointer back as a Deferred, fired in the event loop from a reader thread, in batches too. What
holds as for the crawl's own WARC writer:

* **durability**: :meth:`RevisitProcess.sync` (one of the archive writer's ``durable_first``) waits until the
  process has fsynced every record handed over before it, so no Parquet row names a record a power cut
  could lose;
* **a failed write stops the crawl**: an OSError in the process (a full disk) is the crawl's
  :meth:`~pipelines.capture.Capture.fail`, and so is the process dying (each record waiting for it fails);
* **a killed crawl resumes**: the process ends when the crawl process does (its pipe closes) without
  finishing its file; the next run of the crawl recovers that ``.open`` file like any other;
* **the index**: the process makes its CDXJ lines as it writes, and hands them back when it closes, so the
  crawl indexes its files without reading them again.

Off with ``PORTAL_REVISIT_PROCESS=0`` (the revisits are then written in the crawl process, as on a first
crawl); never used by crawl workers (``crawl --redis``).
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import tempfile
import threading

from twisted.internet.defer import Deferred


def _error(exc: BaseException) -> tuple[str, bool]:
    """What the crawl is told of a failure: its one line, and whether the archive cannot be written."""
    return f"{type(exc).__name__}: {exc}", isinstance(exc, OSError)


def serve(conn, root: str, snapshot_id: str, software: str, settings: dict, max_bytes: int) -> None:
    """The process: write the revisits it is sent, answer with their pointers; ``sync``; ``close``. Anything
    unexpected is told to the crawl as one line (which stops it), never printed as a traceback here."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the crawl's, which stops cleanly and closes this
    try:
        _serve(conn, root, snapshot_id, software, settings, max_bytes)
    except Exception as exc:  # noqa: BLE001 - told to the crawl, which stops
        try:
            conn.send(("error", _error(exc)))
        except OSError:
            pass  # the crawl is gone


def _serve(conn, root, snapshot_id, software, settings, max_bytes) -> None:
    from archive.warc.revisits import Originals
    from archive.warc.writer import WarcWriter

    warc = WarcWriter(root, snapshot_id, max_bytes=max_bytes, software=software, settings=settings,
                      sync_each=False, worker="revisits", cdxj=True)
    originals = Originals(root)
    originals.preload()
    while True:
        try:
            kind, value = conn.recv()
        except EOFError:  # the crawl process is gone: leave the .open file to the next run's recovery
            return
        if kind == "write":
            out = []
            for rid, kwargs in value:
                try:
                    refers = originals.refers_to(kwargs.pop("record_id"), kwargs.pop("original"))
                    out.append((rid, None, warc.write_revisit(**kwargs, **refers)))
                except Exception as exc:  # noqa: BLE001 - the record's Deferred fails with it
                    out.append((rid, _error(exc), None))
            conn.send(("written", out))
            continue
        try:  # "sync" or "close"
            warc.sync() if kind == "sync" else warc.close()
        except OSError as exc:
            conn.send(("error", _error(exc)))
            return
        if kind == "sync":
            conn.send(("synced", None))
            continue
        originals.close()
        lines = warc.cdxj_lines
        fd, sorted_path = tempfile.mkstemp(prefix="portal-revisits-", suffix=".cdxj")
        with open(fd, "w", encoding="utf-8") as fh:  # streamed from its sorted runs: never all in memory
            fh.writelines(lines.sorted_lines())
        conn.send(("closed", ([str(p) for p in lines.files], sorted_path)))
        return


class RevisitProcessFailed(OSError):
    """The revisit process could not write (its message), or died."""


class RevisitProcess:
    """The crawl's side of the process (:func:`serve`). ``on_failure(exc)`` is called once, in the event loop,
    when a write failed with an OSError or the process died."""

    def __init__(self, root, snapshot_id: str, *, software: str, settings: dict, max_bytes: int, on_failure):
        ctx = multiprocessing.get_context("spawn")  # not a fork of the crawl's heap and threads
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=serve, args=(child, str(root), snapshot_id, software, settings, max_bytes),
                                 daemon=True, name="revisit-writer")
        self._proc.start()
        child.close()
        self._on_failure = on_failure
        self._pending: dict[int, Deferred] = {}
        self._batch: list = []
        self._ids = itertools.count()
        self._send_lock = threading.Lock()  # the event loop and close() send; the reader thread receives
        self._answered = threading.Condition()
        self._answers: list[str] = []  # "synced" / "closed", in order
        self._closed: tuple[list[str], str] | None = None
        self.failed: str | None = None
        threading.Thread(target=self._read, daemon=True, name="revisit-reader").start()

    # -- the event loop's side ----------------------------------------------------------------------
    def write(self, **kwargs) -> Deferred:
        """A revisit (``WarcWriter.write_revisit``'s arguments, with ``record_id`` and ``original`` naming what
        it confirms); a Deferred firing with its pointer."""
        from twisted.internet import reactor

        d: Deferred = Deferred()
        if self.failed is not None:
            d.errback(RevisitProcessFailed(self.failed))
            return d
        rid = next(self._ids)
        self._pending[rid] = d
        self._batch.append((rid, kwargs))
        if len(self._batch) == 1:  # the first of this turn of the event loop: send them all at its end
            reactor.callLater(0, self._send_batch)
        return d

    def _send_batch(self) -> None:
        batch, self._batch = self._batch, []
        if batch and self.failed is None:
            try:
                self._send("write", batch)
            except RevisitProcessFailed:  # called by the event loop: the reader thread reports the death and
                pass  # fails these records' Deferreds (raised here, it would be an unhandled-error traceback)

    def _send(self, kind: str, value=None) -> None:
        try:
            with self._send_lock:
                self._conn.send((kind, value))
        except OSError as exc:  # the process is gone: the reader reports it
            raise RevisitProcessFailed(f"the revisit writer process is gone ({exc})") from exc

    def _ask(self, kind: str, answer: str) -> None:
        self._send_batch()
        with self._answered:
            self._send(kind)
            while answer not in self._answers and self.failed is None:
                self._answered.wait()
            if self.failed is not None:
                raise RevisitProcessFailed(self.failed)
            self._answers.remove(answer)

    def sync(self) -> None:
        """Every record handed over so far is on disk (fsynced), or this raises."""
        if self._closed is None:
            self._ask("sync", "synced")

    def close(self) -> tuple[list[str], str]:
        """Finish the process's WARC files; (their paths, a temporary file of their CDXJ lines, sorted)."""
        if self._closed is None:
            self._ask("close", "closed")
            self._proc.join()
        return self._closed

    # -- the reader thread ----------------------------------------------------------------------
    def _read(self) -> None:
        from twisted.internet import reactor

        while True:
            try:
                kind, value = self._conn.recv()
            except (EOFError, OSError):
                if self._closed is None:
                    self._fail("the revisit writer process died")
                return
            if kind == "written":
                reactor.callFromThread(self._fire, value)
            elif kind == "error":
                self._fail(value[0])
                return
            else:
                with self._answered:
                    if kind == "closed":
                        self._closed = value
                    self._answers.append(kind)
                    self._answered.notify_all()
                if kind == "closed":
                    return

    def _fail(self, reason: str) -> None:
        from twisted.internet import reactor

        with self._answered:
            self.failed = reason
            self._answered.notify_all()
        reactor.callFromThread(self._fail_pending)

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        self._on_failure(RevisitProcessFailed(self.failed))
        for d in pending.values():
            d.errback(RevisitProcessFailed(self.failed))

    def _fire(self, results) -> None:
        for rid, error, pointer in results:
            d = self._pending.pop(rid, None)
            if d is None:  # failed already
                continue
            if error is None:
                d.callback(pointer)
            elif error[1]:  # an OSError: the archive cannot be written
                self._on_failure(RevisitProcessFailed(error[0]))
                d.errback(RevisitProcessFailed(error[0]))
            else:
                d.errback(RuntimeError(error[0]))
