"""``export``: records, media and a redirect map for migration teams (see :mod:`export`)."""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

from cli.inspect import SNAPSHOT_FORMS, full_snapshot_id


def add_arguments(p):
    from export import FORMATS

    p.add_argument("--format", required=True, choices=FORMATS,
                   help="jsonl, csv, parquet (data); markdown (Hugo page bundles); wxr (WordPress import); "
                        "sqlite (Datasette)")
    p.add_argument("--out", required=True, help="new folder for the export (must not exist, or be empty)")
    p.add_argument("--archive", default="./demo-archive", help="archive folder (default: ./demo-archive)")
    p.add_argument("--snapshot", default=None,
                   help=f"export the state as of this snapshot: {SNAPSHOT_FORMS} (default: the latest)")
    p.add_argument("--kind", action="append", default=None, metavar="KIND",
                   help="only these kinds: article, document, album, video, schedule, page (repeat or comma-separate)")
    p.add_argument("--since", default=None,
                   help="only records dated on or after (DD/MM/YYYY, MM/YYYY, YYYY or YYYY-MM-DD; the portal's days)")
    p.add_argument("--until", default=None,
                   help="only records dated on or before (same forms; a month or year includes all of it)")
    p.add_argument("--section", default=None,
                   help="only this section and its sub-sections (name, accents optional, or slug path)")
    p.add_argument("--site", default=None, help="only this site's records (an archive of crawl --sites)")
    p.add_argument("--base-url", default="http://localhost:8000/",
                   help="URL of the new site (links in the WXR, Hugo baseURL)")
    p.add_argument("--media-url", default=None,
                   help="URL the export's media/ folder is served at while WordPress imports (default: BASE_URL/media/)")
    p.add_argument("--redirect-to", default="", metavar="ORIGIN",
                   help="origin of the new site for the redirect map (e.g. https://new.example.vn; default: same host)")
    p.add_argument("--site-title", default=None, help="title of the new site (Hugo, WXR; default: the Hoàng Mai portal's)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.add_argument("-v", "--verbose", action="store_true", help="show a traceback on errors")


def snapshot_of(archive: str, value: str | None) -> str | None:
    """``--snapshot`` as a whole id (a prefix, ``latest``, ``previous`` too); an unknown one is an ExportError."""
    from cli.errors import UsageError
    from export import ExportError

    root = Path(archive).absolute()
    if value is None or not (root / "_archive.json").is_file():
        return value  # run_export says what is wrong with the folder
    try:
        return full_snapshot_id(root, value)
    except UsageError as exc:
        raise ExportError(str(exc)) from None


def run(args) -> int:
    from cli.errors import is_interrupt, one_line
    from cli.outputs import output_error
    from export import ExportError, Selection, format_summary, parse_day, parse_kinds, run_export

    def fail(message: str, code: int) -> int:  # one line; the traceback too with export -v or portal-archive -v
        if args.verbose or args.show_traceback:
            traceback.print_exc()
        print(f"portal-archive export: {message}", file=sys.stderr)
        return code

    try:
        selection = Selection(snapshot=snapshot_of(args.archive, args.snapshot), kinds=parse_kinds(args.kind),
                              since=parse_day(args.since, "--since"), until=parse_day(args.until, "--until", end=True),
                              section=args.section, site=args.site)
        if selection.since and selection.until and selection.since > selection.until:
            raise ExportError(f"--since {args.since} is after --until {args.until}")
        report = run_export(args.archive, args.format, args.out, selection, base_url=args.base_url,
                            media_url=args.media_url, site_title=args.site_title,
                            redirect_to=args.redirect_to, quiet=args.quiet)
    except BrokenPipeError:
        raise
    except (ExportError, ValueError) as exc:
        return fail(str(exc), 2)
    except OSError as exc:  # the operating system's (a full disk, no permission): exit 1, as in every command
        return fail(*one_line(output_error(exc, Path(args.out).absolute())))
    except Exception as exc:  # a failure we did not foresee: still one line, the traceback with -v
        if is_interrupt(exc):
            raise  # Ctrl-C inside a DuckDB query: main says "interrupted" (the temp folder is gone already)
        return fail(f"failed ({type(exc).__name__}: {exc}); nothing was written to --out; run again with -v for "
                    "the details", 1)
    print(format_summary(report))
    return 0
