"""What a crawl run produced: counts per table, errors by reason, duration."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from .query import connect

UNFINISHED = "unfinished"  # status of a snapshot without a snapshots row (running or crashed)

_LATEST = """
SELECT snapshot_id FROM (
    SELECT snapshot_id, started_at AS t FROM snapshots
    UNION ALL SELECT snapshot_id, fetched_at FROM pages
    UNION ALL SELECT snapshot_id, fetched_at FROM articles
    UNION ALL SELECT snapshot_id, failed_at FROM errors
    UNION ALL SELECT snapshot_id, seen_at FROM url_aliases
)
GROUP BY snapshot_id
ORDER BY min(t) DESC, snapshot_id DESC
LIMIT 1
"""


def summarize(root: str | os.PathLike[str], snapshot_id: str | None = None) -> dict[str, Any]:
    """Counts for one snapshot (default: the most recently started one).

    Keys: snapshot_id, status (complete / interrupted / ``unfinished`` when the run
    never closed), started_at, finished_at, duration_seconds, pages, articles
    (distinct article ids), url_aliases, errors, errors_by_reason ({reason: n},
    most frequent first).  An archive without any snapshot gives snapshot_id None
    and zero counts; an unknown ``snapshot_id`` raises LookupError.
    """
    con = connect(root)
    try:
        if snapshot_id is None:
            found = con.execute(_LATEST).fetchall()
            snapshot_id = found[0][0] if found else None
        if snapshot_id is None:
            return _empty()

        def one(sql: str) -> Any:
            rows = con.execute(sql, [snapshot_id]).fetchall()
            return rows[0] if rows else None

        snap = one("SELECT status, started_at, finished_at FROM snapshots WHERE snapshot_id = ? ORDER BY finished_at DESC LIMIT 1")
        pages = one("SELECT count(*) FROM pages WHERE snapshot_id = ?")[0]
        articles = one("SELECT count(DISTINCT article_id) FROM articles WHERE snapshot_id = ?")[0]
        aliases = one("SELECT count(*) FROM url_aliases WHERE snapshot_id = ?")[0]
        by_reason = con.execute(
            "SELECT reason, count(*) AS n FROM errors WHERE snapshot_id = ? GROUP BY reason ORDER BY n DESC, reason",
            [snapshot_id],
        ).fetchall()
    finally:
        con.close()
    if snap is None and not (pages or articles or aliases or by_reason):
        raise LookupError(f"no snapshot {snapshot_id!r} in {root}")
    status, started, finished = snap if snap else (UNFINISHED, None, None)
    duration = (finished - started).total_seconds() if started and finished else None
    return {
        "snapshot_id": snapshot_id,
        "status": status,
        "started_at": started,
        "finished_at": finished,
        "duration_seconds": duration,
        "pages": pages,
        "articles": articles,
        "url_aliases": aliases,
        "errors": sum(n for _, n in by_reason),
        "errors_by_reason": {reason: n for reason, n in by_reason},
    }


def _empty() -> dict[str, Any]:
    return {
        "snapshot_id": None,
        "status": None,
        "started_at": None,
        "finished_at": None,
        "duration_seconds": None,
        "pages": 0,
        "articles": 0,
        "url_aliases": 0,
        "errors": 0,
        "errors_by_reason": {},
    }


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def format_summary(d: dict[str, Any]) -> str:
    """A short human-readable table of :func:`summarize` output."""
    if d.get("snapshot_id") is None:
        return "Archive is empty: no snapshot yet."
    rows = [
        ("Snapshot", d["snapshot_id"]),
        ("Status", d.get("status") or "-"),
        ("Started", _when(d.get("started_at"))),
        ("Finished", _when(d.get("finished_at"))),
        ("Duration", _duration(d.get("duration_seconds"))),
        ("Pages", f"{d.get('pages', 0):,}"),
        ("Articles", f"{d.get('articles', 0):,}"),
        ("URL aliases", f"{d.get('url_aliases', 0):,}"),
        ("Errors", f"{d.get('errors', 0):,}"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    reasons = d.get("errors_by_reason") or {}
    if reasons:
        rwidth = max(len(r) for r in reasons)
        nwidth = max(len(f"{n:,}") for n in reasons.values())
        lines += [f"  {r:<{rwidth}}  {n:>{nwidth},}" for r, n in reasons.items()]
    return "\n".join(lines)
