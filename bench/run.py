"""``make bench``: every performance figure as a ratio to a baseline measured in the same run, printed as one
table (measure, ours, baseline, ratio, target, met?) and written as JSON to ``bench/results.json``.

In the order they run:

* crawl: our full crawl (discovery, identity, extraction, Parquet) vs a bare-fetch spider that GETs
  exactly the URLs our crawl fetched, same concurrency, against the same replica process; in the full run,
  then a re-crawl of that unchanged portal, and the same re-crawl with every request through Scrapy (no
  target). Its first crawl's memory is measured as the memory part's crawls are (the memory part's small
  crawl);
* extraction: our extractor vs trafilatura, pages/s on the same replica article pages (timed page by page in
  alternation after a warm-up round of 100 of them, each in its own CPU time), and extraction quality;
  meanwhile, in a process of their own (:func:`run_beside`): search (bench/search.py), the crawl of
  ``replica --hostile`` (bench/hostile.py) and wacz: ``package --wacz`` of the crawl part's archive vs a zip
  copy of its WARC files (bench/wacz_package.py);
* memory (issue 11, target 4; bench/memory.py): peak memory of a crawl of 500 articles and of 4,000 (--quick:
  the 500 are the crawl part's first crawl) or 5,000 (full run); then a re-crawl of the bigger one's unchanged
  portal (target 5, stated for 5,000 articles; bench/recrawl.py), timed as its first crawl was; with --quick,
  that archive's bytes per record and Parquet layouts (target 6), and ``reextract`` with every core vs one
  worker on it (target 3; the full run does both on the crawl's archive, scaled to 20,000 records for
  ``reextract``);
* sites (issue 12, bench/sites.py): 20 sibling replicas, 200 ms latency, Crawl-delay 1 s each: our rate
  against the politeness limit of 20 requests/s.
* scale-out (issue 12, bench/redis_scale.py): 2 scrapy-redis crawl workers vs 1 against the replica at
  50 ms latency, pages/s, and their duplicate records (0).

The table keeps one order (:data:`PART_ORDER`) whatever the order of the run.
"""
from __future__ import annotations

import argparse
from functools import partial
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from pathlib import Path


from bench.close_memory import bench_close_memory
from bench.crawl_cpu import Run, describe, proc_stat, replica_pid, run_measured
from bench.extraction_quality import bench_quality, paired_rates
from bench.parquet_layout import bench_archive
from bench.recrawl import recrawl_rows
from bench.reextract import bench_reextract
from bench.hostile import bench_hostile
from bench.memory import bench_memory, quiet_crawl
from bench.search import run as bench_search
from bench.redis_scale import bench_redis_scale
from bench.sites import bench_sites
from bench.table import format_table, row, write_results
from bench.wacz_package import bench_wacz
from cli.crawl import replica_process


def _fetch_all(urls):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    pages = []
    for url in urls:
        with opener.open(url, timeout=30) as resp:
            pages.append((url, resp.read(), resp.headers.get("Content-Type")))
    return pages


def bench_extraction(base_url: str, articles: int, seed: int, rounds: int, limit: int = 500) -> list[dict]:
    import trafilatura

    from replica.truth import iter_truth
    from pipelines.extract import extract_record

    urls = [t["urls"]["friendly"] for t in iter_truth(base_url, articles=articles, seed=seed) if t["kind"] == "article"]
    urls = urls[:limit]
    fetched = _fetch_all(urls)
    pages = [(u, b, u) for u, b, _ in fetched]  # paired_rates' (id, html, url)
    ctypes = {u: c for u, _, c in fetched}

    def ours_fn(body, url):
        return extract_record(body, url, content_type=ctypes[url])

    def theirs_fn(body, url):
        return trafilatura.bare_extraction(body, url=url, with_metadata=True)

    # one untimed round warms both (imports, caches), then page by page in alternation (a shared machine's
    # load weighs on both alike)
    paired_rates(ours_fn, theirs_fn, pages[:100], rounds=1)
    ours, theirs = paired_rates(ours_fn, theirs_fn, pages, rounds)
    print(f"extraction  pages={len(pages)} rounds={rounds}")
    print(f"  portal-archive extract : {ours:8.1f} pages/s")
    print(f"  trafilatura (baseline) : {theirs:8.1f} pages/s")
    print(f"  ratio ours/trafilatura : {ours / theirs:8.2f}x")
    return [row(f"extraction, {len(pages)} replica article pages", ours, theirs, unit="pages/s vs trafilatura",
                target=">= 5x", met=ours / theirs >= 5)]


def _crawl(url: str, archive: Path, *settings: str) -> float:
    """Wall seconds of one ``portal-archive crawl`` process (``settings``: more ``-s`` values)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "cli.main", "crawl", url + "/", "--archive", str(archive),
                           "-s", "PORTAL_PROGRESS_INTERVAL=0", *(a for v in settings for a in ("-s", v))],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"bench: crawl failed with exit code {proc.returncode}")
    return time.perf_counter() - started


def bench_crawl(articles: int, seed: int, workdir: Path, *, figures: bool, reextract_records: int = 0,
                reextract_rounds: int = 1, recrawl: bool = True, layouts: str = "full", keep: dict | None = None
                ) -> list[dict]:
    """First crawl vs bare fetch of the same URLs; with ``recrawl``, an incremental re-crawl of the unchanged
    portal, and the same re-crawl with every request through Scrapy (no target: the re-crawl's target is the
    memory part's bigger crawl's). The archive is left at ``workdir / "archive"`` (the wacz part packages it).
    With ``figures``, the crawled archive's bytes per record and Parquet layouts (bench/parquet_layout.py), and
    ``reextract`` on it scaled to ``reextract_records`` records (``reextract_rounds`` pairs of runs,
    bench/reextract.py); else both come with the memory part's bigger crawl (:func:`big_archive_rows`).
    ``layouts``: their grid (bench/parquet_layout.py ``GRIDS``). The first crawl's memory is measured as the
    memory part measures its crawls (bench/memory.py :func:`~bench.memory.measured_crawl`): ``keep["first"]``
    gets those measures (the memory part's small crawl)."""
    from archive.query import connect

    with replica_process(articles, seed) as url:
        archive = workdir / "archive"
        replica = replica_pid()
        replica_before = proc_stat(replica)[1]
        first = quiet_crawl(url, archive, cpu=True)
        first_run = Run(first["wall"], first["cpu"], proc_stat(replica)[1] - replica_before, first["rss_mb"], "")
        if keep is not None:
            keep["first"] = first
        first_s, first_mb = first_run.wall, first_run.peak_mb
        archive_rows = ((bench_archive(archive, layouts) + bench_reextract(archive, reextract_records, reextract_rounds))
                        if figures else [])
        con = connect(archive)
        fetched = [r[0] for r in con.sql("SELECT url FROM pages UNION ALL SELECT url FROM media_files").fetchall()]
        con.close()
        urls_file = workdir / "urls.txt"
        urls_file.write_text("\n".join(fetched), encoding="utf-8")
        bare_run = run_measured([sys.executable, "-m", "bench.bare_fetch", str(urls_file)], replica)
        out, bare_s = bare_run.out.split(), bare_run.wall
        recrawl_rows_ = _recrawl_small(url, archive, workdir, first, articles) if recrawl else []
    ours, bare = len(fetched) / first_s, int(out[0]) / bare_s
    print(f"crawl  replica articles={articles} fetches={len(fetched)} (pages + media; wall time)")
    print(f"  portal-archive crawl   : {ours:8.1f} fetches/s ({first_s:.1f}s)")
    print(f"  bare fetch (baseline)  : {bare:8.1f} fetches/s ({bare_s:.1f}s)")
    print(f"  ratio crawl/bare       : {ours / bare:8.2f}x")
    print(f"  peak memory            : {first_mb:.0f} MB (crawl process, VmHWM); {first['tree_mb']:.0f} MB all its "
          "processes (Pss)")
    print("  CPU-seconds by process (bench/crawl_cpu.py):")
    print(describe("crawl", first_run))
    print(describe("bare fetch", bare_run))
    return archive_rows + [
        row(f"crawl, {articles} articles ({len(fetched)} fetches)", ours, bare, unit="fetches/s vs bare Scrapy fetch",
            target=">= 0.8x", met=ours / bare >= 0.8),
        row("crawl peak memory (crawl process, VmHWM)", first_mb, unit="MB"),
        row("crawl CPU-seconds, all its processes and the replica's", first_run.total_cpu + first_run.replica_cpu,
            bare_run.total_cpu + bare_run.replica_cpu, unit="CPU-s vs bare fetch"),
    ] + recrawl_rows_


def _recrawl_small(url: str, archive: Path, workdir: Path, first: dict, articles: int) -> list[dict]:
    """The crawl part's re-crawl of its unchanged portal (bench/recrawl.py :func:`recrawl_rows`, no target: the
    target is stated for 5,000 articles and comes with the memory part's bigger crawl), after the same
    re-crawl with every request through Scrapy on a copy."""
    scrapy_only = workdir / "archive-scrapy"
    shutil.copytree(archive, scrapy_only)
    scrapy_s = _crawl(url, scrapy_only, "PORTAL_LEAN_REVALIDATE=0")
    shutil.rmtree(scrapy_only)
    rows = recrawl_rows(url, archive, first, articles=articles, target=False)
    second_s = rows[0]["ours"]
    print(f"  lean client / Scrapy   : {second_s:.1f}s / {scrapy_s:.1f}s = {second_s / scrapy_s:6.2f}x (crawler/revalidate.py)")
    return rows + [row("re-crawl through the lean client: time", second_s, scrapy_s, unit="s vs every request through Scrapy")]


def quality_rows(q: dict) -> list[dict]:
    """The extraction-quality figures that have a target (issue 8 and 11): generic pages' speed and body F1."""
    rows = []
    dev = q.get("devsets")
    if dev:
        tr = dev["trafilatura"]
        # the same job on both sides, as on the replica pages: a whole record (body, title, author, date)
        # against trafilatura's default mode producing one (`bare_extraction` with metadata; issue 11)
        ours, theirs = tr["pages_per_s_vs_metadata"], tr["pages_per_s_trafilatura_metadata"]
        rows.append(row(f"extraction, {tr['pages']} generic development pages", ours, theirs,
                        unit="pages/s vs trafilatura, both a whole record", target=">= 1x", met=ours / theirs >= 1))
        # and against its body text alone (`extract`, no metadata): shown, no target
        rows.append(row("  the same pages, vs trafilatura's body text alone", tr["pages_per_s"],
                        tr["pages_per_s_trafilatura"], unit="pages/s vs extract()"))
        rows.append(row("body F1 on the generic pages", tr["body_f1"], tr["body_f1_trafilatura"],
                        unit="vs trafilatura", target=">= 1x", met=tr["body_f1"] >= tr["body_f1_trafilatura"]))
    rep = q.get("replica")
    if rep:
        exact = sum(ok for ok, _ in rep["fields"].values())
        total = sum(n for _, n in rep["fields"].values())
        rows.append(row("replica fields exact against the truth", exact, total, unit="fields",
                        target="1.00x (all)", met=exact == total))
    return rows


# memory: a crawl of "memory_small" articles vs one of "memory_articles" (4,000 with --quick, 5,000 in the full
# run: the ratio is 50,000 vs 5,000); with --quick the small one is the crawl part's first crawl (500
# articles, same seed, measured alike), not crawled again. The big crawl is also the first crawl of the
# re-crawl's figure (target 5, stated for 5,000 articles: start-up and close weigh as they would)
SIZES = {  # full run, and --quick. "figures_on": the crawl whose archive gives the archive's figures and reextract
    # ("crawl": the crawl part's, reextract scaled to "reextract_records"; "memory": the memory part's big crawl,
    # as it is); "recrawl_small": the crawl part re-crawls its portal, and again with every request through
    # Scrapy; "close_records": the close's memory on synthetic snapshots of these sizes (these two have no
    # target: the full run only); "layouts": the grid of Parquet layouts (bench/parquet_layout.py); "reextract_rounds":
    # pairs of reextract runs (bench/reextract.py; --quick's archive is small, one pair ~30 s: two, in ABBA order)
    False: {"articles": 2000, "crawl_articles": 2000, "memory_articles": 5000, "memory_small": 500,
            "search_records": 200_000, "sites_articles": 60, "reextract_records": 20_000, "reextract_rounds": 1,
            "redis_articles": 150,
            "close_records": (5000, 50_000), "rounds": 2, "figures_on": "crawl", "recrawl_small": True,
            "layouts": "full"},
    True: {"articles": 500, "crawl_articles": 500, "memory_articles": 4000, "memory_small": 500,
           "search_records": 20_000, "sites_articles": 6, "reextract_records": 0, "reextract_rounds": 2,
           "redis_articles": 100,
           "close_records": None, "rounds": 1, "figures_on": "memory", "recrawl_small": False,
           "layouts": "quick"},
}
#: seconds a ``make bench --quick`` may take (issue 11, target 7)
QUICK_LIMIT_S = 600
#: the table's order of the parts (some run beside another: :func:`run_beside`)
PART_ORDER = ("extraction", "crawl", "wacz", "memory and re-crawl", "close memory", "search", "sites",
              "redis scale-out", "hostile")


def big_archive_rows(url: str, archive: Path, first: dict, articles: int, figures: bool, layouts: str = "full",
                     reextract_rounds: int = 1) -> list[dict]:
    """The memory part's big crawl, once measured: with ``figures``, the archive's bytes per record and Parquet
    layouts (target 6: at 4,000 articles the row groups differ, at 500 every table is one group), then its
    re-crawl (target 5), then, with ``figures``, ``reextract`` on that archive as it is (target 3: 4,230 real
    records, each read back from its WARC record; the full run scales the crawl part's archive to 20,000
    records instead)."""
    rows = bench_archive(archive, layouts) if figures else []
    rows += recrawl_rows(url, archive, first, articles=articles)
    return rows + (bench_reextract(archive, rounds=reextract_rounds) if figures else [])


def run_beside(here, side: list[tuple], seconds: dict[str, float]) -> dict[str, list[dict]]:
    """Run ``here`` (a function returning {part name: rows}) in this process while the ``side`` parts ((name,
    fn, args), one after another) run in a process forked for them; their output is printed after ``here``'s.
    ``seconds`` gets each side part's wall time. Only for parts that keep their figures true beside another:
    the extraction part times each extractor in its own CPU time (bench/extraction_quality.py
    :func:`paired_rates`), so a core given to another process is no time of either; the side parts' targets are
    absolute, with wide margins, or they have none (README, Performance)."""
    ctx = multiprocessing.get_context("fork")
    reader, writer = ctx.Pipe(duplex=False)
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    sys.stdout.flush()
    sys.stderr.flush()

    def child():
        os.dup2(log.fileno(), 1)  # the subprocesses' output too
        os.dup2(log.fileno(), 2)
        sys.stdout = sys.stderr = open(1, "w", buffering=1, encoding="utf-8", closefd=False)
        out = {}
        for name, fn, args in side:
            t0 = time.perf_counter()
            rows = part(name, fn, *args)
            out[name] = (rows, round(time.perf_counter() - t0, 1))
            print(f"bench: {name} took {out[name][1]:.0f}s (beside the extraction part)", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        writer.send(out)

    proc = ctx.Process(target=child, name="bench-beside")
    proc.start()
    writer.close()
    try:
        got = here()
    finally:
        try:
            side_out = reader.recv()
        except EOFError:  # the process died before it could answer: each of its parts is a FAILED row
            side_out = {name: (part(name, _died, proc), 0.0) for name, _, _ in side}
        proc.join()
        log.seek(0)
        sys.stdout.write(log.read())
        log.close()
    for name, (rows, took) in side_out.items():
        got[name] = rows
        seconds[name] = took
    return got


def _died(proc) -> list[dict]:
    proc.join()
    raise SystemExit(f"the process running it ended with exit code {proc.exitcode}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="make bench")
    p.add_argument("--quick", action="store_true", help="smaller sizes (see SIZES in bench/run.py)")
    p.add_argument("--articles", type=int, help="replica size of the extraction and crawl figures")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, help="rounds of the extraction speed bench (2, 1 with --quick: pages in alternation)")
    p.add_argument("--memory", action=argparse.BooleanOptionalAction, default=True,
                   help="also compare peak memory of a small and a big crawl, and re-crawl the big one (target 5)")
    p.add_argument("--search-records", type=int, help="size of the synthetic archive of the search bench")
    p.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "results.json")
    args = p.parse_args(argv)
    sizes = dict(SIZES[args.quick])
    if args.articles:
        sizes["articles"] = sizes["crawl_articles"] = sizes["memory_articles"] = args.articles
        sizes["memory_small"] = max(1, args.articles // 4)
    if args.search_records:
        sizes["search_records"] = args.search_records
    started = time.perf_counter()
    by_part: dict[str, list[dict]] = {}
    part_seconds: dict[str, float] = {}  # wall time of each top-level part (the whole run must stay under 10 min)

    def timed(name, fn, *a, **kw):
        t0 = time.perf_counter()
        by_part[name] = part(name, fn, *a, **kw)
        part_seconds[name] = round(time.perf_counter() - t0, 1)
        print(f"bench: {name} took {part_seconds[name]:.0f}s", file=sys.stderr)
        return by_part[name]

    rounds = args.rounds or sizes["rounds"]

    def extraction():
        with replica_process(sizes["articles"], args.seed) as url:
            return (part("extraction", bench_extraction, url, sizes["articles"], args.seed, rounds)
                    + part("extraction quality",
                           lambda: quality_rows(bench_quality(url, sizes["articles"], args.seed, rounds=rounds))))

    crawled: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as workdir:
        timed("crawl", bench_crawl, sizes["crawl_articles"], args.seed, Path(workdir),
              figures=sizes["figures_on"] == "crawl", reextract_records=sizes["reextract_records"],
              reextract_rounds=sizes["reextract_rounds"],
              recrawl=sizes["recrawl_small"], layouts=sizes["layouts"], keep=crawled)
        # beside the extraction part, which keeps one core busy: search, the hostile crawl and wacz (the crawl
        # part's archive)
        beside = [("search", bench_search, (sizes["search_records"],)), ("hostile", bench_hostile, ()),
                  ("wacz", bench_wacz, (Path(workdir) / "archive",))]
        by_part.update(run_beside(lambda: {"extraction": timed("extraction", extraction)}, beside, part_seconds))
    if args.memory:
        small = crawled.get("first") if sizes["memory_small"] == sizes["crawl_articles"] else None
        timed("memory and re-crawl", bench_memory, sizes["memory_articles"], args.seed, sizes["memory_small"], small,
              then=partial(big_archive_rows, articles=sizes["memory_articles"],
                           figures=sizes["figures_on"] == "memory", layouts=sizes["layouts"],
                           reextract_rounds=sizes["reextract_rounds"]))
        if sizes["close_records"]:  # no target: the full run's
            timed("close memory", bench_close_memory, *sizes["close_records"])
    timed("sites", bench_sites, articles=sizes["sites_articles"])
    timed("redis scale-out", bench_redis_scale, sizes["redis_articles"])
    rows = [r for name in PART_ORDER for r in by_part.get(name, [])]
    seconds = time.perf_counter() - started
    # the run itself (issue 11 target 7: under 10 minutes; the sizes of --quick are there for it)
    rows.append(row(f"make bench{' --quick' if args.quick else ''} itself, start to table", seconds,
                    QUICK_LIMIT_S if args.quick else None, unit="s" + (" vs 10 minutes" if args.quick else ""),
                    target=f"< {QUICK_LIMIT_S} s" if args.quick else "", met=seconds < QUICK_LIMIT_S if args.quick else None))
    failed = [r for r in rows if r.get("failed")]
    print(f"\nmake bench{' --quick' if args.quick else ''}: {seconds:.0f}s; {len(rows)} figures "
          f"(written to {args.output}){'; FAILED: ' + ', '.join(r['part'] for r in failed) if failed else ''}")
    print("  by part: " + ", ".join(f"{k} {part_seconds[k]:.0f}s" + (" (beside extraction)" if k in {name for name, _, _ in beside} else "")
                                    for k in PART_ORDER if k in part_seconds) + "\n")
    print(format_table(rows))
    write_results(args.output, rows, quick=args.quick, seconds=seconds, sizes=sizes,
                  parts={k: part_seconds[k] for k in PART_ORDER if k in part_seconds})
    return 1 if failed else 0


def part(name: str, fn, *args, **kwargs) -> list[dict]:
    """The rows of one part of the bench; a part that fails becomes one row "FAILED: reason" (the other parts
    still run and the table is still printed; ``make bench`` then exits non-zero)."""
    try:
        return fn(*args, **kwargs)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - every failure becomes a row
        reason = " ".join(str(exc).split()) or type(exc).__name__
        print(f"bench: {name} FAILED: {reason}", file=sys.stderr)
        traceback.print_exc()
        return [{**row(f"{name}: FAILED: {reason[:120]}", None, met=False), "failed": True, "part": name}]


if __name__ == "__main__":
    sys.exit(main())
