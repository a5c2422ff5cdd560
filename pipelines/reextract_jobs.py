"""The per-capture job of ``reextract``: one stored WARC response (file, offset, length) → the page as the
crawl saw it and its extracted record. Pure and picklable in and out, so the same function runs in-process,
across a local process pool (:func:`extract_captures`), or on a cluster engine (Dask, Ray: README
"Re-extraction on a cluster"), each task reading its WARC record by offset.
"""
from __future__ import annotations

import gc
import os
import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator

from archive.warc.content_encoding import DecodeError, decode
from archive.warc.reader import read_record
from pipelines.rows import page_content_type
from pipelines.tasks import extract_page

#: captures per task in the steady state; near the end they shrink (:func:`guided_chunks`) so the workers finish
#: together. A task costs more than its pickling and pipe round trip: each finished one wakes the pool's
#: thread in the parent, which takes the GIL from the thread writing rows, and each context switch on the two
#: cores evicts a worker. On 4,230 replica records (2 workers, 2 cores, alternating runs) tasks of 16 took
#: 8.75-9.6 s and 17.3-18.9 CPU-s with ~3,700 involuntary context switches; of 64, 8.25-8.4 s; of 128, 8.2-8.4 s,
#: 16.0-16.7 CPU-s, ~2,400 switches (one worker alone: ~3.4 ms a capture)
CHUNK = 128
#: chunks in flight per worker (submitted, not yet written): a slow chunk at the head does not stall the other
#: workers, and memory stays bounded (at most WINDOW × CHUNK results per worker: 512 of ~13 KB pickled)
WINDOW = 4


def capture_page(root: str | Path, src: dict) -> dict:
    """The page of one archived capture: ``src`` is a record row's identity and WARC pointer."""
    captured = read_record(Path(root), src["warc_file"], src["warc_offset"], src["warc_length"])
    try:  # the WARC keeps the body as sent; the crawl extracted (and hashed) it decoded
        body = decode(captured.body, captured.header("Content-Encoding"))
    except DecodeError:
        body = captured.body
    return {
        "url": captured.url, "status": captured.status or src["http_status"],
        "headers": {k.lower(): v for k, v in captured.headers}, "body": body,
        "fetched_at": src["fetched_at"], "record_id": src["record_id"], "wcm_path": src["wcm_path"],
        "urls_seen": list(src["urls_seen"] or []), "expected_content": True,
        "site": src.get("site"), **({"charset": src["charset"]} if src.get("charset") else {}),
        "warc": {k: src[k] for k in ("warc_file", "warc_offset", "warc_length", "warc_record_id")},
    }


def extract_capture(root: str | Path, src: dict) -> tuple[dict, dict]:
    """(page, extracted record) of one capture: the CPU-bound part of ``reextract``. The page comes back with
    its body's SHA-256 and length instead of the body: the bytes stay in the WARC, and a worker process (or a
    cluster's task) does not send them back to be pickled, piped and unpickled for a hash."""
    page = capture_page(root, src)
    body = page.pop("body")
    page["content_sha256"], record = extract_page(body, page["url"], page_content_type(page), page["fetched_at"])
    page["length"] = len(body)
    return page, record


def extract_chunk(root: str, chunk: list[dict]) -> list[tuple[dict, dict]]:
    return [extract_capture(root, src) for src in chunk]


def init_worker() -> None:
    """Each worker, once: what it inherits from the forked parent (a user's program, a notebook, ``make
    bench``: its heap may be large) is frozen out of the garbage collector's reach, so collections here neither
    walk it nor copy its pages; Ctrl-C (sent by a terminal to the whole process group) is left to the parent,
    which stops the pool, dropping the tasks not started, and closes its snapshot as interrupted."""
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def guided_chunks(items: Iterable[dict], size: int, workers: int) -> Iterator[list[dict]]:
    """``items`` in order, in chunks of ``size`` until the last ``WINDOW × size × workers`` (read ahead); then
    each chunk a ``2 × workers``-th of what is left (guided scheduling): the last chunks are single captures,
    so no worker is left alone with a full chunk at the end."""
    it = iter(items)
    ahead: deque = deque()
    exhausted = False
    while True:
        while not exhausted and len(ahead) < WINDOW * size * workers:
            try:
                ahead.append(next(it))
            except StopIteration:
                exhausted = True
        if not ahead:
            return
        n = size if not exhausted else min(size, -(-len(ahead) // (2 * workers)))
        yield [ahead.popleft() for _ in range(min(n, len(ahead)))]


def extract_captures(root: Path, pointers: Iterable[dict], workers: int = 1) -> Iterator[tuple[dict, dict]]:
    """(page, record) of every pointer, in the pointers' order whatever ``workers`` is (so the output of
    a parallel run is the single-worker run's). Finished chunks at the head are handed on at once; at most
    ``WINDOW × workers`` chunks are in flight, so memory stays flat however large the archive."""
    if workers <= 1:
        for src in pointers:
            yield extract_capture(root, src)
        return
    import pipelines.extract  # noqa: F401 - before the fork: the workers inherit the extractor, imported once

    pool = ProcessPoolExecutor(max_workers=workers, initializer=init_worker)
    try:
        pending: deque = deque()
        for chunk in guided_chunks(pointers, CHUNK, workers):
            pending.append(pool.submit(extract_chunk, str(root), chunk))
            while pending and (len(pending) >= WINDOW * workers or pending[0].done()):
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:  # on an error or Ctrl-C, the chunks not started are dropped, not extracted for nothing
        pool.shutdown(wait=True, cancel_futures=True)
