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

    from crawler.replica.truth import iter_truth
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


def bench_crawl(articles: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, replica_process(articles, seed) as url:
        archive = Path(tmp) / "archive"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli.main", "crawl", url + "/", "--archive", str(archive),
                        "-s", "PORTAL_PROGRESS_INTERVAL=0"], check=True, capture_output=True)
        ours_s = time.perf_counter() - started
        fetched = [r["url"] for r in ds.dataset(archive / "pages").to_table(columns=["url"]).to_pylist()]
        urls_file = Path(tmp) / "urls.txt"
        urls_file.write_text("\n".join(fetched), encoding="utf-8")
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "bench.bare_fetch", str(urls_file)], check=True,
                             capture_output=True, text=True).stdout.split()
        bare_s = time.perf_counter() - started
    ours, bare = len(fetched) / ours_s, int(out[0]) / bare_s
    print(f"crawl  replica articles={articles} pages fetched={len(fetched)} (process wall time, start-up included)")
    print(f"  portal-archive crawl   : {ours:8.1f} pages/s ({ours_s:.1f}s)")
    print(f"  bare fetch (baseline)  : {bare:8.1f} pages/s ({bare_s:.1f}s)")
    print(f"  ratio crawl/bare       : {ours / bare:8.2f}x")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="make bench")
    p.add_argument("--articles", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args(argv)
    with replica_process(args.articles, args.seed) as url:
        bench_extraction(url, args.articles, args.seed, args.rounds)
    bench_crawl(args.articles, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
