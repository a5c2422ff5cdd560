"""``crawl``: run the portal spider into an archive; ``--demo`` crawls a replica it starts itself."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

DEFAULT_PORTAL = "http://hoangmai.nghean.gov.vn/"


def add_arguments(p):
    p.add_argument("url", nargs="?", help=f"portal home page (e.g. {DEFAULT_PORTAL})")
    p.add_argument("--archive", required=True, help="archive folder (created if missing)")
    p.add_argument("--demo", action="store_true", help="start the offline replica on a free loopback port and crawl it")
    p.add_argument("--articles", type=int, default=300, help="replica size for --demo (default 300)")
    p.add_argument("--seed", type=int, default=1, help="replica seed for --demo")
    p.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy / portal-archive setting, as `scrapy crawl -s` does")
    p.add_argument("--samples", type=int, default=0, help="print N sample articles after the summary")
    p.add_argument("-v", "--verbose", action="store_true", help="Scrapy INFO logging")


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SystemExit(f"portal-archive crawl: -s expects NAME=VALUE, got {pair!r}")
        out[name.strip()] = value
    return out


DEMO_PORT = 18080  # the demo's replica keeps one address when it can, so repeated demos compare like with like


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def replica_process(articles: int, seed: int, port: int = 0):
    """A replica server in its own process (its own core), on ``port`` (0 = a free loopback port)."""
    cmd = [sys.executable, "-m", "cli.main", "replica", "--host", "127.0.0.1", "--port", str(port),
           "--articles", str(articles), "--seed", str(seed)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if "http://" not in line:
            raise SystemExit(f"portal-archive crawl --demo: the replica did not start ({line.strip() or proc.poll()})")
        url = line[line.index("http://"):].split()[0]
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_crawl(url: str, archive: Path, overrides: dict[str, str], *, verbose: bool = False) -> dict:
    """Run one crawl in this process; returns Scrapy's final stats."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("PORTAL_ARCHIVE_DIR", str(archive), priority="cmdline")
    if not verbose:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("portal")
    process.crawl(crawler, start_url=url)
    process.start()
    return crawler.stats.get_stats()


def run(args) -> int:
    from cli.inspect import print_samples
    from cli.search import refresh_index
    from archive.summary import format_summary, summarize

    from archive.exceptions import ArchiveError
    from archive.marker import ensure_archive_root

    overrides = parse_overrides(args.settings)
    archive = Path(args.archive).absolute()
    try:  # refuse a foreign or newer-format folder before anything is fetched
        ensure_archive_root(archive)
    except ArchiveError as exc:
        print(f"portal-archive crawl: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    if args.demo:
        # the same address as the last demo when free: record URLs (and so record hashes) stay comparable
        with replica_process(args.articles, args.seed, DEMO_PORT if _free(DEMO_PORT) else 0) as url:
            print(f"demo: crawling the replica at {url} into {archive}", file=sys.stderr)
            stats = run_crawl(url, archive, overrides, verbose=args.verbose)
    else:
        if not args.url:
            raise SystemExit("portal-archive crawl: give the portal URL, or --demo")
        stats = run_crawl(args.url, archive, overrides, verbose=args.verbose)
    summary = summarize(archive, stats.get("portal/snapshot_id"))
    print(format_summary(summary))
    refresh_index(archive)
    print(f"wall time: {time.monotonic() - started:.1f}s")
    if args.samples:
        print_samples(archive, args.samples)
    return exit_code(stats.get("finish_reason"), summary)


EXIT_COMPLETE, EXIT_INTERRUPTED, EXIT_FAILURES = 0, 1, 3


def exit_code(finish_reason: str | None, summary: dict) -> int:
    """0: the snapshot is complete; 3: complete, but some pages could not be had (see errors);
    1: the crawl was interrupted (run the same command again to resume it)."""
    if finish_reason != "finished":
        return EXIT_INTERRUPTED
    failures = {r: n for r, n in (summary.get("errors_by_reason") or {}).items() if r not in BENIGN_REASONS}
    return EXIT_FAILURES if failures else EXIT_COMPLETE


BENIGN_REASONS = {"robots_disallowed", "soft_404", "empty_media_url"}
