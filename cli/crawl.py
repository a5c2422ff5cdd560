"""``crawl``: run the portal spider into an archive; ``--demo`` crawls a replica it starts itself."""
from __future__ import annotations

import argparse
import gc
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from cli.errors import UsageError, whole_number

DEFAULT_PORTAL = "http://hoangmai.nghean.gov.vn/"

EXIT_COMPLETE, EXIT_INTERRUPTED, EXIT_USAGE, EXIT_FAILURES, EXIT_FAILED = 0, 1, 2, 3, 4
EXIT_CODES = f"""exit codes:
  {EXIT_COMPLETE}  complete: every page that was tried was had
  {EXIT_INTERRUPTED}  interrupted: after a kill or a full disk, run the same command again to resume; a crawl
     stopped with Ctrl-C or SIGTERM keeps what it archived as an `interrupted` snapshot, and the next
     run starts a new one
  {EXIT_USAGE}  usage: a bad argument or an archive folder it cannot use; nothing was fetched
  {EXIT_FAILURES}  complete with some failures: the failed pages are in `errors`, by reason in the summary
  {EXIT_FAILED}  failed or partial: the home page could not be fetched, or failures passed
     PORTAL_MAX_FAILURE_RATIO (default 0.2) of the pages tried; the snapshot is kept and marked so,
     nothing is marked removed and the *_latest views stay exactly as they were"""


def add_arguments(p):
    p.epilog = EXIT_CODES
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("url", nargs="?", help=f"portal home page (e.g. {DEFAULT_PORTAL}; a bare host name means http://)")
    p.add_argument("--archive", required=True, help="archive folder (created if missing)")
    p.add_argument("--demo", action="store_true", help="start the offline replica on a free loopback port and crawl it")
    p.add_argument("--sites", metavar="SITES.toml",
                   help="crawl every portal listed in SITES.toml into the archive, in one snapshot (see crawler/sites.py)")
    p.add_argument("--redis", metavar="URL",
                   help="be one crawl worker of several (on this or other machines) sharing one scrapy-redis queue "
                        "at URL (redis://host:6379/0) and one snapshot of the archive; see README, Scale-out")
    p.add_argument("--worker", metavar="NAME",
                   help="this worker's name with --redis (default: the host name); run a killed worker again "
                        "under the same name to give back what it held")
    p.add_argument("--articles", type=whole_number("articles", 1), default=300, help="replica size for --demo (default 300)")
    p.add_argument("--seed", type=int, default=1, help="replica seed for --demo")
    p.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy / portal-archive setting, as `scrapy crawl -s` does")
    p.add_argument("--samples", type=whole_number("rows"), default=0, help="print N sample articles after the summary")
    p.add_argument("-v", "--verbose", action="store_true", help="Scrapy INFO logging")
    p.add_argument("--repair", action="store_true",
                   help="if the archive has damage `verify` reports, record it in _repairs.jsonl, set damaged "
                        "files aside in _quarantine/ and crawl (default: refuse to write over damage)")


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-s expects NAME=VALUE, got {pair!r}")
        out[name.strip()] = value
        check_override(name.strip(), value)
    return out


def check_override(name: str, value: str) -> None:
    """A UsageError (one line) when ``value`` cannot be read as the type of the setting's default (a boolean,
    a number), which Scrapy would only find out mid-start, with a traceback."""
    import crawler.settings as ours
    from scrapy.settings import default_settings

    default = getattr(ours, name, getattr(default_settings, name, None))
    text = value.strip()
    if isinstance(default, bool):
        ok = text.lower() in ("0", "1", "true", "false")
        kind = "true or false (1 or 0)"
    elif isinstance(default, (int, float)):  # (Scrapy's DOWNLOAD_DELAY defaults to 0 and is read as a float)
        try:
            float(text)
            ok = True
        except ValueError:
            ok = False
        kind = "a number"
    else:
        return
    if not ok:
        raise UsageError(f"-s {name}={value}: {name} must be {kind}")


def start_url(text: str) -> str:
    """The portal's home page from what the user typed: a bare host name (``hoangmai.nghean.gov.vn``,
    ``host:8080/path``) means ``http://``; only http and https URLs with a host are accepted."""
    text = text.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise UsageError(f"{text!r} has an invalid port") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{text!r} is not a web address (http:// or https:// and a host name)")
    return text if parts.path else text + "/"


DEMO_PORT = 18080  # the demo's replica keeps one address when it can, so repeated demos compare like with like


def port_free(port: int) -> bool:
    """True if nothing listens on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def replica_process(articles: int, seed: int, port: int = 0, extra: tuple[str, ...] = ()):
    """A replica server in its own process (its own core), on ``port`` (0 = a free loopback port);
    ``extra``: more ``replica`` options (``("--hostile",)``)."""
    cmd = [sys.executable, "-m", "cli.main", "replica", "--host", "127.0.0.1", "--port", str(port),
           "--articles", str(articles), "--seed", str(seed), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if "http://" not in line:
            raise OSError(f"the demo replica did not start ({line.strip() or proc.poll()})")
        url = line[line.index("http://"):].split()[0]
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_crawl(url: str | None, archive: Path, overrides: dict[str, str], *, verbose: bool = False,
              sites=None, worker: dict | None = None) -> dict:
    """Run one crawl in this process (of ``url``, or of every site of ``sites``); returns Scrapy's final stats."""
    # Scrapy's HTTP/1.1 handler: imported here, not by the engine, as its TLS module calls inspect.stack()
    # (every frame's source read) at import: ~0.1 s of each start under the engine's deep stack
    import scrapy.core.downloader.handlers.http11  # noqa: F401
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("PORTAL_ARCHIVE_DIR", str(archive), priority="cmdline")
    if not verbose:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    if sites:
        from crawler.sites import download_slots

        settings.set("DOWNLOAD_SLOTS", download_slots(sites), priority="cmdline")
    spider = "sites" if sites else "portal"
    if worker:  # one crawl worker of several: scrapy-redis's queue, claims in Redis (crawler/redis_scheduler.py)
        settings.set("SCHEDULER", "crawler.redis_scheduler.WorkerScheduler", priority="cmdline")
        settings.set("PORTAL_REDIS_URL", worker["url"], priority="cmdline")
        settings.set("PORTAL_WORKER", worker["name"], priority="cmdline")
        spider += "_worker"
    # the spider class itself, not its name: Scrapy's spider loader would import every spider module
    # (the crawl workers' pull in redis and scrapy-redis) at every start
    settings.set("SPIDER_MODULES", [], priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    frontier = None
    if not worker:  # requests waiting to be fetched on disk (crawler/frontier.py); a worker's are in Redis
        from crawler.frontier import use_disk_frontier

        frontier = use_disk_frontier(settings, archive)
    try:
        process = CrawlerProcess(settings)
        if not verbose:
            quiet_logging()
        crawler = process.create_crawler(spider_class(spider))
        process.crawl(crawler, **({"sites": sites} if sites else {"start_url": url}))
        gc.freeze()  # start-up is done: what it loaded stays, out of the collector's way (see crawl_gc)
        process.start()
    finally:
        if frontier is not None:
            shutil.rmtree(frontier, ignore_errors=True)
    return crawler.stats.get_stats()


#: Allocations between two young-generation collections while crawling (CPython's default: 700).
GC_YOUNG = 20_000


@contextmanager
def crawl_gc():
    """Garbage collection tuned for a crawl: rare collections, and what start-up loaded (modules, settings,
    the crawler; :func:`run_crawl` freezes it) out of the collector's way. Every request allocates hundreds of
    short-lived objects (requests, responses, Deferreds, asyncio tasks); at CPython's defaults the collector
    ran ~1,100 times in a re-crawl of 2,000 articles, each time walking every object that had survived: a
    quarter of the crawl process's CPU. Cyclic garbage still goes, a little later."""
    before = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


#: Spider name -> "module:class" (``scrapy crawl NAME`` finds them through SPIDER_MODULES).
SPIDERS = {
    "portal": "crawler.spiders.portal:PortalSpider",
    "sites": "crawler.spiders.sites:SitesSpider",
    "portal_worker": "crawler.spiders.workers:PortalWorkerSpider",
    "sites_worker": "crawler.spiders.workers:SitesWorkerSpider",
}


def spider_class(name: str):
    """The spider class named ``name``, importing only its module."""
    import importlib

    module, _, cls = SPIDERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


class OneLine(logging.Filter):
    """Log records without their tracebacks (``-v`` shows them). A record whose message is a Twisted ``Failure``
    (Scrapy's media pipeline logs a failed download with ``logger.exception(failure)``: the failure is an
    ``errors`` row, ``media_failed``) prints as its one line, the exception's type and message."""

    def filter(self, record: logging.LogRecord) -> bool:
        from twisted.python.failure import Failure  # loaded with Scrapy before any crawl logs

        record.exc_info = record.exc_text = record.stack_info = None
        if isinstance(record.msg, Failure):
            name, text = record.msg.type.__name__, record.msg.getErrorMessage()
            record.msg, record.args = (f"{name}: {text}" if text else name), ()
        return True


#: Loggers whose messages repeat what the summary says, by reason (every failure is an ``errors`` row).
FAILURE_LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt")


def quiet_logging() -> None:
    """Without ``-v``: no tracebacks, and no per-URL failure lines (the summary lists failures by reason)."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(OneLine())
    for name in FAILURE_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def arrow_memory_pool() -> None:
    """Arrow's buffers (Parquet writes, compaction, the search-index update) from jemalloc, which hands freed
    memory back: with pyarrow's default mimalloc the crawl process kept what every Parquet read and write had
    touched, on each thread that decoded a page (reading a 10,000-row column 1,000 rows at a time grew the
    process by 84 MB under mimalloc, by 26 MB under jemalloc), so its peak grew with the archive. The system
    allocator where a pyarrow build has no jemalloc.

    That choice is pyarrow's; libarrow's own buffers (Parquet's column readers and writers, inside the C++ library)
    come from Arrow C++'s default pool, which reads ``ARROW_DEFAULT_MEMORY_POOL`` once, when pyarrow is imported:
    left to mimalloc, they kept 36-52 MB of a 5,000-article crawl's process to its end (Linux wheels, which all
    have jemalloc; the variable is the user's to set otherwise)."""
    if sys.platform == "linux":
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # pyarrow.lib.ArrowNotImplementedError: a build without jemalloc (Windows)
        pa.set_memory_pool(pa.system_memory_pool())


def run(args) -> int:
    arrow_memory_pool()
    with crawl_gc():
        return _run(args)


def _run(args) -> int:
    from cli.crawl_process import in_crawl_process
    from cli.inspect import print_samples
    from cli.search import refresh_index
    from archive.summary import format_summary, summarize

    from archive.damage import check_before_write
    from archive.lock import check_unlocked
    from archive.marker import ensure_archive_root

    overrides = parse_overrides(args.settings)
    args.verbose = args.verbose or getattr(args, "show_traceback", False)
    if sum(map(bool, (args.url, args.demo, args.sites))) != 1:
        raise UsageError("give the portal URL (e.g. hoangmai.nghean.gov.vn), or --demo, or --sites SITES.toml")
    worker = redis_worker(args) if args.redis else None
    url = start_url(args.url) if args.url else None
    sites = None
    if args.sites:
        from crawler.sites import SitesError, load_sites

        try:
            sites = load_sites(args.sites)
        except SitesError as exc:
            raise UsageError(str(exc)) from None
    archive = Path(args.archive).absolute()
    if args.repair:
        overrides["PORTAL_REPAIR"] = "1"
    ensure_archive_root(archive)  # refuse a foreign or newer-format folder before anything is fetched,
    check_unlocked(archive, shared=bool(worker))  # one another process is writing (other workers may),
    if not args.repair and not worker:  # or one with damage verify reports (--repair records it and goes on;
        check_before_write(archive)  # a worker alone on the archive checks, others write beside it)
    started = time.monotonic()
    if sites:
        print(f"crawling {len(sites)} sites into {archive}", file=sys.stderr)
        stats = in_crawl_process(run_crawl, None, archive, overrides, verbose=args.verbose, sites=sites, worker=worker)
    elif args.demo:
        # the same address as the last demo when free: record URLs (and so record hashes) stay comparable
        with replica_process(args.articles, args.seed, DEMO_PORT if port_free(DEMO_PORT) else 0) as url:
            print(f"demo: crawling the replica at {url} into {archive}", file=sys.stderr)
            stats = in_crawl_process(run_crawl, url, archive, overrides, verbose=args.verbose)
    else:
        stats = in_crawl_process(run_crawl, url, archive, overrides, verbose=args.verbose, worker=worker)
    if stats.get("portal/fatal"):  # the archive could not be written (disk full): no summary of a snapshot not kept
        print(f"portal-archive crawl: {stats['portal/fatal']}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if stats.get("portal/worker_left"):  # a crawl worker that was not the last: the snapshot is not closed yet
        print(worker_line(stats))
        return EXIT_INTERRUPTED if stats.get("finish_reason") != "finished" else EXIT_COMPLETE
    summary = summarize(archive, stats.get("portal/snapshot_id"))
    print(format_summary(summary))
    if summary.get("status") in ("complete", "resumed"):  # only those change the latest state it indexes
        refresh_index(archive)
    print(f"wall time: {time.monotonic() - started:.1f}s")
    if args.samples:
        print_samples(archive, args.samples)
    code = exit_code(stats, summary)
    if code == EXIT_FAILED:
        print(f"portal-archive crawl: {verdict_line(stats, summary)}", file=sys.stderr)
    return code


def redis_worker(args) -> dict:
    """``{"url", "name"}`` of ``--redis URL [--worker NAME]``, checked (and the server reached) before crawling."""
    import re

    from crawler.shared_state import default_worker

    if args.demo:
        raise UsageError("--redis takes the portal URL or --sites (every worker crawls the same), not --demo")
    name = args.worker or default_worker()
    if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", name):
        raise UsageError(f"--worker {name!r}: a worker name is 1-64 letters, digits or _")
    if not re.match(r"(redis|rediss|unix)://", args.redis):
        raise UsageError(f"--redis {args.redis!r}: give a Redis URL such as redis://127.0.0.1:6379/0")
    import redis

    try:
        redis.Redis.from_url(args.redis, socket_connect_timeout=5, socket_timeout=5).ping()
    except (redis.RedisError, ValueError) as exc:
        raise UsageError(f"cannot reach Redis at {args.redis} ({exc}); start redis-server or fix --redis") from None
    return {"url": args.redis, "name": name}


def worker_line(stats: dict) -> str:
    """What a crawl worker that was not the last one did; the last one prints the snapshot's summary."""
    pages = stats.get("response_received_count", 0)
    how = "done" if stats.get("finish_reason") == "finished" else f"stopped ({stats.get('finish_reason')})"
    return (f"worker {stats.get('portal/worker')} {how}: {pages} pages fetched into snapshot "
            f"{stats.get('portal/snapshot_id')}; the last worker to finish closes the snapshot and prints its summary")


def verdict_line(stats: dict, summary: dict) -> str:
    """One line saying why a snapshot is failed or partial, and what that means for the archive."""
    reasons = ", ".join(f"{r} {n}" for r, n in (summary.get("errors_by_reason") or {}).items()) or "no response"
    if stats.get("portal/verdict") == "failed":
        why = f"snapshot {summary['snapshot_id']} failed: the home page could not be fetched ({reasons})"
    else:
        why = (f"snapshot {summary['snapshot_id']} is partial: {stats.get('portal/failed', 0)} of "
               f"{stats.get('portal/attempted', 0)} pages failed ({reasons})")
    return why + "; nothing was marked removed and the archive's latest state is unchanged"


def exit_code(stats: dict, summary: dict) -> int:
    """See :data:`EXIT_CODES`."""
    if stats.get("finish_reason") != "finished" or summary.get("status") == "interrupted":
        return EXIT_INTERRUPTED
    if stats.get("portal/verdict") in ("failed", "partial"):
        return EXIT_FAILED
    failures = {r: n for r, n in (summary.get("errors_by_reason") or {}).items() if r not in BENIGN_REASONS}
    return EXIT_FAILURES if failures else EXIT_COMPLETE


BENIGN_REASONS = {"robots_disallowed", "soft_404", "empty_media_url"}
