"""``serve``: Datasette over the archive's records and pywb replaying its WARCs, on loopback."""
from __future__ import annotations

import sys

from cli.errors import UsageError
from cli.inspect import archive_dir


def add_arguments(p):
    p.add_argument("--archive", required=True, help="archive folder")
    p.add_argument("--port", type=int, default=8001, help="Datasette's port on 127.0.0.1 (default 8001)")
    p.add_argument("--replay-port", type=int, default=None, help="pywb's port (default: --port + 1)")


def run(args) -> int:
    from cli.crawl import port_free
    from research.serve import serve

    root = archive_dir(args.archive)
    replay_port = args.replay_port or args.port + 1
    if not (0 < args.port < 65536 and 0 < replay_port < 65536) or replay_port == args.port:
        raise UsageError("--port and --replay-port must be two different ports 1-65535")
    busy = [p for p in (args.port, replay_port) if not port_free(p)]
    if busy:
        raise UsageError(f"port {busy[0]} on 127.0.0.1 is in use; choose another with --port / --replay-port")
    try:
        serve(root, args.port, replay_port, log=lambda m: print(m, flush=True))
    except RuntimeError as exc:
        print(f"portal-archive serve: {exc}", file=sys.stderr)
        return 1
    return 0
