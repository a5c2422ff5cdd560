"""``diff``: records added, changed and removed between two snapshots of an archive."""
from __future__ import annotations

import json

from cli.errors import UsageError
from cli.inspect import archive_dir


def add_arguments(p):
    p.add_argument("snap_a", metavar="SNAP_A", help="the earlier snapshot: an id, a unique prefix of one, or 'previous'")
    p.add_argument("snap_b", metavar="SNAP_B", help="the later snapshot (id, prefix, or 'latest')")
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("--format", choices=("table", "json"), default="table")


def run(args) -> int:
    from research.diff import diff_snapshots, format_diff

    root = archive_dir(args.archive)
    try:
        result = diff_snapshots(root, args.snap_a, args.snap_b)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if args.format == "json":
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        print(format_diff(result))
    return 0
