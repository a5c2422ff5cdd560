"""``portal-archive``: one command, with subcommands, for everything users run."""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import version

from cli.errors import one_line


def _commands():
    """(name, help, add_arguments, run) of every subcommand, in the order ``--help`` shows them."""
    from cli import crawl, inspect, tools
    from cli import diff, report, search, serve
    from cli import export, takedown
    from replica import cli as replica_cli
    from pipelines.extract import cli as extract_cli

    return [
        ("crawl", "crawl a portal (or the embedded replica) into an archive", crawl.add_arguments, crawl.run),
        ("replica", "serve the offline replica of the Hoàng Mai portal (the demo's target, the tests' ground truth)", replica_cli.add_arguments, replica_cli.run),
        ("extract", "print the record of one saved page as JSON", extract_cli.add_arguments, extract_cli.run),
        ("summary", "summarize a snapshot of an archive", inspect.add_summary_arguments, inspect.run_summary),
        ("snapshots", "list every snapshot of an archive: status, times, pages, changes, errors",
         inspect.add_snapshots_arguments, inspect.run_snapshots),
        ("query", "run SQL (DuckDB) over an archive's tables", inspect.add_query_arguments, inspect.run_query),
        ("verify", "re-check every stored hash (records, media, WARC, Parquet files)",
         tools.add_verify_arguments, tools.run_verify),
        ("reextract", "rebuild the records from the stored WARCs (no network), as a new snapshot",
         tools.add_reextract_arguments, tools.run_reextract),
        ("package", "package a snapshot (WACZ)", tools.add_package_arguments, tools.run_package),
        ("search", "accent-insensitive full-text search of an archive", search.add_arguments, search.run),
        ("serve", "browse and search the archive in a browser (Datasette) with each record's replayed capture (pywb)",
         serve.add_arguments, serve.run),
        ("diff", "records added, changed and removed between two snapshots", diff.add_arguments, diff.run),
        ("report", "one self-contained HTML report with charts about an archive", report.add_arguments, report.run),
        ("export", "export records, media and a redirect map for a new CMS", export.add_arguments, export.run),
        ("takedown", "hide a record from every view, search, export and report (--undo: show it again); the WARC "
         "evidence stays sealed", takedown.add_arguments, takedown.run),
    ]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal-archive",
        description="Archive an IBM WebSphere Portal / WCM government portal: crawl, extract, store, verify, query.",
    )
    parser.add_argument("--version", action="version", version=f"portal-archive {version('portal-archive')}")
    parser.add_argument("-v", "--verbose", dest="show_traceback", action="store_true",
                        help="show Python tracebacks (and the crawl's Scrapy log) instead of one-line errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text, add_arguments, run in _commands():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
        p.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; any failure is one line on stderr and an exit code (cli/errors.py), unless ``-v``."""
    args = _build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.show_traceback:
            raise
        message, code = one_line(exc)
        print(f"portal-archive {args.command}: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
