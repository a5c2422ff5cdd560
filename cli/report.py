"""``report``: one self-contained HTML file with charts about an archive."""
from __future__ import annotations

from cli.inspect import archive_dir
from cli.outputs import output_error, output_file


def add_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("--out", required=True,
                   help="the HTML file to write (e.g. report.html; an existing .html file is replaced)")
    p.add_argument("--site", default=None, help="only this site's records, media, errors and pages (an archive of crawl --sites)")


def run(args) -> int:
    from cli.errors import UsageError
    from research.report import write_report

    root = archive_dir(args.archive)
    out = output_file(args.out, "--out", (".html", ".htm"), "report.html")
    try:
        path = write_report(root, out, site=args.site)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:  # name --out, not the temp file beside it (as package -o does)
        raise output_error(exc, out) from None
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB, opens without network)")
    return 0
