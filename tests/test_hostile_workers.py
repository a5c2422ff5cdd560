"""Extraction off the event loop (pipelines/workers.py): results come back as Deferreds, the loop keeps
ticking while a worker is busy, a task over its timeout or one that kills its worker is an error row's
reason and the pool goes on, a worker cannot outgrow its memory limit, and no worker outlives the crawl."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from bench.memory import descendants
from tests.conftest import ROOT

SCENARIO = r"""
import json, os, time
from twisted.internet import defer, task
from pipelines.workers import TaskFailed, WorkerPool
from pipelines.tasks import extract_page

@defer.inlineCallbacks
def main(reactor):
    out = {}
    pool = WorkerPool(workers=2, in_flight=4, timeout=20.0, memory_mb=1024)
    ticks = [time.monotonic()]
    loop = task.LoopingCall(lambda: ticks.append(time.monotonic()))
    loop.start(0.05)
    out["square"] = yield pool.submit(pow, 7, 2)
    sha, record = yield pool.submit(extract_page, b"<html><head><title>T\xe1\xba\xa1i</title></head><body><h1>T</h1></body></html>",
                                    "http://p.example/x", "text/html; charset=utf-8", None)
    out["extract"] = [len(sha), record["title"]]
    ticks[:] = [time.monotonic()]
    yield pool.submit(time.sleep, 2.0)  # a busy worker: the loop must keep ticking
    out["max_gap"] = max(b - a for a, b in zip(ticks, ticks[1:]))
    out["ticks"] = len(ticks)
    started = time.monotonic()
    stuck = pool.submit(time.sleep, 60, timeout=1.0)
    bystander = pool.submit(time.sleep, 1.5, timeout=20.0)  # killed with the stuck pool, run again
    try:
        yield stuck
    except TaskFailed as e:
        out["timeout"] = [e.reason, round(time.monotonic() - started, 1)]
    yield bystander
    out["bystander"] = "done"
    try:
        yield pool.submit(os._exit, 3)
    except TaskFailed as e:
        out["crash"] = e.reason
    crasher = pool.submit(os._exit, 3)  # with three tasks beside it in the pool it kills: they are not blamed
    beside = [pool.submit(time.sleep, 0.5) for _ in range(3)]
    try:
        yield crasher
    except TaskFailed as e:
        out["crasher"] = e.reason
    out["beside"] = []
    for d in beside:
        try:
            out["beside"].append((yield d))
        except TaskFailed as e:
            out["beside"].append(e.reason)
    try:
        yield pool.submit(int, "not a number")
    except TaskFailed as e:
        out["error"] = [e.reason, e.detail]
    try:
        yield pool.submit(bytearray, 3 * 1024 ** 3)
    except TaskFailed as e:
        out["memory"] = [e.reason, e.detail]
    out["after"] = yield pool.submit(pow, 2, 10)
    out["replaced"] = pool.replaced
    out["same_priority"] = (yield pool.submit(os.getpriority, os.PRIO_PROCESS, 0)) - os.getpriority(os.PRIO_PROCESS, 0)
    pool.shutdown()
    low = WorkerPool(workers=1, nice=10)  # the crawl's pool (PORTAL_EXTRACT_NICE): below the event loop
    out["nice"] = [(yield low.submit(os.getpriority, os.PRIO_PROCESS, 0)) - os.getpriority(os.PRIO_PROCESS, 0),
                   min(10, 19 - os.getpriority(os.PRIO_PROCESS, 0)),
                   (yield low.submit(os.sched_getscheduler, 0)) == os.SCHED_BATCH]
    low.shutdown()
    loop.stop()
    print(json.dumps(out))

task.react(main)
"""


def test_worker_pool_results_timeouts_crashes_and_memory():
    proc = subprocess.run([sys.executable, "-c", SCENARIO], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["square"] == 49 and out["extract"] == [64, "Tại"]
    assert out["ticks"] >= 20 and out["max_gap"] < 1.0, out  # 2 s of work in a worker, the loop never waited
    assert out["timeout"][0] == "extract_timeout" and out["timeout"][1] < 10, out
    assert out["bystander"] == "done"
    assert out["crash"] == "extract_crashed"
    assert out["crasher"] == "extract_crashed" and out["beside"] == [None] * 3, out  # were crashed with it
    assert out["error"][0] == "extract_failed" and "ValueError" in out["error"][1]
    assert out["memory"][0] == "extract_failed" and "MemoryError" in out["memory"][1]
    assert out["after"] == 1024 and out["replaced"] >= 2
    assert out["same_priority"] == 0  # by default the workers keep the crawl's priority
    assert out["nice"][0] == out["nice"][1] and out["nice"][2], out["nice"]  # nice=10: lower, batch policy
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]


KILLED = r"""
import os, time
from twisted.internet import task
from pipelines.workers import WorkerPool

def main(reactor):
    pool = WorkerPool(workers=2)
    pool.submit(time.sleep, 600)
    pool.submit(time.sleep, 600)
    reactor.callLater(4, lambda: print("started", flush=True))
    return task.deferLater(reactor, 600, lambda: None)

task.react(main)
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_no_worker_outlives_a_crawl_killed_with_sigkill():
    proc = subprocess.Popen([sys.executable, "-c", KILLED], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    workers = descendants(proc.pid)
    assert len(workers) >= 3, workers  # the fork server and two busy workers (and the resource tracker)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(alive(p) for p in workers):
        time.sleep(0.2)
    left = [p for p in workers if alive(p)]
    for pid in left:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not left, "worker processes outlived the killed crawl"
