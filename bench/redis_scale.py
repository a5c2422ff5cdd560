"""``make bench``, issue 12: scale-out on scrapy-redis. One crawl worker, then two, against the same replica
answering after 50 ms (``replica --latency 50``), each worker polite as on a real portal: one request every 30 ms
(``DOWNLOAD_DELAY``; the same in both runs), so that a worker is bound by a pace of its own, not by the
machine (unbounded, one worker already draws what the replica, one Python process, can serve, and both runs
would measure the replica). That pace stands for what bounds one worker (its machine, its network); it is
therefore each worker's own (``PORTAL_SHARED_PACE=false``): a host's delay, by default, holds across all
workers together, and a second worker then rightly adds nothing against one host (tests/test_scale_out.py). Pages/s = the ``pages`` rows (every response) over the span from the first
to the last fetch; duplicates = record rows beyond one per record id (0 expected), and the two-worker
archive must hold exactly the records of the one-worker one.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import crawl_ended
from cli.crawl import replica_process

#: seconds between two requests to the replica, per worker (Scrapy's DOWNLOAD_DELAY, as a Crawl-delay would)
PER_WORKER_DELAY = 0.03


def redis_server(workdir: Path):
    """A redis-server on a free loopback port (nothing saved); returns (process, URL)."""
    import socket

    import redis

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis(port=port).ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bench redis_scale: redis-server did not start (apt-get install redis-server)")
            time.sleep(0.1)


def _crawl(url: str, archive: Path, redis_url: str, workers: int) -> float:
    """Run ``workers`` crawl workers to the end; returns the wall time."""
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "cli.main", "crawl", url, "--archive", str(archive),
                               "--redis", redis_url, "--worker", f"w{i}", "-s", "PORTAL_PROGRESS_INTERVAL=0",
                               "-s", f"DOWNLOAD_DELAY={PER_WORKER_DELAY}", "-s", "PORTAL_SHARED_PACE=false"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(workers)]
    for proc in procs:
        out, err = proc.communicate()
        crawl_ended(proc.returncode, "redis_scale worker", err[-800:])
    return time.perf_counter() - started


def _measure(archive: Path) -> tuple[float, int, int, dict]:
    """(pages/s over the fetch span, pages, duplicate record rows, record id -> sha256)."""
    from archive.query import connect

    con = connect(archive)
    pages, span = con.execute("SELECT count(*), epoch(max(fetched_at)) - epoch(min(fetched_at)) FROM pages").fetchone()
    from archive.schema import RECORD_TABLES

    records: dict[str, str] = {}
    duplicates = 0
    for table in RECORD_TABLES:
        rows = con.execute(f"SELECT record_id, record_sha256 FROM {table}").fetchall()
        duplicates += len(rows) - len({r for r, _ in rows})
        records.update(rows)
    con.close()
    return pages / span, pages, duplicates, records


def bench_redis_scale(articles: int = 150, latency_ms: int = 50, seed: int = 1) -> list:
    from bench.table import row

    with tempfile.TemporaryDirectory() as tmp, replica_process(articles, seed, extra=("--latency", str(latency_ms))) as url:
        tmp = Path(tmp)
        server, redis_url = redis_server(tmp)
        try:
            results = {}
            for workers in (1, 2):
                archive = tmp / f"archive-{workers}"
                wall = _crawl(url, archive, redis_url, workers)
                results[workers] = (*_measure(archive), wall)
        finally:
            server.terminate()
            server.wait(timeout=10)
    (one, pages1, dup1, rec1, wall1), (two, pages2, dup2, rec2, wall2) = results[1], results[2]
    same = rec1 == rec2
    ratio = two / one
    print(f"redis_scale  replica {articles} articles, {latency_ms} ms latency, "
          f"one request every {PER_WORKER_DELAY * 1000:.0f} ms per worker")
    print(f"  1 worker   : {one:8.1f} pages/s ({pages1} pages, {wall1:.1f}s wall)")
    print(f"  2 workers  : {two:8.1f} pages/s ({pages2} pages, {wall2:.1f}s wall)")
    print(f"  ratio 2/1  : {ratio:8.2f}x; duplicate records {dup1} / {dup2}; "
          f"same {len(rec2)} records and hashes as 1 worker: {same}")
    return [row("2 scrapy-redis workers vs 1, replica at 50 ms", two, one, unit="pages/s vs 1 worker",
                target=">= 1.8x", met=ratio >= 1.8),
            row("duplicate records, 2 workers", dup2, unit="record rows", target="0 (same records as 1 worker)",
                met=dup2 == 0 and same)]


if __name__ == "__main__":
    bench_redis_scale()
