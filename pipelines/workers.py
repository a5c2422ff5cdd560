"""CPU work off the event loop: a pool of worker processes whose results come back as Deferreds.

Extraction of a page (lxml, dateparser, nh3) takes milliseconds for a portal page but seconds for a
hostile one; run on the reactor it would stall every download in flight (issue 7). The crawl hands it to
:class:`WorkerPool` instead — ``concurrent.futures.ProcessPoolExecutor`` on the ``forkserver`` start
method (workers are forked from a clean process that pre-imported the extractor, never from the
crawler with its reactor and threads), ``PORTAL_EXTRACT_WORKERS`` processes:

* at most ``PORTAL_EXTRACT_IN_FLIGHT`` tasks are handed over at once (a ``DeferredSemaphore``); the
  rest wait, their pages stay in Scrapy's scraper slot, whose back-pressure stops new downloads;
* a task over its timeout fails with ``extract_timeout``; its worker cannot be interrupted, so the pool
  is replaced (its processes killed) and the other tasks of that pool are run again, as after a crash;
* a worker that dies (segfault, kill) breaks the pool, and every task in it fails with it: which one killed
  it is unknown, so each is run again *alone* (new tasks wait meanwhile), and only a task that breaks the
  pool while alone, on every try, fails with ``extract_crashed`` (its neighbours are not blamed with it);
  an exception raised by the task is ``extract_failed``;
* each worker ignores SIGINT (Ctrl-C goes to the crawl, which stops cleanly), exits when the crawl process
  ends however it ends (kill -9 included), and may have an address-space limit
  (``PORTAL_EXTRACT_MEMORY_MB``), so one page cannot take the machine's memory;
* a worker's memory stays flat over the pages it extracts: what it inherits from the fork server (the
  extractor, and trafilatura's stop-word lists, ``pipelines.worker_preload``) stays shared, as each worker
  first freezes it out of the garbage collector's reach (``gc.freeze``: a full collection wrote to the
  header of every inherited object, copying the fork server's pages into each worker a little more at
  every collection; docs/design.md "Memory of a crawl").

Any picklable module-level function can be submitted (``pool.submit(fn, *args)``): media hashing can
move here the same way.
"""
from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import resource
import select
import signal
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from twisted.internet.defer import Deferred, DeferredSemaphore

logger = logging.getLogger(__name__)
# imported once by the fork server: workers start warm, and share what these built
PRELOAD = ["pipelines.tasks", "pipelines.extract", "pipelines.worker_preload"]
MAX_TRIES = 3  # a task is run at most this often when workers keep dying under it


@dataclass(frozen=True)
class _Task:
    timeout: float
    kind: str  # the errors reason's prefix: extract_timeout, extract_crashed, extract_failed


class TaskFailed(Exception):
    """A task that could not give a result; ``reason`` is the ``errors`` row's reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _exit_with(crawl_pid: int) -> None:
    """Exit as soon as the crawl process ends, however it ends (kill -9 included): a worker's parent is the
    fork server, and both keep each other alive through inherited pipes, so nothing else would end them."""
    try:
        fd = os.pidfd_open(crawl_pid)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):  # no pidfd (old kernel): look every second
        while os.path.exists(f"/proc/{crawl_pid}") and _state(crawl_pid) != "Z":
            time.sleep(1.0)
        os._exit(0)
    select.select([fd], [], [])  # readable once the process has ended (even before it is reaped)
    os._exit(0)


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def _init_worker(memory_mb: int, crawl_pid: int, nice: int = 0) -> None:
    gc.freeze()  # what the fork server built is never collected here: its pages stay shared, not copied
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice > 0:
        background(nice)
    threading.Thread(target=_exit_with, args=(crawl_pid,), name="exit-with-crawl", daemon=True).start()
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def background(nice: int) -> None:
    """This worker yields the CPU to the crawl's event loop: ``nice`` steps lower priority, and Linux's batch
    policy (a woken batch task does not preempt the running one). The crawl process hands a worker a page and
    goes on; at equal priority, on a machine with fewer cores than busy processes (2 cores: the crawl, its
    replica or portal connection, two workers), each hand-over and each request woke a process that preempted
    the event loop, whose requests then waited for it. The work is the same; the event loop, which every
    request waits on, runs first."""
    try:
        os.nice(nice)
    except OSError:  # not allowed here: same priority as the crawl
        return
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_BATCH"):
        try:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
        except OSError:
            pass


def _noop() -> None:
    return None


class WorkerPool:
    """``submit(fn, *args) -> Deferred`` on worker processes; ``workers=0`` runs tasks inline (on the caller)."""

    _ATTR = "_portal_workers"

    @classmethod
    def of(cls, crawler) -> "WorkerPool":
        """The crawl's one pool (created on first use, shut down when the engine stops)."""
        pool = getattr(crawler, cls._ATTR, None)
        if pool is None:
            s = crawler.settings
            pool = cls(s.getint("PORTAL_EXTRACT_WORKERS", 2), s.getint("PORTAL_EXTRACT_IN_FLIGHT", 4),
                       s.getfloat("PORTAL_EXTRACT_TIMEOUT", 30.0), s.getint("PORTAL_EXTRACT_MEMORY_MB", 1024),
                       s.getint("PORTAL_EXTRACT_NICE", 10))
            setattr(crawler, cls._ATTR, pool)
            from scrapy import signals

            crawler.signals.connect(pool.shutdown, signal=signals.engine_stopped)
        return pool

    def __init__(self, workers: int = 2, in_flight: int = 4, timeout: float = 30.0, memory_mb: int = 0,
                 nice: int = 0):
        self.workers = max(0, workers)
        self.nice = nice
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.semaphore = DeferredSemaphore(max(1, in_flight))
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.replaced = 0  # pools replaced after a timeout or a dead worker
        self._running = 0  # tasks handed to a pool and not answered yet
        self._suspects: deque = deque()  # (fn, args, task, tries, Deferred) a broken pool took down: each runs alone
        self._alone = False  # a suspect is running alone
        self._waiting: list[Deferred] = []  # new tasks held back while suspects run

    # -- the executor ------------------------------------------------------------------------
    def executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(PRELOAD)
                self._executor = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker,
                                                     initargs=(self.memory_mb, os.getpid(), self.nice))
            return self._executor

    def warm_up(self) -> None:
        """Start the fork server and the workers now, in a thread (they import the extractor: ~1 s)."""
        if self.workers:
            from twisted.internet import reactor

            reactor.callInThread(self._warm)

    def _warm(self) -> None:
        executor = self.executor()
        for _ in range(self.workers):
            executor.submit(_noop)

    def _replace(self, executor: ProcessPoolExecutor) -> None:
        """Kill the processes of ``executor`` (a stuck or broken pool); the next task starts a new one."""
        with self._lock:
            if executor is not self._executor:
                return
            self._executor = None
        self.replaced += 1
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            try:
                process.kill()
            except (OSError, AttributeError):
                pass
        executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self, *args, **kwargs) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    # -- tasks -------------------------------------------------------------------------------
    def submit(self, fn, *args, timeout: float | None = None, kind: str = "extract") -> Deferred:
        """Run ``fn(*args)`` in a worker; the Deferred fires with its result or fails with :class:`TaskFailed`
        whose reason is ``<kind>_timeout``, ``<kind>_crashed`` or ``<kind>_failed``."""
        if not self.workers:
            try:
                from twisted.internet.defer import succeed

                return succeed(fn(*args))
            except Exception as exc:  # noqa: BLE001 - the task's own failure becomes an errors row
                from twisted.internet.defer import fail

                return fail(TaskFailed(f"{kind}_failed", f"{type(exc).__name__}: {exc}"))
        return self.semaphore.run(self._new_task, fn, args, _Task(timeout or self.timeout, kind))

    def _new_task(self, fn, args, task: _Task) -> Deferred:
        if self._suspects or self._alone:  # suspects run alone first
            waiting: Deferred = Deferred()
            self._waiting.append(waiting)
            return waiting.addCallback(lambda _: self._new_task(fn, args, task))
        return self._run(fn, args, task, 1)

    def _next_suspect(self) -> None:
        """Run the next suspect once the pool is empty; with none left, let the held-back tasks go."""
        if self._alone:
            return
        if self._suspects:
            if not self._running:
                fn, args, task, tries, result = self._suspects.popleft()
                self._alone = True
                self._run(fn, args, task, tries, alone=True).chainDeferred(result)
            return
        waiting, self._waiting = self._waiting, []
        for d in waiting:
            d.callback(None)

    def _submit(self, fn, args):
        """In a reactor thread: starting worker processes blocks until the fork server has forked them."""
        executor = self.executor()
        try:
            return executor, executor.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):  # broken or shut down under us: a fresh pool
            self._replace(executor)
            executor = self.executor()
            return executor, executor.submit(fn, *args)

    def _run(self, fn, args, task: _Task, tries: int, alone: bool = False) -> Deferred:
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThread

        result: Deferred = Deferred()
        self._running += 1

        def submitted(pair):
            executor, future = pair
            timer = reactor.callLater(task.timeout, self._timed_out, result, executor, task)
            future.add_done_callback(lambda f: reactor.callFromThread(
                self._done, result, f, timer, executor, fn, args, task, tries, alone))

        def not_submitted(failure):
            self._ended(alone)
            result.errback(TaskFailed(f"{task.kind}_failed", str(failure.value)))

        executor = self._executor
        if executor is not None and len(getattr(executor, "_processes", None) or ()) >= self.workers:
            # every worker started: submitting only queues the task (no process to wait for), so no thread hop
            try:
                submitted((executor, executor.submit(fn, *args)))
                return result
            except (BrokenProcessPool, RuntimeError):
                pass  # broken or shut down under us: a fresh pool, from a thread
        deferToThread(self._submit, fn, args).addCallbacks(submitted, not_submitted)
        return result

    def _ended(self, alone: bool) -> None:
        self._running -= 1
        if alone:
            self._alone = False

    def _done(self, result: Deferred, future, timer, executor, fn, args, task: _Task, tries: int,
              alone: bool = False) -> None:
        self._ended(alone)
        try:
            self._answer(result, future, timer, executor, fn, args, task, tries, alone)
        finally:
            self._next_suspect()

    def _answer(self, result: Deferred, future, timer, executor, fn, args, task: _Task, tries: int,
                alone: bool) -> None:
        if result.called:  # timed out already
            return
        if timer.active():
            timer.cancel()
        exc = future.exception() if not future.cancelled() else BrokenProcessPool("cancelled")
        if exc is None:
            result.callback(future.result())
        elif isinstance(exc, BrokenProcessPool):
            self._replace(executor)
            if alone and tries >= MAX_TRIES:
                result.errback(TaskFailed(f"{task.kind}_crashed",
                                          f"the worker process died on this task, alone in its pool, {tries} times"))
            elif alone:  # its own fault, or a passing one: again, still alone
                self._suspects.appendleft((fn, args, task, tries + 1, result))
            else:  # one of the pool's tasks killed it: not yet known which
                self._suspects.append((fn, args, task, 1, result))
        else:
            result.errback(TaskFailed(f"{task.kind}_failed", f"{type(exc).__name__}: {exc}"))

    def _timed_out(self, result: Deferred, executor, task: _Task) -> None:
        if result.called:
            return
        logger.warning("a %s task took longer than %.0fs: its worker pool is replaced", task.kind, task.timeout)
        self._replace(executor)
        result.errback(TaskFailed(f"{task.kind}_timeout", f"{task.kind} took longer than {task.timeout:g} s "
                                                          f"(PORTAL_EXTRACT_TIMEOUT)"))
