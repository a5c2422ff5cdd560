"""The crawl runs in a process forked for it (cli/crawl_process.py): the summary and the search index's update
come after it has ended, on the command's small heap, while the crawl process still behaves as the command
(its answer, its errors, signals both ways, and never outliving the command)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cli.crawl_process import can_fork, in_crawl_process
from tests.test_hostile_workers import alive

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not can_fork(), reason="the crawl runs in a process of its own on Linux only")


def _script(body: str) -> subprocess.Popen:
    code = "import os, signal, sys, time\nfrom cli.crawl_process import in_crawl_process\n" + textwrap.dedent(body)
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_the_answer_comes_from_another_process():
    pid, value = in_crawl_process(lambda n, *, k: (os.getpid(), {"n": n, "k": k}), 3, k="x")
    assert pid != os.getpid()
    assert value == {"n": 3, "k": "x"}
    assert not alive(pid)  # reaped


def _fails():
    raise ValueError("no such portal")


def test_what_the_crawl_raises_is_raised_here_with_its_traceback():
    with pytest.raises(ValueError, match="no such portal") as caught:
        in_crawl_process(_fails)
    notes = "".join(getattr(caught.value, "__notes__", []))
    assert "in the crawl process" in notes and "_fails" in notes


def test_a_crawl_killed_by_a_signal_kills_the_command_the_same_way():
    proc = _script("""
        in_crawl_process(lambda: os.kill(os.getpid(), signal.SIGKILL))
        print("went on")
    """)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert "went on" not in out


def test_the_crawl_does_not_outlive_a_command_killed_with_sigkill():
    proc = _script("""
        def crawl():
            print(os.getpid(), flush=True)
            time.sleep(60)
        in_crawl_process(crawl)
    """)
    child = int(proc.stdout.readline())
    assert alive(child)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(child):
        os.kill(child, signal.SIGKILL)
        pytest.fail("the crawl process outlived the killed command")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_reaches_the_crawl_once_and_its_answer_comes_back(signum):
    # Scrapy stops gracefully on the first SIGINT/SIGTERM and uncleanly on the second: the crawl must get one
    proc = _script(f"""
        def crawl():
            got = []
            signal.signal({int(signum)}, lambda s, f: got.append(s))
            print("ready", flush=True)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                time.sleep(0.05)
            return len(got)
        print("signals", in_crawl_process(crawl), flush=True)
    """)
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == "signals 1"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_crawl_stopped_by_a_signal_is_archived_as_interrupted_not_complete(signum, tmp_path):
    # Scrapy closes the item pipelines before it records why the spider closed: the snapshot of a crawl
    # stopped halfway was written "complete", a state the archive's views trust as the portal's whole
    from archive.summary import summarize
    from cli.crawl import EXIT_INTERRUPTED
    from replica.server import ReplicaServer

    archive = tmp_path / "archive"
    # 400 articles at 0.2 s each: minutes of crawling, so the stop comes long before its end even on a loaded
    # machine (with 60, a progress line printed late let every article be fetched before the signal)
    with ReplicaServer(port=0, articles=400, seed=4, documents=10, latency=0.2) as server:
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "crawl", server.url + "/", "--archive",
                                 str(archive), "-s", "PORTAL_PROGRESS_INTERVAL=1"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stderr.readline()
        while line and not re.search(r"Records new [1-9]", line):  # stopped once it has archived something
            line = proc.stderr.readline()
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == EXIT_INTERRUPTED, (proc.returncode, err[-2000:])
    summary = summarize(archive)
    assert summary["status"] == "interrupted", out
    assert summary["records_new"] > 0
    assert summary["records"]["articles"]["new"] < 400  # it did stop before its end
