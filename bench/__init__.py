"""``make bench`` (bench/run.py) and its parts, each runnable alone as ``python -m bench.<part>``."""
from __future__ import annotations


def crawl_ended(returncode: int, what: str, detail: str = "") -> None:
    """Go on if a crawl process ended as a crawl may (complete, or complete with failed pages recorded: exit 0
    or 3, README "Exit codes"); else end the bench with one line naming ``what`` (and ``detail``: its stderr's
    end, where kept)."""
    from cli.crawl import EXIT_COMPLETE, EXIT_FAILURES

    if returncode not in (EXIT_COMPLETE, EXIT_FAILURES):
        raise SystemExit(f"bench: {what} failed with exit code {returncode}" + (f": {detail}" if detail else ""))
