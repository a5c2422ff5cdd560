"""Shared fixtures: a replica server, and full crawls of it run in a subprocess (own reactor)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from archive.schema import RECORD_TABLES as _RECORD_TABLES

ROOT = Path(__file__).resolve().parent.parent
RECORD_TABLES = tuple(_RECORD_TABLES)  # articles, documents, albums, videos, schedules, static_pages


def free_ports(n: int) -> list[int]:
    """``n`` different loopback ports nothing listens on now: each socket stays bound until all are, or the
    system may hand the port it just released out again (CI once got serve's two ports equal)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def free_port() -> int:
    """A loopback port nothing listens on now."""
    return free_ports(1)[0]


def read_rows(archive: Path, table: str) -> list[dict]:
    """Every row of one table of an archive, as pyarrow reads the folder (empty if the table has no files)."""
    path = archive / table
    return ds.dataset(path, format="parquet").to_table().to_pylist() if path.exists() else []


def run_cli(*args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``portal-archive`` as users do, in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"portal-archive {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def replica():
    from replica.server import ReplicaServer

    with ReplicaServer(port=0, articles=300, seed=1) as server:
        yield server


@pytest.fixture(scope="session")
def crawled(replica, tmp_path_factory):
    """The default replica crawled once into an archive: (archive dir, crawl process)."""
    archive = tmp_path_factory.mktemp("archive")
    before = replica.served.copy()
    proc = run_cli("crawl", replica.url + "/", "--archive", str(archive))
    replica.crawl_served = replica.served - before  # pages served per kind during this crawl
    return archive, proc


@pytest.fixture(scope="session")
def recrawled(crawled, replica, tmp_path_factory):
    """The session's crawl, copied, then crawled again: every record and page requisite answers 304 (revisits)."""
    archive = tmp_path_factory.mktemp("recrawl") / "archive"
    shutil.copytree(crawled[0], archive)
    before = replica.served.copy()
    replica.recrawl_proc = run_cli("crawl", replica.url + "/", "--archive", str(archive))
    replica.recrawl_served = replica.served - before
    return archive


@pytest.fixture(scope="session")
def truth(replica):
    from replica.truth import iter_truth

    return list(iter_truth(replica.url, articles=300, seed=1))


MUTATE_ARTICLES, MUTATE_K = 120, 4


@pytest.fixture(scope="session")
def mutated_history(tmp_path_factory):
    """Three snapshots of one replica: a first crawl, an unchanged re-crawl, then a crawl after ``--mutate K``
    (K articles changed, K new, K removed): (archive, [the three crawl processes], K)."""
    from replica.server import ReplicaServer

    archive = tmp_path_factory.mktemp("mutated") / "archive"
    with ReplicaServer(port=0, articles=MUTATE_ARTICLES, documents=40) as server:
        port, url = server.port, server.url
        first = run_cli("crawl", url + "/", "--archive", str(archive))
        again = run_cli("crawl", url + "/", "--archive", str(archive))
    with ReplicaServer(port=port, articles=MUTATE_ARTICLES, documents=40, mutate=MUTATE_K):
        mutated = run_cli("crawl", url + "/", "--archive", str(archive))
    return archive, [first, again, mutated], MUTATE_K


#: The test files that take minutes (several full crawls each, killed workers, kill -9 resumes): run first, so
#: that with ``make test``'s two workers (pytest-xdist, ``--dist loadfile``: files in collection order) the
#: suite does not end on one of them while the other worker idles.
SLOW_FILES = ("test_scale_out.py", "test_resume.py", "test_revalidate.py", "test_politeness_slots.py",
              "test_faults_crawl.py", "test_removal_evidence.py", "test_hostile_crawl.py", "test_search.py",
              "test_cli_usage.py", "test_integrity_cli.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
