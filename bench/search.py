"""``make bench`` part: full-text search on a synthetic 200,000-record archive that this module generates.

Targets (issue 9): search p50 < 50 ms and p95 < 150 ms, index build < 60 s, incremental update after a 1%
change < 5 s. The same documents and queries also go through SQLite FTS5 (pre-folded text, BM25), the baseline
that the choice of tantivy was measured against.

    python -m bench.search --records 200000
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ARCHIVE_SEEDS = ["synthetic://bench-search"]
SECTIONS = {"chinh-tri": "Chính trị - Xây dựng Đảng", "kinh-te": "Kinh tế", "van-hoa-xa-hoi": "Văn hóa - Xã hội",
            "quoc-phong-an-ninh": "Quốc phòng - An ninh", "thong-bao": "Thông báo",
            "cai-cach-hanh-chinh": "Cải cách hành chính", "guong-dien-hinh": "Gương điển hình tiên tiến"}
QUERIES = ["dang bo", "Đảng bộ", "công tác cán bộ", "cong tac can bo", "kinh tế biển", '"ban chấp hành"',
           '"cải cách hành chính"', "chuyển đổi số", "Quỳnh Lưu", "quynh lap", "phòng chống tội phạm", "giáo dục",
           "tiêm chủng", "nông thôn mới", "an ninh trật tự", "hội nghị tổng kết", "chấp*", "Quỳnh*", "xây dựng",
           '"thị xã Hoàng Mai"', "dịch vụ công trực tuyến", "đảng viên", "thanh niên", "hộ nghèo", "du lịch"]
FILTERED = [("dang bo", {"section": "Chính trị"}), ("kinh te", {"since": dt.date(2020, 1, 1)}),
            ("cong tac", {"kind": "article", "until": dt.date(2016, 12, 31)})]


def _rid(i: int) -> str:
    return hashlib.sha1(f"bench-{i}".encode()).hexdigest()[:16]


def _article(i: int, rng: random.Random, *, version: int = 0) -> dict:
    from replica.textgen import TextGen

    cat = list(SECTIONS)[i % len(SECTIONS)]
    day = dt.datetime(2010, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=7))) + dt.timedelta(days=(i * 7) % 5400)
    gen = TextGen(rng, cat, day)
    body = "\n\n".join(gen.paragraph() for _ in range(4)) + (f"\n\nBản sửa {version}." if version else "")
    return {"record_id": _rid(i), "url": f"http://bench.invalid/wps/portal/hoangmai/{cat}/bai-{i}",
            "title": gen.title(), "published_at": day, "published_at_raw": day.strftime("%d/%m/%Y %H:%M"),
            "author": rng.choice(("Nguyễn Văn Hùng", "Lê Thị Hoa", "Trần Đình Khánh", None)),
            "summary": gen.lead(), "body_text": body, "section": SECTIONS[cat],
            "images": [{"url": f"http://bench.invalid/img/{i}.jpg", "caption": gen.caption(), "alt": None,
                        "sha256": None}],
            "fetched_at": dt.datetime.now(dt.timezone.utc), "http_status": 200}


def generate(root: Path, records: int, seed: int = 1) -> None:
    """A first snapshot of ``records`` articles."""
    from archive import ArchiveWriter

    rng = random.Random(seed)
    with ArchiveWriter(root, seeds=ARCHIVE_SEEDS, batch_rows=10_000) as writer:
        for i in range(records):
            writer.add_record("articles", _article(i, rng))


def mutate(root: Path, records: int, share: float = 0.01, seed: int = 2) -> tuple[int, int, int]:
    """A second snapshot where ``share`` of the records changed: a third each edited, new and removed."""
    from archive import ArchiveWriter

    rng = random.Random(seed)
    k = max(1, int(records * share / 3))
    picked = rng.sample(range(records), 2 * k)
    changed, removed = set(picked[:k]), set(picked[k:])
    with ArchiveWriter(root, seeds=ARCHIVE_SEEDS, batch_rows=10_000) as writer:
        for i in range(records):
            if i in changed:
                writer.add_record("articles", _article(i, random.Random(i), version=2))
            elif i not in removed:
                writer.mark_unchanged(_rid(i))
        for i in range(records, records + k):
            writer.add_record("articles", _article(i, rng))
    return k, k, k


def _percentiles(samples: list[float]) -> tuple[float, float]:
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return qs[49] * 1000, qs[94] * 1000


def _timed(fn, queries, rounds: int) -> tuple[float, float, int]:
    samples = []
    for _ in range(rounds):
        for args in queries:
            started = time.perf_counter()
            fn(*args)
            samples.append(time.perf_counter() - started)
    p50, p95 = _percentiles(samples)
    return p50, p95, len(samples)


def bench_ours(root: Path, rounds: int) -> dict:
    """research.search: tantivy index, hits with highlighted title and snippet, filters."""
    from research.search import Filters, search
    from research.search_index import rebuild_index

    stats = rebuild_index(root)
    queries = [(q, Filters()) for q in QUERIES] + [(q, Filters(**f)) for q, f in FILTERED]
    p50, p95, n = _timed(lambda q, f: search(root, q, filters=f, limit=10), queries, rounds)
    return {"build_s": stats.seconds, "p50_ms": p50, "p95_ms": p95, "docs": stats.live, "n": n}


def bench_fts5(root: Path, rounds: int, workdir: Path) -> dict:
    """The baseline: SQLite FTS5 (Python's sqlite3, unicode61 remove_diacritics 2) over text pre-folded by
    research.fold, as research.sqlite_db builds it for Datasette; BM25 top 10 over every record."""
    import sqlite3

    from research.fields import BM25_WEIGHTS
    from research.query import to_fts
    from research.sqlite_db import build_sqlite

    started = time.perf_counter()
    build_sqlite(root, workdir / "fts5.sqlite")
    build_s = time.perf_counter() - started
    db = sqlite3.connect(workdir / "fts5.sqlite")
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    sql = (f"SELECT r.record_id, r.title, bm25(records_fts, {weights}) AS score FROM records_fts "
           "JOIN records r ON r.rowid = records_fts.rowid WHERE records_fts MATCH ? ORDER BY score LIMIT 10")
    p50, p95, n = _timed(lambda q: db.execute(sql, [to_fts(q)]).fetchall(), [(q,) for q in QUERIES], rounds)
    db.close()
    return {"build_s": build_s, "p50_ms": p50, "p95_ms": p95, "n": n}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.search")
    p.add_argument("--records", type=int, default=200_000)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True, help="also run SQLite FTS5")
    args = p.parse_args(argv)
    run(args.records, args.rounds, baseline=args.baseline)
    return 0


def run(records: int = 200_000, rounds: int = 4, *, baseline: bool = True) -> list[dict]:
    """Prints the figures; returns them as rows of the ``make bench`` table."""
    from bench.table import row
    from research.search_index import update_index

    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        root = Path(tmp) / "archive"
        started = time.perf_counter()
        generate(root, records)
        print(f"search  synthetic archive of {records:,} articles written in {time.perf_counter() - started:.0f}s")
        ours = bench_ours(root, rounds)
        print(f"  tantivy (ours)         : build {ours['build_s']:6.1f} s   search p50 {ours['p50_ms']:6.1f} ms   "
              f"p95 {ours['p95_ms']:6.1f} ms   ({ours['n']} searches: hits, highlighted snippets, filters)")
        print("  targets                : build < 60 s, p50 < 50 ms, p95 < 150 ms, incremental < 5 s")
        if baseline:
            theirs = bench_fts5(root, rounds, Path(tmp))
            print(f"  SQLite FTS5 (baseline) : build {theirs['build_s']:6.1f} s   search p50 {theirs['p50_ms']:6.1f} ms"
                  f"   p95 {theirs['p95_ms']:6.1f} ms   ({theirs['n']} searches, BM25 top 10 only; build = the "
                  "Datasette database)")
            print(f"  ratio FTS5/tantivy     : search p50 {theirs['p50_ms'] / ours['p50_ms']:.2f}x   "
                  f"p95 {theirs['p95_ms'] / ours['p95_ms']:.2f}x (time ratio; > 1 = FTS5 slower)")
        changed, new, removed = mutate(root, records)
        stats = update_index(root)
        print(f"  incremental update     : {stats.seconds:6.2f} s after a 1% change ({changed} changed, {new} new, "
              f"{removed} removed; {stats.added} versions indexed)")
    base = theirs if baseline else {}
    return [
        row(f"search index build, {records:,} articles", ours["build_s"], base.get("build_s"),
            unit="s vs SQLite FTS5", target="< 60 s", met=ours["build_s"] < 60),
        row("search p50", ours["p50_ms"], base.get("p50_ms"), unit="ms vs SQLite FTS5", target="< 50 ms",
            met=ours["p50_ms"] < 50),
        row("search p95", ours["p95_ms"], base.get("p95_ms"), unit="ms vs SQLite FTS5", target="< 150 ms",
            met=ours["p95_ms"] < 150),
        row("search incremental update after a 1% change", stats.seconds, unit="s", target="< 5 s",
            met=stats.seconds < 5),
    ]


if __name__ == "__main__":
    sys.exit(main())
