"""``make bench``, issue 12: a crawl of many sibling portals is bound by politeness per host, not by us.

N sibling replicas (Joomla/K2 siblings of equal size, so that every host has work until the end), each
answering after ``latency`` and asking ``Crawl-delay: 1`` in robots.txt, crawled from one sites.toml by one
``portal-archive crawl --sites``. The politeness limit is N requests/s (one request per second per host,
robots.txt and media included); the crawl's rate is every request it sent (the legal log) over the span
from its first to its last request.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import crawl_ended


def bench_sites(n: int = 20, articles: int = 60, latency_ms: int = 200, crawl_delay: float = 1.0) -> list:
    from archive.query import connect
    from replica.siblings import SiblingServers

    with tempfile.TemporaryDirectory() as tmp, SiblingServers(
            n, articles=articles, latency=latency_ms / 1000, crawl_delay=crawl_delay, themes=("k2",)) as sibs:
        toml = Path(tmp) / "sites.toml"
        toml.write_text(sibs.sites_toml(), encoding="utf-8")
        archive = Path(tmp) / "archive"
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cli.main", "crawl", "--sites", str(toml), "--archive", str(archive),
                               "-s", "PORTAL_PROGRESS_INTERVAL=0"], capture_output=True, text=True)
        wall = time.perf_counter() - started
        crawl_ended(proc.returncode, "sites crawl", proc.stderr[-500:])
        con = connect(archive)
        sent, span, hosts, _slowest = con.execute(
            "WITH s AS (SELECT site, count(*) AS n, epoch(max(event_at)) - epoch(min(event_at)) AS span FROM legal_log"
            " WHERE event IN ('request', 'robots_txt') GROUP BY site)"
            " SELECT (SELECT count(*) FROM legal_log WHERE event IN ('request', 'robots_txt')),"
            " (SELECT epoch(max(event_at)) - epoch(min(event_at)) FROM legal_log), count(*), max(span) FROM s").fetchone()
        records = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        gaps = con.execute(
            "SELECT min(gap), quantile_cont(gap, 0.5) FROM (SELECT epoch(event_at) - epoch(lag(event_at)"
            " OVER (PARTITION BY site ORDER BY event_at)) AS gap FROM legal_log WHERE event = 'request')"
            " WHERE gap IS NOT NULL").fetchone()
    limit = n / crawl_delay
    rate = sent / span
    print(f"sites  {n} sibling replicas, {latency_ms} ms latency, Crawl-delay {crawl_delay:g} s each "
          f"({records} articles, {sent} requests)")
    print(f"  politeness limit       : {limit:8.1f} requests/s (1 per {crawl_delay:g} s per host)")
    print(f"  portal-archive crawl   : {rate:8.1f} requests/s ({span:.1f}s from first to last request; "
          f"{wall:.1f}s wall with start-up and close)")
    print(f"  ratio crawl/limit      : {rate / limit:8.2f}x")
    print(f"  requests to one host   : {gaps[1]:.2f} s apart (median), {gaps[0]:.2f} s at the closest "
          "(wire times: the slot keeps the Crawl-delay, the event loop adds jitter)")
    from bench.table import row
    return [row(f"crawl of {n} sibling portals, Crawl-delay {crawl_delay:g} s", rate, limit,
                unit="requests/s vs politeness limit", target=">= 0.9x", met=rate / limit >= 0.9),
            row("median gap between two requests to one host", gaps[1], crawl_delay, unit="s vs Crawl-delay",
                target=">= 1x", met=gaps[1] >= crawl_delay)]


if __name__ == "__main__":
    bench_sites()
