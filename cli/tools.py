"""``verify``, ``reextract`` and ``package``: fixity, re-extraction and packaging of an archive."""
from __future__ import annotations

import argparse
import sys

from cli.inspect import SNAPSHOT_FORMS, archive_dir, snapshot_arg


def add_verify_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")


def run_verify(args) -> int:
    from archive.damage import read_repairs
    from archive.verify import Verifier, format_problems

    root = archive_dir(args.archive)
    verifier = Verifier(root)
    problems = verifier.run()
    print(format_problems(problems, verifier.stats, read_repairs(root)))
    return 1 if problems else 0


#: Processes per core ``reextract --workers`` may start: extraction is CPU-bound, more only costs memory.
WORKERS_PER_CORE = 4


def worker_count(text: str) -> int:
    """``--workers``: 1 to WORKERS_PER_CORE × the cores this process may use (100000 would fork that many)."""
    from cli.errors import whole_number
    from pipelines.reextract_jobs import default_workers

    n = whole_number("processes", 1)(text)
    most = WORKERS_PER_CORE * default_workers()
    if n > most:
        raise argparse.ArgumentTypeError(f"{n} processes is more than {WORKERS_PER_CORE} per core ({most} here): "
                                         f"extraction is CPU-bound; give at most {most} (default: one per core)")
    return n


def add_reextract_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("--workers", type=worker_count, default=None,
                   help="processes extracting the stored captures (default: every core)")
    p.add_argument("--repair", action="store_true",
                   help="if the archive has damage `verify` reports, record it in _repairs.jsonl, set damaged "
                        "files aside in _quarantine/ and go on (default: refuse to write over damage)")
    p.add_argument("--sites", metavar="SITES.toml", default=None,
                   help="the sites.toml of a crawl --sites archive: its sites' [site.extract] overrides (charset) "
                        "apply again")


def site_charsets(path: str | None) -> dict[str, str] | None:
    """site → charset override of a sites.toml (None without one); a bad file is a usage error."""
    if not path:
        return None
    from cli.errors import UsageError
    from crawler.sites import SitesError, load_sites

    try:
        return {s.name: s.extract["charset"] for s in load_sites(path) if s.extract.get("charset")}
    except (SitesError, OSError) as exc:
        raise UsageError(str(exc)) from None


def run_reextract(args) -> int:
    from archive.summary import format_summary, summarize
    from cli.search import refresh_index
    from pipelines.reextract import reextract

    root = archive_dir(args.archive)
    snapshot = reextract(root, workers=args.workers, repair=args.repair, charsets=site_charsets(args.sites))  # refuses a locked or damaged archive
    print(format_summary(summarize(root, snapshot["snapshot_id"])))
    print(reextract_line(snapshot))
    refresh_index(root)
    return 0


def reextract_line(snapshot: dict) -> str:
    """What ``reextract`` did, in one line: records re-extracted from their WARC captures, by outcome."""
    from pipelines.extract import EXTRACTOR_VERSION

    done = {c: snapshot.get(f"records_{c}", 0) for c in ("new", "changed", "unchanged")}
    return (f"re-extracted {sum(done.values()):,} records from their WARC captures with extractor "
            f"{EXTRACTOR_VERSION}: changed {done['changed']:,}, unchanged {done['unchanged']:,}, new {done['new']:,}")


def add_package_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("--wacz", action="store_true", required=True, help="write a WACZ package")
    p.add_argument("--snapshot", default=None, help=f"{SNAPSHOT_FORMS} (default: the latest complete one)")
    p.add_argument("-o", "--output", default=None, help="output file (default: <archive>/<snapshot>.wacz; an existing .wacz file is replaced)")


def run_package(args) -> int:
    from archive.lock import ArchiveLock
    from archive.store import remove_temps
    from archive.warc.wacz import write_wacz
    from cli.errors import UsageError
    from cli.outputs import output_error, output_file

    root = archive_dir(args.archive)
    with ArchiveLock(root, "package"):  # it writes into the archive folder: one writer at a time
        remove_temps(root)  # what a killed command left
        snapshot = snapshot_arg(root, args.snapshot, complete=True)  # not a failed or partial crawl
        if not snapshot:
            raise UsageError("the archive has no complete snapshot to package (portal-archive snapshots shows "
                             "its crawls; crawl it again)")
        dest = output_file(args.output or root / f"{snapshot}.wacz", "-o", (".wacz",), f"{snapshot}.wacz")
        try:
            print(write_wacz(root, snapshot, dest))
        except OSError as exc:
            raise output_error(exc, dest) from None
    warn_taken_down(root)
    return 0


def warn_taken_down(root) -> None:
    """A WACZ packages the sealed WARCs whole: say so when records are taken down."""
    from archive.query import connect

    con = connect(root)
    try:
        n = con.execute("SELECT count(*) FROM taken_down").fetchall()[0][0]
    finally:
        con.close()
    if n:
        print(f"portal-archive package: note: the WACZ holds the captures of the {n} records taken down (it packages "
              "the sealed WARCs); `serve` is the way to publish the archive without them", file=sys.stderr)
