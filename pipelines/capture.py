"""One crawl's capture session: the archive writer, the WARC writer and the media store, shared by
the Scrapy components of that crawl (item pipelines and the WARC downloader middleware).

WARC records are written on one thread of their own, in the order they were handed over (gzip and
SHA-256 release the GIL, so they run beside the event loop, on the other core), but for a revisit (a 304:
nothing to compress), written right away in the event loop whenever the WARC file is free (its records
then come before those still waiting for the thread: records of other pages); they are fsynced once
per Parquet batch, before any row pointing at them is written (``ArchiveWriter.durable_first``). On a re-crawl
the revisits are written by a process of their own instead (:mod:`pipelines.revisit_process`).

Opened on first use, closed by :class:`pipelines.scrapy_pipelines.ArchivePipeline` when the spider
closes: WARC files are finalized and indexed (CDXJ, from the lines the WARC writer made as it wrote each
record) before the snapshot row is written.

A crawl worker of ``crawl --redis`` (``crawler.portal_shared_state``, :mod:`crawler.shared_state`) opens
or joins the crawl's one snapshot, writes its own part and WARC files, and leaves when done; the last
worker indexes every worker's WARC files and closes the snapshot.
"""
from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version

from twisted.internet.defer import Deferred, fail, succeed
from twisted.python.failure import Failure

from archive.layout import closed_snapshot_ids
from archive.lock import ArchiveLock, ArchiveLockedError
from archive.media import MediaStore
from archive.store import ONCE_PER_SNAPSHOT, ArchiveWriter
from archive.warc.cdxj import surt_key, write_cdxj
from archive.warc.revisits import Originals
from archive.warc.writer import WarcWriter, recover
from pipelines.revisit_process import RevisitProcess, RevisitProcessFailed

logger = logging.getLogger(__name__)

RECORDED_SETTINGS = (
    "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
    "ROBOTSTXT_OBEY", "USER_AGENT", "RETRY_TIMES", "DOWNLOAD_TIMEOUT", "PORTAL_MAX_BARREN_HOPS",
    "PORTAL_MAX_BARREN_PAGER", "PORTAL_WARC_MAX_BYTES", "PORTAL_MEDIA_HOSTS",
)


class Capture:
    ATTR = "_portal_capture"

    @classmethod
    def of(cls, crawler) -> "Capture":
        capture = getattr(crawler, cls.ATTR, None)
        if capture is None:
            capture = cls(crawler)
            setattr(crawler, cls.ATTR, capture)
        return capture

    def __init__(self, crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.root = settings.get("PORTAL_ARCHIVE_DIR")
        self.settings_json = json.dumps({k: settings.get(k) for k in RECORDED_SETTINGS}, default=str, sort_keys=True)
        self.software = f"portal-archive/{version('portal-archive')}"
        options = dict(
            batch_rows=settings.getint("PORTAL_BATCH_ROWS", 1000),
            seeds=list(getattr(crawler.spider, "start_urls", [])),
            settings=self.settings_json,
            software_version=version("portal-archive"),
            resume="auto" if settings.getbool("PORTAL_RESUME", True) else False,
            command="crawl", repair=settings.getbool("PORTAL_REPAIR", False),
        )
        #: the crawl's shared state when this process is one crawl worker of several (crawl --redis)
        self.shared = getattr(crawler, "portal_shared_state", None)
        if self.shared is None:
            self.writer = ArchiveWriter(self.root, **options)
        else:
            self.writer = self._join(options)
        if self.writer.resumed:
            recovered = recover(self.root)
            logger.warning("resuming interrupted snapshot %s (%d WARC files recovered)",
                           self.writer.snapshot_id, len(recovered))
        self.media = MediaStore(self.root)
        self._warc = None
        self._warc_thread: ThreadPoolExecutor | None = None  # the one thread that writes WARC records
        self._warc_lock = threading.Lock()  # held by whoever writes to the WARC file: that thread, or a revisit here
        self._direct_ok = False  # a revisit went through the thread (its lookups' tables loaded there)
        self._originals = Originals(self.root)
        #: a re-crawl's revisits, written by a process of their own (pipelines/revisit_process.py)
        self._revisits: RevisitProcess | None = None
        recrawl = bool(closed_snapshot_ids(self.root))  # its 304s' revisits will name their originals
        settings = crawler.settings
        self._revisits_elsewhere = recrawl and self.shared is None and settings.getbool("PORTAL_WARC", True) \
            and settings.getbool("PORTAL_REVISIT_PROCESS", True)
        if recrawl and not self._revisits_elsewhere:
            self._originals.preload()
        crawler.stats.set_value("portal/snapshot_id", self.writer.snapshot_id)
        crawler.stats.set_value("portal/resumed", bool(self.writer.resumed))

    def _join(self, options) -> ArchiveWriter:
        """Open (first worker) or join the crawl's snapshot; give back what a killed run of this worker
        (or, alone on the archive, of any worker) held."""
        shared = self.shared
        with shared.opening() as joining:
            writer = ArchiveWriter(self.root, **options, snapshot_id=joining, worker=shared.worker, claims=shared)
            try:
                keys = {t: writer.keys_in_snapshot(t) for t in ONCE_PER_SNAPSHOT}
                got = shared.opened(writer.snapshot_id, alone=writer.alone, done=writer.done_in_snapshot(), keys=keys)
            except BaseException:
                writer.abort()
                raise
        writer.after_flush.append(shared.flushed)
        if got["workers"]:
            logger.warning("recovered killed worker(s) %s: %d requests back in the queue, %d claims released",
                           ", ".join(got["workers"]), got["requests"], got["claims"])
        self.crawler.stats.set_value("portal/worker", shared.worker)
        return writer

    def recover_dead_workers(self, *, idle_too: bool = False) -> list[str]:
        """Workers of the crawl that died and were not run again (their own lock is free) give back what
        they held, so the others finish the crawl; returns their names."""
        recovered = []
        for name in self.shared.other_workers(idle_too=idle_too):
            lock = ArchiveLock(self.root, "crawl worker recovery", name=f".lock-worker-{name}")
            try:
                lock.acquire()
            except ArchiveLockedError:
                continue  # alive (or being run again)
            try:
                if name not in self.shared.other_workers(idle_too=True):  # it left meanwhile
                    continue
                done, keys = self.writer.rows_on_disk()
                requests, claims = self.shared.recover(name, done, keys)
                self.shared.forget(name)
                logger.warning("worker %s died: %d requests back in the queue, %d claims released", name, requests, claims)
                recovered.append(name)
            finally:
                lock.release()
        return recovered

    def _leave(self, status: str) -> bool:
        """This worker is done: True if it is the last one, which closes the snapshot."""
        finished = status != "interrupted"
        self.writer.flush()  # every row of what it finished is on disk
        if finished:
            self.shared.flushed(everything=True)
        else:  # stopped early: what it took and did not finish goes back to the queue
            keys = {t: self.writer.keys_in_snapshot(t) for t in ONCE_PER_SNAPSHOT}
            self.shared.recover(self.shared.worker, self.writer.done_in_snapshot(), keys)
        self.recover_dead_workers(idle_too=True)  # a worker killed while idle is no reason to wait
        if self.shared.leave(finished=finished):
            self.writer.take_over()
            recover(self.root, self.writer.snapshot_id)  # WARC files of workers killed and not run again
            resumes = self.shared.resumes()
            self.writer.resumes += resumes
            self.writer.resumed = self.writer.resumed or resumes > 0
            return True
        self.writer.leave()
        self.crawler.stats.set_value("portal/worker_left", True)
        return False

    # -- a write that fails (disk full, I/O error) stops the crawl -------------------------------
    failed: str | None = None  # one line: why the archive could not be written

    def fail(self, exc: BaseException) -> None:
        """Stop the crawl because the archive cannot be written; the snapshot stays unfinished (resumable)."""
        if self.failed is None:
            self.failed = f"cannot write the archive {self.root}: {exc}; nothing after it was kept — free space " \
                          "(or fix the disk) and run the same command again to resume"
            self.crawler.stats.set_value("portal/fatal", self.failed)
            logger.info("archive write failed", exc_info=exc)
            if str(self.crawler.settings.get("LOG_LEVEL")).upper() in ("WARNING", "ERROR", "CRITICAL"):
                # not verbose: what the stopping crawl logs now is a consequence of this one failure,
                # which the command reports in one line
                logging.disable(logging.CRITICAL)
            engine = getattr(self.crawler, "engine", None)
            if engine is not None and getattr(engine, "spider", None) is not None:
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(engine.close_spider_async(reason="archive_write_failed"))

    def guarded(self, write, *args, **kwargs):
        """``write(*args, **kwargs)``; an OSError stops the crawl (:meth:`fail`) and is raised again."""
        if self.failed is not None:
            raise ArchiveWriteFailed(self.failed)
        try:
            return write(*args, **kwargs)
        except OSError as exc:
            self.fail(exc)
            raise ArchiveWriteFailed(self.failed) from exc

    def add_item(self, rows, *, unchanged=(), removed=None) -> list[tuple[str, str]]:
        """:meth:`ArchiveWriter.add_item`; nothing once a write failed (the crawl is stopping)."""
        if self.failed is not None:
            return []
        try:
            return self.guarded(self.writer.add_item, rows, unchanged=unchanged, removed=removed)
        except ArchiveWriteFailed:
            return []

    @property
    def warc(self) -> "_GuardedWarc | None":
        if self._warc is None and self.crawler.settings.getbool("PORTAL_WARC", True):
            self._warc = self.guarded(
                WarcWriter, self.root, self.writer.snapshot_id,
                max_bytes=self.crawler.settings.getint("PORTAL_WARC_MAX_BYTES", 100_000_000),
                software=self.software, settings=json.loads(self.settings_json), sync_each=False,
                worker=self.shared.worker if self.shared is not None else None, cdxj=True,
            )
            self._warc_thread = ThreadPoolExecutor(1, thread_name_prefix="warc-writer")
            # the CDXJ line of each record is made as it is written (SURT keys: the surt package, slow to
            # import): import it while the crawl starts, not on the WARC thread's first record
            threading.Thread(target=surt_key, args=("http://example.org/",), daemon=True, name="import-surt").start()
            self.writer.durable_first.append(lambda: self.on_warc_thread(self._warc.sync))
            if self._revisits_elsewhere:
                self._revisits = self.guarded(
                    RevisitProcess, self.root, self.writer.snapshot_id, software=self.software,
                    settings=json.loads(self.settings_json), on_failure=self.fail,
                    max_bytes=self.crawler.settings.getint("PORTAL_WARC_MAX_BYTES", 100_000_000))
                self.writer.durable_first.append(self._revisits.sync)
        return _GuardedWarc(self, self._warc) if self._warc is not None else None

    def write_revisit_elsewhere(self, **kwargs) -> Deferred:
        """A revisit written by the revisit process; a Deferred of its pointer, failing as :meth:`write_warc`'s."""
        if self.failed is not None:
            return fail(ArchiveWriteFailed(self.failed))
        return self._revisits.write(**kwargs).addErrback(self._revisit_failed)

    def _revisit_failed(self, failure: Failure):
        if failure.check(RevisitProcessFailed):
            self.fail(failure.value)
            return Failure(ArchiveWriteFailed(self.failed))
        return failure

    def on_warc_thread(self, fn, *args):
        """``fn(*args)`` on the WARC thread, after every record handed over before; waits for it."""
        if self._warc_thread is None:
            return fn(*args)
        return self._warc_thread.submit(self._locked, fn, *args).result()

    def _locked(self, fn, *args, **kwargs):
        with self._warc_lock:
            return fn(*args, **kwargs)

    def write_warc(self, fn, *, small: bool = False, **kwargs) -> Deferred:
        """``fn(**kwargs)`` (a WarcWriter write) on the WARC thread; a Deferred firing with its pointer. An
        OSError stops the crawl (:meth:`fail`) and fails the Deferred with :class:`ArchiveWriteFailed`.

        ``small``: a record with no body to compress (a revisit and its request) is written right here when
        the WARC file is free (the thread is not writing to it; records the thread has yet to write are of
        other pages, and come after it): the hand-over (a thread woken, then the event loop woken back) cost
        more than the record, and woke a thread that preempted the event loop; on a re-crawl nearly every
        record is one. Waiting instead for the thread to have nothing unfinished sent nearly every revisit of a
        re-crawl through it (95% of their samples in a profile): the listing pages' records kept it busy."""
        from twisted.internet import reactor

        if self.failed is not None:
            return fail(ArchiveWriteFailed(self.failed))
        if small and self._direct_ok and self._warc_lock.acquire(blocking=False):
            try:
                return succeed(fn(**kwargs))
            except OSError as exc:
                self.fail(exc)
                return fail(ArchiveWriteFailed(self.failed))
            except Exception:  # noqa: BLE001 - as from the thread: the Deferred fails with it
                return fail()
            finally:
                self._warc_lock.release()
        result: Deferred = Deferred()

        def done(future):
            if small:
                self._direct_ok = True
            exc = future.exception()
            if exc is None:
                result.callback(future.result())
            elif isinstance(exc, OSError):
                self.fail(exc)
                result.errback(ArchiveWriteFailed(self.failed))
            else:
                result.errback(exc)

        self._warc_thread.submit(self._locked, fn, **kwargs).add_done_callback(lambda f: reactor.callFromThread(done, f))
        return result

    def revisit_refers(self, record_id: str | None, original=None) -> dict:
        """``refers_to_*`` and ``payload_digest`` of the capture a 304 confirms: ``original`` (a page requisite's
        earlier response record: warc_file, offset, length), else ``record_id``'s latest."""
        return self._originals.refers_to(record_id, original)

    def close(self, status: str) -> dict | None:
        """Finish the WARC files, index them, close the snapshot; None (snapshot left unfinished, to be
        resumed) when a write failed, before or during the close."""
        try:
            return self._close(status)
        finally:
            self._originals.close()  # after the WARC thread's last revisit

    def _close(self, status: str) -> dict | None:
        if self.failed is None:
            try:
                revisits = self._revisits.close() if self._revisits is not None else None
                if self._warc is not None:
                    self.on_warc_thread(self._warc.close)
                    if revisits is not None:  # the revisit process's files, indexed from the lines it made
                        self._warc.cdxj_lines.add_finished(*revisits)
                    self._warc_thread.shutdown()
                    self._warc_thread = None
                if self.shared is not None and not self._leave(status):
                    return None  # the snapshot stays open for the other workers
                if self._warc is not None or (self.shared is not None and self.crawler.settings.getbool("PORTAL_WARC", True)):
                    # every worker's WARC files: this writer's from the lines it made, the others read again
                    write_cdxj(self.root, self.writer.snapshot_id, self._warc.cdxj_lines if self._warc else None)
                snapshot = self.writer.close(status=status, mark_removed=False)  # removals are the spider's, on evidence
                if self.shared is not None:
                    self.shared.clear()
                return snapshot
            except OSError as exc:
                self.fail(exc)
        self.writer.abort()
        return None


class ArchiveWriteFailed(Exception):
    """The archive could not be written (see :attr:`Capture.failed`); the crawl is stopping."""


class _GuardedWarc:
    """The crawl's WarcWriter, written on the WARC thread, whose write errors stop the crawl (the downloader
    middleware writes through it); each write returns a Deferred of the record's pointer."""

    def __init__(self, capture: Capture, warc: WarcWriter):
        self._capture, self._warc = capture, warc

    def write_exchange(self, **kwargs) -> Deferred:
        return self._capture.write_warc(self._warc.write_exchange, **kwargs)

    def write_revisit(self, record_id: str | None = None, original=None, **kwargs) -> Deferred:
        """A revisit naming the capture it confirms, ``original``'s or ``record_id``'s (looked up where it is written)."""
        if self._capture._revisits is not None:
            return self._capture.write_revisit_elsewhere(record_id=record_id, original=original, **kwargs)
        return self._capture.write_warc(self._revisit, small=True, record_id=record_id, original=original, **kwargs)

    def _revisit(self, record_id, original, **kwargs):
        return self._warc.write_revisit(**kwargs, **self._capture.revisit_refers(record_id, original))


class PendingPointer:
    """The WARC pointer (``warc_file, warc_offset, warc_length, warc_record_id``) of a record being written on
    the WARC thread; :func:`warc_columns` waits for it. Pickles as its columns once written (as None before)."""

    def __init__(self, written: Deferred):
        self._outcome: dict | Failure | None = None
        self._waiting: list[Deferred] = []
        written.addBoth(self._settle)

    def _settle(self, outcome) -> None:
        self._outcome = outcome.as_row() if not isinstance(outcome, Failure) else outcome
        waiting, self._waiting = self._waiting, []
        for d in waiting:
            (d.errback if isinstance(self._outcome, Failure) else d.callback)(self._outcome)
        return None  # a failure is the waiters' (the crawl is stopping: Capture.fail)

    def wait(self) -> Deferred:
        if self._outcome is None:
            d: Deferred = Deferred()
            self._waiting.append(d)
            return d
        return fail(self._outcome) if isinstance(self._outcome, Failure) else succeed(self._outcome)

    def __reduce__(self):  # a redirected request carries its hop's pointer in meta (the next hop replaces it)
        return (dict, (self._outcome,)) if isinstance(self._outcome, dict) else (type(None), ())


async def warc_columns(value) -> dict | None:
    """The WARC columns of ``request.meta["warc"]`` / ``item["warc"]``, once written."""
    if isinstance(value, PendingPointer):
        from scrapy.utils.defer import maybe_deferred_to_future

        return await maybe_deferred_to_future(value.wait())
    return value
