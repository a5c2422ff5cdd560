"""``portal-archive``: one command, with subcommands, for everything users run."""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import version


def _build_parser() -> argparse.ArgumentParser:
    from cli import crawl, inspect, tools
    from crawler.replica import cli as replica_cli
    from pipelines.extract import cli as extract_cli

    parser = argparse.ArgumentParser(
        prog="portal-archive",
        description="Archive an IBM WebSphere Portal / WCM government portal into Parquet.",
    )
    parser.add_argument("--version", action="version", version=f"portal-archive {version('portal-archive')}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("crawl", help="crawl a portal (or the embedded replica) into an archive")
    crawl.add_arguments(p)
    p.set_defaults(run=crawl.run)

    p = sub.add_parser("replica", help="serve the offline replica of the Hoàng Mai portal")
    replica_cli.add_arguments(p)
    p.set_defaults(run=replica_cli.run)

    p = sub.add_parser("extract", help="print the record of one saved page as JSON")
    extract_cli.add_arguments(p)
    p.set_defaults(run=extract_cli.run)

    p = sub.add_parser("summary", help="summarize a snapshot of an archive")
    inspect.add_summary_arguments(p)
    p.set_defaults(run=inspect.run_summary)

    p = sub.add_parser("query", help="run SQL (DuckDB) over an archive's tables")
    inspect.add_query_arguments(p)
    p.set_defaults(run=inspect.run_query)
    p = sub.add_parser("verify", help="re-check every stored hash (records, media, WARC, Parquet files)")
    tools.add_verify_arguments(p)
    p.set_defaults(run=tools.run_verify)

    p = sub.add_parser("reextract", help="rebuild the records from the stored WARCs (no network), as a new snapshot")
    tools.add_reextract_arguments(p)
    p.set_defaults(run=tools.run_reextract)

    p = sub.add_parser("package", help="package a snapshot (WACZ)")
    tools.add_package_arguments(p)
    p.set_defaults(run=tools.run_package)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
