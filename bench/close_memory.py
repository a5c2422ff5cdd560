"""Peak memory and time of a crawl's close on archives of two sizes (issue 11, target 4: memory flat as the
portal grows, stated for 50,000 vs 5,000 articles; a crawl of 50,000 does not fit ``make bench``).

    python -m bench.close_memory [--records 5000 50000] [--rounds 1] [--unchanged]

What a crawl does at its end, after the last item is through (``pipelines/capture.py`` ``Capture.close``,
``cli/crawl.py``): the snapshot's close (``ArchiveWriter.close``: compaction of every record table, the
snapshot's counts, its ``snapshots`` row, the parts deleted), the summary (``archive.summary.summarize``) and
the search index's update (``research.search_index.update_index``, the first build on a first crawl). The
CDXJ index is not in it: the WARC writer's lines spill sorted runs past 8 MiB (``archive/warc/cdxj.py``).

Each size runs in a process of its own (:func:`child`), which first writes the snapshot as a crawl does:
through ``ArchiveWriter.add_item``, one item per article with the rows a crawl writes for it (its record,
its page fetch, a listing row, its URL aliases, its images' media rows), with the writer's own batch sizes
(so its part files are as many and as big as a crawl's), articles of the replica's text generator
(:mod:`replica.textgen`; bodies ~3.5 KB of text and ~4 KB of HTML, as the crawled replica's). Then the
kernel's high-water mark of the process's resident set is reset (``/proc/self/clear_refs``) and each phase
of the close is run and timed, its own ``VmHWM`` read after it: the close's peak is the highest of them, and
what the phase adds to the resident set before the close (``base``) is its growth. ``--unchanged`` then
writes the same articles again as a second snapshot (a re-crawl of an unchanged portal: a ``changes`` row
``unchanged`` each, no record row), closes it and times its search-index update alone (``unchanged_s``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.memory import status_mb

SEEDS = ["synthetic://bench-close-memory"]
SECTIONS = ("chinh-tri", "kinh-te", "van-hoa-xa-hoi", "quoc-phong-an-ninh", "thong-bao", "cai-cach-hanh-chinh")
BODIES = 400  # distinct bodies generated (each record's body also names the record: no two are the same)
PHASES = ("compaction and snapshots row", "summary", "search index")
ANON_INTERVAL_S = 0.02


def _status_mb(field: str) -> float:
    """``field`` of this process's ``/proc/self/status``, MB (bench/memory.py's reader)."""
    return status_mb(os.getpid(), field)


def reset_peak() -> bool:
    """Reset this process's ``VmHWM`` to its current resident set (Linux >= 4.0); False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _bodies(rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(title, lead, body text, body HTML) of :data:`BODIES` articles of the replica's text generator."""
    from replica.textgen import TextGen

    out = []
    for i in range(BODIES):
        day = dt.datetime(2012, 1, 1, 8) + dt.timedelta(days=i * 11)
        gen = TextGen(rng, SECTIONS[i % len(SECTIONS)], day)
        paragraphs = [gen.paragraph() for _ in range(rng.randint(5, 9))]
        html = "".join(f'<p style="text-align: justify;">{p}</p>\n' for p in paragraphs)
        out.append((gen.title(), gen.lead(), "\n\n".join(paragraphs), html))
    return out


def items(records: int, seed: int = 1):
    """The rows of ``records`` fetched articles, one item (a list of (table, row)) each, as a crawl adds them."""
    rng = random.Random(seed)
    bodies = _bodies(rng)
    base = "http://bench.invalid/wps/portal/hoangmai"
    for i in range(records):
        title, lead, text, html = bodies[i % BODIES]
        section = SECTIONS[i % len(SECTIONS)]
        rid = f"{i:016x}"
        url = f"{base}/{section}/bai-viet-{i}"
        fetched = dt.datetime(2026, 12, 6, 8, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=40 * i)
        published = dt.datetime(2010, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=7))) + dt.timedelta(hours=7 * i)
        seen = [url, f"{base}/!ut/p/z1/{i:x}/", f"{base}/{section}?WCM_GLOBAL_CONTEXT=/{section}/bai-viet-{i}"]
        images = [{"url": f"http://bench.invalid/images/{i}-{k}.jpg", "caption": f"Ảnh {k + 1}: {title[:40]}",
                   "alt": None, "sha256": f"{i * 4 + k:064x}"} for k in range(1 + i % 2)]
        rows = [("articles", {
            "record_id": rid, "url": url, "urls_seen": seen, "title": title, "summary": lead,
            "body_text": f"{text}\n\nBài {i}.", "body_html": f"{html}<p>Bài {i}.</p>", "section": section,
            "published_at": published, "published_at_raw": published.strftime("%d/%m/%Y %H:%M"),
            "author": ("Nguyễn Văn Hùng", "Lê Thị Hoa", None)[i % 3], "images": images, "fetched_at": fetched,
            "http_status": 200}),
            ("pages", {"url": url, "status": 200, "content_type": "text/html; charset=UTF-8", "length": 41_000 + i % 997,
                       "content_sha256": f"{i:064x}", "page_type": "article", "record_id": rid, "fetched_at": fetched}),
            ("listings", {"listing": f"{base}/{section}", "record_id": rid, "seen_at": fetched})]
        rows += [("url_aliases", {"record_id": rid, "url": u, "seen_at": fetched}) for u in seen]
        rows += [("media_files", {"url": im["url"], "sha256": im["sha256"], "size": 60_000 + i % 4001,
                                  "mime_type": "image/jpeg", "path": f"media/sha256/{im['sha256'][:2]}/{im['sha256']}",
                                  "http_status": 200, "fetched_at": fetched}) for im in images]
        yield rows


def child(root: Path, records: int, unchanged: bool = False) -> dict:
    """Write a snapshot of ``records`` articles into ``root`` as a crawl does, then close it as a crawl does;
    the close's phases with their seconds and peak resident set (MB); with ``unchanged``, the seconds of the
    search-index update after an unchanged re-crawl too."""
    from archive import ArchiveWriter
    from archive.summary import summarize
    from cli.crawl import arrow_memory_pool
    from research.search_index import update_index

    arrow_memory_pool()  # as the crawl command
    started = time.perf_counter()
    writer = ArchiveWriter(root, seeds=SEEDS, command="bench")
    for rows in items(records):
        writer.add_item(rows)
    writer.flush()
    written = time.perf_counter() - started
    base = _status_mb("VmRSS")
    out: dict = {"records": records, "write_s": written, "base_mb": base, "phases": {}}
    snapshot_id = writer.snapshot_id
    writers = [writer]  # gone once closed, as in the crawl: its per-record state is not the summary's
    del writer

    def close():
        writers.pop().close(status="complete", mark_removed=False)
        gc.collect()

    steps = (close, lambda: summarize(root, snapshot_id), lambda: update_index(root))
    anon = {"peak": 0.0}
    done = threading.Event()

    def sample():  # anonymous memory (the heap; the rest of the resident set is mapped files)
        while not done.is_set():
            anon["peak"] = max(anon["peak"], _status_mb("RssAnon"))
            done.wait(ANON_INTERVAL_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for name, step in zip(PHASES, steps):
        if not reset_peak():
            raise SystemExit("bench close_memory: /proc/self/clear_refs is not writable (Linux >= 4.0 needed)")
        anon["peak"] = _status_mb("RssAnon")
        t = time.perf_counter()
        step()
        out["phases"][name] = {"s": time.perf_counter() - t, "peak_mb": _status_mb("VmHWM"), "anon_mb": anon["peak"]}
    done.set()
    sampler.join()
    out["close_s"] = sum(p["s"] for p in out["phases"].values())
    out["peak_mb"] = max(p["peak_mb"] for p in out["phases"].values())
    out["anon_mb"] = max(p["anon_mb"] for p in out["phases"].values())
    if unchanged:
        again = ArchiveWriter(root, seeds=SEEDS, command="bench")
        for rows in items(records):
            again.add_item(rows)
        again.close(status="complete", mark_removed=False)
        t = time.perf_counter()
        stats = update_index(root)
        out["unchanged_s"] = time.perf_counter() - t
        assert stats.added == 0 and stats.live == records, stats
    return out


def measure(records: int, code: str | None = None, unchanged: bool = False) -> dict:
    """:func:`child` in a fresh process (``code``: a checkout whose code runs), on a temporary archive."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (code, str(Path(__file__).resolve().parents[1]))))
    with tempfile.TemporaryDirectory(prefix="bench-close-") as tmp:  # this file runs; ``code``'s archive
        proc = subprocess.run([sys.executable, __file__, "--child", str(records),
                               "--archive", str(Path(tmp) / "archive"), *(["--unchanged"] if unchanged else [])],
                              cwd=code, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"bench close_memory: the close of {records} records failed: {proc.stderr.strip()[-400:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def describe(name: str, m: dict) -> str:
    phases = ", ".join(f"{k} {v['peak_mb']:.0f} MB (anon {v['anon_mb']:.0f}) {v['s']:.1f}s" for k, v in m["phases"].items())
    again = f"; index update after an unchanged re-crawl {m['unchanged_s']:.3f}s" if "unchanged_s" in m else ""
    return (f"  {name:9} {m['records']:>6} records: close peak {m['peak_mb']:4.0f} MB (+{m['peak_mb'] - m['base_mb']:.0f} "
            f"over {m['base_mb']:.0f} before it; anonymous {m['anon_mb']:.0f} MB), {m['close_s']:.1f}s  [{phases}]; "
            f"written in {m['write_s']:.0f}s{again}")


def bench_close_memory(small: int = 1000, big: int = 10_000) -> list[dict]:
    """``make bench``'s rows: the close's peak resident set on ``big`` vs ``small`` records (target of issue 11's
    memory row: <= 1.2x), and its time per record."""
    from bench.table import row

    a, b = measure(small), measure(big)
    print(f"close memory  a crawl's close (compaction, summary, search index) of {small} vs {big} records")
    for m in (a, b):
        print(describe("this", m))
    # no target of its own: issue 11's (<= 1.2x) is the whole crawl's peak, which the close must stay under
    # (README, Memory); this row shows how the close alone grows
    return [row(f"peak memory of the close alone, {big:,} vs {small:,} records (synthetic snapshot): VmHWM",
                b["peak_mb"], a["peak_mb"], unit="MB"),
            row(f"close time per 1,000 records, {big} vs {small} records", b["close_s"] * 1000 / big,
                a["close_s"] * 1000 / small, unit="s")]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.close_memory")
    p.add_argument("--records", type=int, nargs=2, default=(5000, 50_000), metavar=("SMALL", "BIG"))
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--baseline", help="a checkout of other code, measured too in alternation "
                                      "(git archive main | tar -x -C DIR)")
    p.add_argument("--unchanged", action="store_true", help="then write the same articles again (an unchanged "
                   "re-crawl) and time its search-index update")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--archive", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.archive, args.child, args.unchanged)))
        return 0
    codes = {"this": None}
    if args.baseline:
        codes["baseline"] = str(Path(args.baseline).resolve())
    for _ in range(args.rounds):
        for name, code in codes.items():
            small, big = (measure(n, code, args.unchanged) for n in args.records)
            print(describe(name, small), flush=True)
            print(describe(name, big), flush=True)
            print(f"  {name:9} peak {big['peak_mb'] / small['peak_mb']:.2f}x, close time "
                  f"{big['close_s'] / small['close_s']:.2f}x for {args.records[1] / args.records[0]:.0f}x the records",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
