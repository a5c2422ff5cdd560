"""``crawl --redis``: crawl workers sharing one scrapy-redis queue write one archive as one process would:
the same records with the same hashes, each once, in one snapshot; a worker killed with ``kill -9`` and run
again gives back what it held, and the archive still ends exact. Against a real ``redis-server``."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from archive.warc.layout import warc_files
from tests.conftest import ROOT, free_port, read_rows, run_cli
from tests.test_cdxj_lines import indexer_bytes
from tests.test_resume import assert_same_records, no_partial_files, rows_of_records


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of its own on a free loopback port, nothing saved to disk."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    assert os.path.exists(server), "redis-server is missing: apt-get install redis-server (.ci/run does)"
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path_factory.mktemp("redis"))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def _worker(replica, archive, redis_url, name, crash_at=None, *extra) -> subprocess.Popen:
    """``crash_at``: run it under tests/crash_crawl.py, which kills it with SIGKILL at that point; ``extra``:
    more options."""
    cmd = [sys.executable, "-m", "tests.crash_crawl" if crash_at else "cli.main", "crawl", replica.url + "/",
           "--archive", str(archive), "--redis", redis_url, "--worker", name, "-s", "PORTAL_BATCH_ROWS=40",
           "-s", "PORTAL_PROGRESS_INTERVAL=0", *extra]
    env = {**os.environ, "CRASH_AT": crash_at} if crash_at else None
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(*procs) -> list[str]:
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, (proc.returncode, out, err[-3000:])
        outs.append(out)
    return outs


def _same_as_one_process(archive, reference):
    no_partial_files(archive)
    assert_same_records(archive, reference)  # each record once, the same content hashes
    rows, expected = rows_of_records(archive), rows_of_records(reference)  # each once-per-snapshot row once
    assert rows["media_files"] == expected["media_files"]
    assert rows["errors"] == expected["errors"]
    assert run_cli("verify", "--archive", str(archive)).returncode == 0


def _namespace_keys(redis_url):
    import redis

    return redis.Redis.from_url(redis_url).keys("portal-archive:*")


def test_two_workers_write_one_snapshot_as_one_process_would(crawled, replica, redis_url, tmp_path):
    archive = tmp_path / "archive"
    outs = _finish(_worker(replica, archive, redis_url, "alpha"), _worker(replica, archive, redis_url, "beta"))
    closer = [o for o in outs if "Records" in o]
    assert len(closer) == 1 and sum("the last worker to finish closes the snapshot" in o for o in outs) == 1, outs
    _same_as_one_process(archive, crawled[0])
    snapshots = read_rows(archive, "snapshots")
    assert len(snapshots) == 1 and snapshots[0]["status"] == "complete"
    # the CDXJ index: the closing worker's lines, made as it wrote, and the other's files read by cdxj-indexer
    snap = snapshots[0]["snapshot_id"]
    index = (archive / "indexes" / f"{snap}.cdxj").read_bytes()
    assert index == indexer_bytes(archive, warc_files(archive, snap), tmp_path)
    # page requisites: fetched once in the snapshot by either worker (the shared duplicate filter), as one process does
    requisites = sorted(r["url"] for r in read_rows(archive, "pages") if r["page_type"] == "requisite")
    assert requisites == sorted(r["url"] for r in read_rows(crawled[0], "pages") if r["page_type"] == "requisite")
    for name in ("alpha", "beta"):  # both fetched pages, each into files of its own
        assert list((archive / "warc").rglob(f"*.w-{name}.warc.gz")), name
        assert list((archive / "pages").glob(f"part-*.w-{name}.parquet")), name
    assert _namespace_keys(redis_url) == []  # the crawl is forgotten: the next run starts a new snapshot


def _wait_for(pattern, archive, proc, seconds=120):
    deadline = time.monotonic() + seconds
    while not list(archive.rglob(pattern)):
        assert proc.poll() is None and time.monotonic() < deadline, "the worker wrote nothing"
        time.sleep(0.05)


@pytest.mark.parametrize("rerun", ["beta", "alpha", "none"])
def test_killed_worker_run_again_ends_exact(rerun, crawled, replica, redis_url, tmp_path):
    """beta killed with kill -9 mid-crawl and run again while alpha goes on; or both killed and only alpha run
    again (alone on the archive, it gives back what beta held too); or beta never run again (alpha, idle,
    finds it dead and gives back what it held)."""
    archive = tmp_path / "archive"
    alpha, beta = _worker(replica, archive, redis_url, "alpha"), _worker(replica, archive, redis_url, "beta")
    _wait_for("pages/part-*.w-beta.parquet", archive, beta)  # beta has taken part, and has rows on disk
    time.sleep(1.0)  # and more in flight
    beta.send_signal(signal.SIGKILL)
    beta.wait()
    if rerun == "alpha":
        alpha.send_signal(signal.SIGKILL)
        alpha.wait()
        outs = _finish(_worker(replica, archive, redis_url, "alpha"))
    elif rerun == "none":
        outs = _finish(alpha)
    else:
        outs = _finish(alpha, _worker(replica, archive, redis_url, "beta"))
    assert sum("Records" in o for o in outs) == 1
    _same_as_one_process(archive, crawled[0])
    snapshots = read_rows(archive, "snapshots")
    assert len(snapshots) == 1 and snapshots[0]["status"] == "resumed" and snapshots[0]["resumes"] >= 1


def test_worker_killed_between_a_rename_and_its_manifest_line_ends_exact(crawled, replica, redis_url, tmp_path):
    """beta is killed right after a part file is in place, before the manifest lists it, and never comes
    back: alpha, closing the snapshot, lists that file (``verify`` once found it "not in manifest")."""
    archive = tmp_path / "archive"
    alpha = _worker(replica, archive, redis_url, "alpha")
    beta = _worker(replica, archive, redis_url, "beta", crash_at="published:2")
    beta.communicate(timeout=600)
    assert beta.returncode == -signal.SIGKILL
    listed = (archive / "_manifest.jsonl").read_text()
    assert [p for p in archive.glob("*/part-*.w-beta.parquet") if p.relative_to(archive).as_posix() not in listed]
    _finish(alpha)
    _same_as_one_process(archive, crawled[0])  # verify: every published file is in the manifest


def test_worker_killed_while_register_pages_wait_ends_exact(crawled, replica, redis_url, tmp_path):
    """The register's POST pages wait in the worker's own queue (bound to its portal session) when a flush
    settles what it finished, and it is killed: run again, it walks the register again, and ends exact.
    (They were once settled as finished: the walk stopped where the kill fell, 60 of 160 documents.)"""
    archive = tmp_path / "archive"
    killed = _worker(replica, archive, redis_url, "alpha", crash_at="register")
    out, err = killed.communicate(timeout=600)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, err[-3000:])
    outs = _finish(_worker(replica, archive, redis_url, "alpha"))
    assert "Records" in outs[0]
    _same_as_one_process(archive, crawled[0])
    snapshots = read_rows(archive, "snapshots")
    assert len(snapshots) == 1 and snapshots[0]["status"] == "resumed"


def test_bad_redis_and_worker_name_are_one_line_usage_errors(replica, tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    proc = run_cli("crawl", replica.url + "/", "--archive", str(tmp_path / "a"), "--redis", url, check=False)
    assert proc.returncode == 2 and "cannot reach Redis" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = run_cli("crawl", replica.url + "/", "--archive", str(tmp_path / "a"), "--redis", url,
                   "--worker", "no spaces", check=False)
    assert proc.returncode == 2 and "worker name" in proc.stderr and "Traceback" not in proc.stderr


def test_duplicate_filter_keys_content_not_urls():
    """Every URL form of one content item is one key of the shared duplicate filter; pages of a listing by
    (listing, page number); other pages by URL."""
    import scrapy

    from crawler.identity import article_id
    from crawler.redis_scheduler import identity_key

    rid = article_id("/hoangmai/site/tin-tuc-su-kien/kinh-te/bai-1")
    forms = ["http://h/wps/portal/hoangmai/!ut/p/c5/04_SB8K8xLLM9MSSzPy8xBz9CP0os3g/dl3/d3/L2dBISEvZ0FBIS9nQSEh/",
             "http://h/wps/portal/hoangmai/!ut/p/c5/04_SB8K8xLLM9MSSzPy8xBz9CP0os3h/dl3/d3/L2dBISEvZ0FBIS9nQSEh/",
             "http://h/wps/wcm/connect/hoangmai/site/tin-tuc-su-kien/kinh-te/bai-1",
             "http://h/wps/portal/hoangmai/kinh-te?1dmy&urile=wcm:path:/hoangmai/site/tin-tuc-su-kien/kinh-te/bai-1"]
    keys = {identity_key(scrapy.Request(u, meta={"record_id": rid})) for u in forms}
    assert keys == {f"r:{rid}"}
    pager = [scrapy.Request(f"http://h/wps/portal/hoangmai/!ut/p/c5/{n}/dl3/d3/x/", meta={"listing": "L", "page_no": 3})
             for n in ("a", "b")]
    assert identity_key(pager[0]) == identity_key(pager[1]) == "p:L:3"
    plain = [identity_key(scrapy.Request(u)) for u in ("http://h/a", "http://h/b", "http://h/a")]
    assert plain[0] == plain[2] != plain[1] and plain[0].startswith("u:")
    hop = scrapy.Request("http://h/moved", meta={"record_id": rid, "redirect_urls": [forms[2]]})
    assert identity_key(hop) != f"r:{rid}"  # a redirect hop of the same record is not dropped as a duplicate


def test_a_hosts_crawl_delay_holds_across_both_workers(redis_url, tmp_path):
    """robots.txt asks ``Crawl-delay: 0.3``: two workers together send the host one request per 0.3 s, not
    one each (each paced the host on its own before: median gap 0.16-0.23 s). Each stops after 10
    pages (about 60 requests with their media and the theme's files)."""
    import redis

    from replica.server import ReplicaServer
    from tests.test_politeness_slots import count_requests

    archive = tmp_path / "archive"
    with ReplicaServer(port=0, articles=4, seed=5, documents=2, crawl_delay=0.3) as server:
        seen = count_requests(server)
        workers = [_worker(server, archive, redis_url, name, None, "-s", "CLOSESPIDER_PAGECOUNT=10")
                   for name in ("alpha", "beta")]
        for proc in workers:
            proc.communicate(timeout=600)
    leftover = _namespace_keys(redis_url)  # the stopped crawl's state: not the next test's
    if leftover:
        redis.Redis.from_url(redis_url).delete(*leftover)
    for name in ("alpha", "beta"):  # both fetched from the host: the pace was shared, not one worker's alone
        assert list((archive / "warc").rglob(f"*.w-{name}.warc*")), name
    arrivals = sorted(seen["arrivals"])
    gaps = sorted(b - a for a, b in zip(arrivals, arrivals[1:]))
    assert len(gaps) >= 30
    # a turn is taken right before the request leaves; between there and the replica's handler (Scrapy's download
    # task, a connection, the server's thread) a few ms of jitter move single gaps either way
    assert gaps[len(gaps) // 2] >= 0.3 * 0.98, gaps  # the median gap: the delay
    assert gaps[len(gaps) // 10] >= 0.2, gaps  # each worker alone: a tenth of the gaps under 0.07-0.14 s


def test_turns_are_per_host_and_spaced_by_the_delay(redis_url):
    from crawler.shared_state import SharedState

    alpha, beta = (SharedState.connect(redis_url, "portal-archive:pace-test", name) for name in ("alpha", "beta"))
    assert alpha.take_turn("a.example", 2.0) == 0  # the host's first request goes now
    assert 1.9 < beta.take_turn("a.example", 2.0) <= 2.0  # the other worker's waits the delay
    assert 1.9 < alpha.take_turn("a.example", 2.0) <= 2.0  # and asking again takes nothing meanwhile
    assert beta.take_turn("b.example", 2.0) == 0  # another host is paced on its own
    alpha.clear()
    assert not alpha.server.keys("portal-archive:pace-test:*")
