"""``make bench``: extraction and crawl throughput, each as a ratio to a baseline measured in the same run.

* extraction: our extractor vs trafilatura, pages/s on the same replica article pages;
* crawl: our full crawl (discovery, identity, extraction, Parquet) vs a bare-fetch spider that GETs
  exactly the URLs our crawl fetched, same concurrency, against the same replica process.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyarrow.dataset as ds

from bench.extraction_quality import bench_quality
from bench.search import run as bench_search
from cli.crawl import replica_process


def _fetch_all(urls):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    pages = []
    for url in urls:
        with opener.open(url, timeout=30) as resp:
            pages.append((url, resp.read(), resp.headers.get("Content-Type")))
    return pages


def _rate(fn, pages, rounds):
    started = time.perf_counter()
    for _ in range(rounds):
        for url, body, ctype in pages:
            fn(url, body, ctype)
    return rounds * len(pages) / (time.perf_counter() - started)


def bench_extraction(base_url: str, articles: int, seed: int, rounds: int, limit: int = 300) -> None:
    import trafilatura

    from replica.truth import iter_truth
    from pipelines.extract import extract_record

    urls = [t["urls"]["friendly"] for t in iter_truth(base_url, articles=articles, seed=seed) if t["kind"] == "article"]
    urls = urls[:limit]
    pages = _fetch_all(urls)
    ours = _rate(lambda u, b, c: extract_record(b, u, content_type=c), pages, rounds)
    theirs = _rate(lambda u, b, c: trafilatura.bare_extraction(b, url=u, with_metadata=True), pages, rounds)
    print(f"extraction  pages={len(pages)} rounds={rounds}")
    print(f"  portal-archive extract : {ours:8.1f} pages/s")
    print(f"  trafilatura (baseline) : {theirs:8.1f} pages/s")
    print(f"  ratio ours/trafilatura : {ours / theirs:8.2f}x")


def _peak_rss_mb(pid: int, peak: float) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return max(peak, int(line.split()[1]) / 1024)
    except OSError:
        pass
    return peak


def _crawl(url: str, archive: Path) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one ``portal-archive crawl`` process."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "crawl", url + "/", "--archive", str(archive),
                             "-s", "PORTAL_PROGRESS_INTERVAL=0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while proc.poll() is None:
        peak = _peak_rss_mb(proc.pid, peak)
        time.sleep(0.2)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"bench: crawl failed with exit code {proc.returncode}")
    return time.perf_counter() - started, peak


def bench_crawl(articles: int, seed: int) -> None:
    """First crawl vs bare fetch of the same URLs, then an incremental re-crawl of the unchanged portal."""
    from archive.query import connect

    with tempfile.TemporaryDirectory() as tmp, replica_process(articles, seed) as url:
        archive = Path(tmp) / "archive"
        first_s, first_mb = _crawl(url, archive)
        con = connect(archive)
        fetched = [r[0] for r in con.sql("SELECT url FROM pages UNION ALL SELECT url FROM media_files").fetchall()]
        urls_file = Path(tmp) / "urls.txt"
        urls_file.write_text("\n".join(fetched), encoding="utf-8")
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "bench.bare_fetch", str(urls_file)], check=True,
                             capture_output=True, text=True).stdout.split()
        bare_s = time.perf_counter() - started
        second_s, _ = _crawl(url, archive)
        con = connect(archive)
        first, second = con.sql("SELECT snapshot_id, records_new, records_unchanged, pages_fetched, not_modified "
                                "FROM snapshots ORDER BY snapshot_id").fetchall()
        record_pages_fetched = con.execute(
            "SELECT count(*) FROM pages WHERE snapshot_id = ? AND status = 200 AND record_id IS NOT NULL",
            [second[0]]).fetchall()[0][0]
    ours, bare = len(fetched) / first_s, int(out[0]) / bare_s
    records = first[1]
    print(f"crawl  replica articles={articles} records={records} fetches={len(fetched)} (pages + media; wall time)")
    print(f"  portal-archive crawl   : {ours:8.1f} fetches/s ({first_s:.1f}s)")
    print(f"  bare fetch (baseline)  : {bare:8.1f} fetches/s ({bare_s:.1f}s)")
    print(f"  ratio crawl/bare       : {ours / bare:8.2f}x")
    print(f"  peak memory            : {first_mb:.0f} MB")
    print("re-crawl of the unchanged portal (conditional requests)")
    print(f"  records unchanged      : {second[2]} of {records}; 304 answers {second[4]}; full fetches {second[3]}")
    print(f"  record pages fetched   : {record_pages_fetched} = {record_pages_fetched / records:6.1%} of records")
    print(f"  time re-crawl/first    : {second_s:.1f}s / {first_s:.1f}s = {second_s / first_s:6.1%}")


def bench_memory(articles: int, seed: int) -> None:
    """Peak memory of a crawl of N/4 and of N articles: flat memory means a ratio near 1."""
    peaks = []
    for n in (articles // 4, articles):
        with tempfile.TemporaryDirectory() as tmp, replica_process(n, seed) as url:
            peaks.append(_crawl(url, Path(tmp) / "archive")[1])
    print(f"memory  peak RSS crawl of {articles // 4} articles: {peaks[0]:.0f} MB; of {articles}: {peaks[1]:.0f} MB; "
          f"ratio {peaks[1] / peaks[0]:.2f}x for 4x the articles")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="make bench")
    p.add_argument("--articles", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--memory", action=argparse.BooleanOptionalAction, default=True,
                   help="also compare peak memory of a crawl of N/4 and N articles")
    p.add_argument("--search-records", type=int, default=200_000, help="size of the synthetic archive of the search bench")
    args = p.parse_args(argv)
    with replica_process(args.articles, args.seed) as url:
        bench_extraction(url, args.articles, args.seed, args.rounds)
        bench_quality(url, args.articles, args.seed)
    bench_crawl(args.articles, args.seed)
    if args.memory:
        bench_memory(args.articles, args.seed)
    bench_search(args.search_records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
