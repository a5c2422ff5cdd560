"""The crawl in a process of its own, forked from the command's, which goes on once it has ended.

Why: what follows a crawl (the summary, the search index's update) used to run in the crawl process, on top of
the heap the crawl had grown and could not hand back (freed, but scattered through the allocator's pages): the
index's update added ~165 MB to a process that already held ~320, and at 20,000 articles the close became the
crawl's peak (the process tree at 544 MB, against 478 while crawling; issue 11, target 4: memory flat as the
portal grows). Run after the crawl process has ended, it starts from the command's own small heap.

:func:`in_crawl_process` runs one function in a child forked from this process (nothing to import again: the
fork costs milliseconds) and gives back what it returned, or raises what it raised (with the child's traceback
as a note, shown by ``-v``). The child is the crawl process as the user sees it:

* **Signals**: the child has a process group of its own, and this process passes on SIGINT, SIGTERM and SIGHUP
  once each. So Ctrl-C in a terminal (sent to the foreground group: this process) reaches the crawl once, and is
  Scrapy's graceful stop, not the second Ctrl-C that forces an unclean one.
* **Killed with it**: if this process dies (even by SIGKILL), the kernel kills the child (``PR_SET_PDEATHSIG``):
  nothing goes on writing into an archive its user believes stopped.
* **Its death is this process's**: a child killed by a signal makes this process die of the same signal, so a
  caller waiting for ``portal-archive crawl`` sees what happened to the crawl.

Where the child cannot be made so (not Linux, not the main thread), the function runs in this process.
"""
from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
import traceback

#: the signals this process passes on to the crawl process
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


class CrawlProcessDied(RuntimeError):
    """The crawl process ended without an answer (an exit of its own, or a crash of the interpreter)."""


def can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.current_thread() is threading.main_thread()


def in_crawl_process(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` in a forked child (see the module); its return value, which must pickle."""
    if not can_fork():
        return fn(*args, **kwargs)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # else what is buffered is written twice, by both processes
    child: dict = {"pid": None, "pending": []}

    def forward(signum, _frame):
        if child["pid"] is None:  # between this handler and the fork: passed on once the child exists
            child["pending"].append(signum)
            return
        try:
            os.kill(child["pid"], signum)
        except ProcessLookupError:
            pass

    parent = os.getpid()
    before = {s: signal.signal(s, forward) for s in FORWARDED}  # from before the fork: no signal is missed
    try:
        readable, writable = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            for s, handler in before.items():
                signal.signal(s, handler)
            os.close(readable)
            _child(parent, writable, fn, args, kwargs)
        child["pid"] = pid
        for signum in child["pending"]:
            forward(signum, None)
        os.close(writable)
        return _parent(pid, readable)
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def _child(parent: int, writable: int, fn, args, kwargs) -> None:
    code = 0
    try:
        os.setpgid(0, 0)
        die_with(parent)
        outcome = ("returned", fn(*args, **kwargs))
    except BaseException as exc:  # noqa: BLE001 - every outcome goes back to the parent
        outcome = ("raised", exc, traceback.format_exc())
    try:
        try:
            data = pickle.dumps(outcome)
        except Exception as exc:  # noqa: BLE001 - an answer that does not pickle
            data = pickle.dumps(("raised", CrawlProcessDied(f"its answer could not be passed on ({exc})"),
                                 traceback.format_exc()))
        with os.fdopen(writable, "wb") as pipe:
            pipe.write(data)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except BaseException:  # noqa: BLE001 - the parent says the process ended without an answer
        code = 70
    finally:
        os._exit(code)  # not the parent's exit path (its atexit handlers, its `finally` blocks)


def die_with(parent: int) -> None:
    """This process gets SIGKILL when ``parent`` dies (Linux's parent-death signal)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the signal was set: no one would send it
        os._exit(1)


def _parent(pid: int, readable: int):
    with os.fdopen(readable, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        die_of(os.WTERMSIG(status))
    if not data:
        raise CrawlProcessDied(f"the crawl process ended with exit code {os.waitstatus_to_exitcode(status)} "
                               "and no answer; run again with -v to see its log")
    outcome = pickle.loads(data)
    if outcome[0] == "returned":
        return outcome[1]
    exc, child_traceback = outcome[1], outcome[2]
    if hasattr(exc, "add_note"):
        exc.add_note(f"in the crawl process:\n{child_traceback}")
    raise exc


def die_of(signum: int) -> None:
    """End this process by ``signum``, as its crawl process was."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    if signum != signal.SIGKILL:  # (whose handler cannot be set)
        signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    raise SystemExit(128 + signum)  # a signal this process cannot die of (it is blocked)


__all__ = ["CrawlProcessDied", "can_fork", "die_of", "die_with", "in_crawl_process"]
