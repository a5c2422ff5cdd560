"""``portal-archive``: one command, with subcommands, for everything users run."""
from __future__ import annotations

import argparse
import gc
import importlib
import sys
from importlib.metadata import version

from cli.errors import is_interrupt, one_line


#: (name, help, module, add_arguments, run) of every subcommand, in the order ``--help`` shows them; a command's
#: module is imported only when that command runs (a crawl does not pay for the exporters' imports).
COMMANDS = [
    ("crawl", "crawl a portal (or the embedded replica) into an archive", "cli.crawl", "add_arguments", "run"),
    ("replica", "serve the offline replica of the Hoàng Mai portal (the demo's target, the tests' ground truth)",
     "replica.cli", "add_arguments", "run"),
    ("extract", "print the record of one saved page as JSON", "pipelines.extract.cli", "add_arguments", "run"),
    ("summary", "summarize a snapshot of an archive", "cli.inspect", "add_summary_arguments", "run_summary"),
    ("snapshots", "list every snapshot of an archive: status, times, pages, changes, errors",
     "cli.inspect", "add_snapshots_arguments", "run_snapshots"),
    ("query", "run SQL (DuckDB) over an archive's tables", "cli.inspect", "add_query_arguments", "run_query"),
    ("verify", "re-check every stored hash (records, media, WARC, Parquet files)",
     "cli.tools", "add_verify_arguments", "run_verify"),
    ("reextract", "rebuild the records from the stored WARCs (no network), as a new snapshot",
     "cli.tools", "add_reextract_arguments", "run_reextract"),
    ("package", "package a snapshot (WACZ)", "cli.tools", "add_package_arguments", "run_package"),
    ("search", "accent-insensitive full-text search of an archive", "cli.search", "add_arguments", "run"),
    ("serve", "browse and search the archive in a browser (Datasette) with each record's replayed capture (pywb)",
     "cli.serve", "add_arguments", "run"),
    ("diff", "records added, changed and removed between two snapshots", "cli.diff", "add_arguments", "run"),
    ("report", "one self-contained HTML report with charts about an archive", "cli.report", "add_arguments", "run"),
    ("export", "export records, media and a redirect map for a new CMS", "cli.export", "add_arguments", "run"),
    ("takedown", "hide a record from every view, search, export and report (--undo: show it again); the WARC "
     "evidence stays sealed", "cli.takedown", "add_arguments", "run"),
]


def _build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the command named in ``argv`` (its first word not starting with ``-``) gets its
    arguments, the others are listed by name and help (``COMMAND --help`` names that command)."""
    parser = argparse.ArgumentParser(
        prog="portal-archive",
        description="Archive an IBM WebSphere Portal / WCM government portal: crawl, extract, store, verify, query.",
    )
    parser.add_argument("--version", action="version", version=f"portal-archive {version('portal-archive')}")
    parser.add_argument("-v", "--verbose", dest="show_traceback", action="store_true",
                        help="show Python tracebacks (and the crawl's Scrapy log) instead of one-line errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    words = sys.argv[1:] if argv is None else argv
    chosen = next((w for w in words if not w.startswith("-")), None)
    for name, help_text, module, add_arguments, run in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            commands = importlib.import_module(module)
            getattr(commands, add_arguments)(p)
            p.set_defaults(run=getattr(commands, run))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; any failure is one line on stderr and an exit code (cli/errors.py), unless ``-v``."""
    args = _build_parser(argv).parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (`| head`): nothing to tell, as any filter does
        quiet_stdout()
        return 141
    except Exception as exc:
        if is_interrupt(exc) and not args.show_traceback:
            print("interrupted", file=sys.stderr)
            return 130
        if args.show_traceback:
            raise
        message, code = one_line(exc)
        print(f"portal-archive {args.command}: {message}", file=sys.stderr)
        return code


def quiet_stdout() -> None:
    """stdout → /dev/null, so the interpreter's last flush of a closed pipe prints nothing at exit."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def console() -> None:
    """The ``portal-archive`` command: :func:`main`, then the process ends without the interpreter's last garbage
    collection walking every object the command made or loaded (they are frozen: the memory goes with the
    process). After a crawl that walk took 0.2-0.5 s of every run (py-spy), a tenth of a re-crawl."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
