"""Politeness per host holds at the portal: counted at the replica, not read from settings. Requests in
flight to a host never exceed its concurrency (``CONCURRENT_REQUESTS_PER_DOMAIN``; Scrapy 2.19 alone let
every queued request of a host go at once when no delay was set), and a site's ``delay`` from sites.toml
holds while AutoThrottle adapts (alone, it lowered the delay to ``DOWNLOAD_DELAY``)."""
from __future__ import annotations

import threading
import time

import pytest

from replica.server import ReplicaServer
from tests.conftest import run_cli


def count_requests(server) -> dict:
    """Note when each request reaches ``server`` (a running ReplicaServer) and how many are in flight at once:
    ``{"arrivals": [monotonic times], "most": n, "in_flight": n}``."""
    handler = server.httpd.RequestHandlerClass
    respond, lock = handler._respond, threading.Lock()
    seen = {"in_flight": 0, "most": 0, "arrivals": []}

    def counting(self, head_only=False):
        with lock:
            seen["in_flight"] += 1
            seen["most"] = max(seen["most"], seen["in_flight"])
            seen["arrivals"].append(time.monotonic())
        try:
            return respond(self, head_only)
        finally:
            with lock:
                seen["in_flight"] -= 1

    handler._respond = counting
    return seen


@pytest.fixture
def counted():
    """A small replica with 300 ms latency that notes when each request arrives and how many are in flight."""
    with ReplicaServer(port=0, articles=40, seed=3, documents=30, latency=0.3) as server:
        yield server, count_requests(server)


def test_requests_in_flight_to_a_host_never_exceed_its_concurrency(counted, tmp_path):
    server, seen = counted
    run_cli("crawl", server.url + "/", "--archive", str(tmp_path / "a"), "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
            "-s", "CLOSESPIDER_PAGECOUNT=40", check=False)
    assert len(seen["arrivals"]) >= 40  # pages and their media: many requests waited for the host at once
    assert seen["most"] == 2, seen["most"]  # was 31 and more: every queued request went at once


def test_a_sites_delay_holds_under_autothrottle(counted, tmp_path):
    server, seen = counted
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[site]]\nname = "a"\nstart_url = "{server.url}/"\ndelay = 1.0\n', encoding="utf-8")
    # not relaxed for loopback: AutoThrottle on, as against a real portal (DOWNLOAD_DELAY 0.5)
    run_cli("crawl", "--sites", str(sites), "--archive", str(tmp_path / "a"), "-s", "PORTAL_LOOPBACK_RELAX=false",
            "-s", "CLOSESPIDER_PAGECOUNT=8", check=False)
    arrivals = seen["arrivals"]
    assert len(arrivals) >= 8
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert min(gaps) >= 0.8, gaps  # 1 s apart, but for the network's jitter (AutoThrottle alone: 0.4-0.5 s)
    assert seen["most"] == 1
