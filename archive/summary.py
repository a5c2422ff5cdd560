"""What a crawl run produced: pages, records per kind and how they changed, errors, duration."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from .layout import RUNS_DIR, closed_snapshot_ids, run_record
from .query import connect
from .schema import CHANGE_KINDS, COMPLETE_STATUSES, RECORD_TABLES
from .versions import TAKEN_DOWN_IDS_SQL, trusted_sql

UNFINISHED = "unfinished"  # status of a snapshot without a snapshots row (running or crashed)

_TIMES = {
    "snapshots": "started_at",
    "pages": "fetched_at",
    "errors": "failed_at",
    "url_aliases": "seen_at",
    "media_files": "fetched_at",
    "changes": "changed_at",
    **{t: "fetched_at" for t in RECORD_TABLES},
}

#: Live records of the last complete state before a snapshot that the snapshot neither saw nor removed
#: (kept as they were: no evidence they are gone).
NOT_SEEN_SQL = f"""
SELECT count(*) FROM (
    SELECT record_id, change FROM changes
    WHERE snapshot_id < ? AND snapshot_id IN ({trusted_sql()})
    QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY snapshot_id DESC,
                               CASE change WHEN 'removed' THEN 0 ELSE 1 END) = 1
) WHERE change <> 'removed' AND record_id NOT IN (SELECT record_id FROM changes WHERE snapshot_id = ?)
"""

_LATEST = (
    "SELECT snapshot_id FROM ("
    + " UNION ALL ".join(f'SELECT snapshot_id, {col} AS t FROM "{table}"' for table, col in _TIMES.items())
    + ") GROUP BY snapshot_id ORDER BY min(t) DESC, snapshot_id DESC LIMIT 1"
)


def summarize(root: str | os.PathLike[str], snapshot_id: str | None = None, site: str | None = None) -> dict[str, Any]:
    """Counts for one snapshot (default: the most recently started one).

    Keys: snapshot_id, status (complete / interrupted / resumed / ``unfinished``
    when the run never closed), resumes, started_at, finished_at,
    duration_seconds, pages (fetched, status other than 304), not_modified
    (304), media, url_aliases, errors, errors_by_reason ({reason: n}, most
    frequent first), articles (distinct articles stored), records_new /
    records_changed / records_unchanged / records_removed (changes rows), and
    records: {record table: {rows, new, changed, unchanged, removed}} where
    rows = record rows the snapshot stored.  An archive without any snapshot
    gives snapshot_id None and zero counts; an unknown ``snapshot_id`` raises
    LookupError.  ``site``: count only that site's rows (a crawl of many sites;
    aliases and changes by their record's site); the result then has ``site``
    and ``sites`` (every site of the snapshot).
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

        snap = one(
            "SELECT status, started_at, finished_at, resumes FROM snapshots WHERE snapshot_id = ?"
            " ORDER BY finished_at DESC LIMIT 1"
        )
        where = "snapshot_id = ?" + (" AND site = ?" if site else "")
        args = [snapshot_id, site] if site else [snapshot_id]
        if site:  # a site's records (over every snapshot: unchanged and removed ones too)
            con.execute("CREATE TEMP TABLE site_records AS " + " UNION ".join(
                f'SELECT record_id FROM "{t}" WHERE site = ?' for t in RECORD_TABLES), [site] * len(RECORD_TABLES))
        of_site = " AND record_id IN (SELECT record_id FROM site_records)" if site else ""
        of_site += f" AND record_id NOT IN ({TAKEN_DOWN_IDS_SQL})"  # a record taken down is counted nowhere
        pages, not_modified = con.execute(
            "SELECT count(*) FILTER (WHERE status <> 304), count(*) FILTER (WHERE status = 304)"
            f" FROM pages WHERE {where}", args).fetchall()[0]
        aliases = one(f"SELECT count(*) FROM url_aliases WHERE snapshot_id = ?{of_site}")[0]
        media = con.execute(f"SELECT count(*) FROM media_files WHERE {where}", args).fetchall()[0][0]
        by_reason = con.execute(
            f"SELECT reason, count(*) AS n FROM errors WHERE {where} GROUP BY reason ORDER BY n DESC, reason", args,
        ).fetchall()
        changes = con.execute(
            f'SELECT "table", change, count(*) FROM changes WHERE snapshot_id = ?{of_site} GROUP BY ALL', [snapshot_id]
        ).fetchall()
        not_seen = one(NOT_SEEN_SQL.replace("?", "$1"))[0]
        records: dict[str, dict[str, int]] = {}
        for table in RECORD_TABLES:
            rows = con.execute(f'SELECT count(DISTINCT record_id) FROM "{table}" WHERE {where}{of_site}',
                               args).fetchall()[0][0]
            records[table] = {"rows": rows, **{c: 0 for c in CHANGE_KINDS}}
        for table, change, n in changes:
            if table in records and change in CHANGE_KINDS:
                records[table][change] += n
        taken_down = con.execute("SELECT count(*) FROM taken_down" + (" WHERE site = ?" if site else ""),
                                 [site] if site else []).fetchall()[0][0]
        sites = [r[0] for r in con.execute(
            "SELECT DISTINCT site FROM pages WHERE snapshot_id = ? AND site IS NOT NULL ORDER BY 1", [snapshot_id]
        ).fetchall()]
    finally:
        con.close()
    anything = pages or not_modified or aliases or media or by_reason or changes or any(
        r["rows"] for r in records.values()
    )
    if snap is None and not anything:
        raise LookupError(f"no snapshot {snapshot_id!r} in {root} (portal-archive snapshots lists them)")
    if site and site not in sites:
        known = ", ".join(sites) or "none: a crawl of one portal"
        raise LookupError(f"no site {site!r} in snapshot {snapshot_id} of {root} (its sites: {known})")
    if snap:
        status, started, finished, resumes = snap
    else:
        status, started, finished, resumes = UNFINISHED, None, None, _run_resumes(root, snapshot_id)
    duration = (finished - started).total_seconds() if started and finished else None
    totals = {f"records_{c}": sum(r[c] for r in records.values()) for c in CHANGE_KINDS}
    return {
        "snapshot_id": snapshot_id,
        "status": status,
        "resumes": resumes or 0,
        "started_at": started,
        "finished_at": finished,
        "duration_seconds": duration,
        "pages": pages,
        "not_modified": not_modified,
        "media": media,
        "articles": records["articles"]["rows"],
        "url_aliases": aliases,
        "errors": sum(n for _, n in by_reason),
        "errors_by_reason": {reason: n for reason, n in by_reason},
        **totals,
        "records_not_seen": not_seen,
        "records_taken_down": taken_down,
        "records": records,
        "sites": sites,
        **({"site": site} if site else {}),
    }


def _run_resumes(root: str | os.PathLike[str], snapshot_id: str) -> int:
    try:
        return int(json.loads(run_record(Path(root), snapshot_id).read_text(encoding="utf-8")).get("resumes", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


def _empty() -> dict[str, Any]:
    return {
        "snapshot_id": None,
        "status": None,
        "resumes": 0,
        "started_at": None,
        "finished_at": None,
        "duration_seconds": None,
        "pages": 0,
        "not_modified": 0,
        "media": 0,
        "articles": 0,
        "url_aliases": 0,
        "errors": 0,
        "errors_by_reason": {},
        **{f"records_{c}": 0 for c in CHANGE_KINDS},
        "records_not_seen": 0,
        "records_taken_down": 0,
        "records": {t: {"rows": 0, **{c: 0 for c in CHANGE_KINDS}} for t in RECORD_TABLES},
        "sites": [],
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
    """A short human-readable table of :func:`summarize` output.

    One line per record kind: ``<table>  <rows> rows  new N  changed N  unchanged N  removed N``.
    """
    if d.get("snapshot_id") is None:
        return "Archive is empty: no snapshot yet."
    status = d.get("status") or "-"
    if d.get("resumes"):
        status += f" (resumed {d['resumes']}x)"
    rows = [
        ("Snapshot", d["snapshot_id"]),
        *([("Site", d["site"])] if d.get("site") else [("Sites", ", ".join(d["sites"]))] if d.get("sites") else []),
        ("Status", status),
        ("Started", _when(d.get("started_at"))),
        ("Finished", _when(d.get("finished_at"))),
        ("Duration", _duration(d.get("duration_seconds"))),
        ("Pages", f"{d.get('pages', 0):,}"),
        ("Not modified", f"{d.get('not_modified', 0):,}"),
        ("Media", f"{d.get('media', 0):,}"),
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
    records = d.get("records") or {}
    if records:
        lines.append(
            "Records  "
            + "  ".join(f"{c} {d.get(f'records_{c}', 0):,}" for c in CHANGE_KINDS)
        )
        if d.get("records_not_seen"):
            lines.append(f"  not seen {d['records_not_seen']:,}: kept as they were (no evidence they were removed)")
        if d.get("records_taken_down"):
            lines.append(f"  taken down {d['records_taken_down']:,}: counted nowhere, hidden from every view "
                         "(the takedowns table)")
        twidth = max(len(t) for t in records)
        nwidth = max(len(f"{r['rows']:,}") for r in records.values())
        for table, r in records.items():
            changes = "  ".join(f"{c} {r[c]:,}" for c in CHANGE_KINDS)
            lines.append(f"  {table:<{twidth}}  {r['rows']:>{nwidth},} rows  {changes}")
    return "\n".join(lines)


#: Columns of :func:`list_snapshots`, with the words :func:`format_summary` uses for them.
SNAPSHOT_COLUMNS = (
    ("snapshot_id", "Snapshot"), ("status", "Status"), ("started_at", "Started"), ("finished_at", "Finished"),
    ("pages_fetched", "Pages"), ("not_modified", "Not modified"), ("records_new", "new"),
    ("records_changed", "changed"), ("records_unchanged", "unchanged"), ("records_removed", "removed"),
    ("errors", "Errors"),
)


def list_snapshots(root: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every snapshot of the archive, oldest first: its ``snapshots`` row, or for one that never closed
    (running, or killed: the next crawl with the same seeds resumes it) status ``unfinished`` and its start."""
    root = Path(root)
    con = connect(root)
    try:
        cursor = con.execute(
            "SELECT * FROM snapshots QUALIFY row_number() OVER (PARTITION BY snapshot_id ORDER BY finished_at DESC) = 1"
        )
        cols = [d[0] for d in cursor.description]
        rows = {r[0]: dict(zip(cols, r)) for r in cursor.fetchall()}
    finally:
        con.close()
    closed = closed_snapshot_ids(root) | set(rows)
    runs = root / RUNS_DIR
    for path in sorted(runs.glob("*.json")) if runs.is_dir() else ():
        if path.stem in closed:
            continue
        try:
            started = dt.datetime.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["started_at"])
        except (OSError, ValueError, KeyError, TypeError):
            started = None
        rows[path.stem] = {"snapshot_id": path.stem, "status": UNFINISHED, "started_at": started}
    return [rows[k] for k in sorted(rows)]


def known_snapshot(root: str | os.PathLike[str], snapshot_id: str | None, *, complete: bool = False) -> str | None:
    """``snapshot_id`` if the archive has it; for None the latest snapshot (with ``complete``: the latest
    complete one), None if there is none; LookupError naming an unknown id."""
    rows = list_snapshots(root)
    ids = [r["snapshot_id"] for r in rows]
    if snapshot_id is None:
        if complete:
            return max((r["snapshot_id"] for r in rows if r["status"] in COMPLETE_STATUSES), default=None)
        return summarize(root)["snapshot_id"] if ids else None
    if snapshot_id not in ids:
        raise LookupError(f"no snapshot {snapshot_id!r} in {root} (portal-archive snapshots lists them)")
    return snapshot_id


def format_snapshots(rows: list[dict[str, Any]]) -> str:
    """One line per snapshot, under a header with the words of :func:`format_summary`."""
    if not rows:
        return "Archive is empty: no snapshot yet."
    table = [[title for _, title in SNAPSHOT_COLUMNS]]
    for row in rows:
        cells = []
        for key, _ in SNAPSHOT_COLUMNS:
            value = row.get(key)
            if isinstance(value, dt.datetime):
                value = _when(value).removesuffix(" UTC")
            cells.append("-" if value is None else f"{value:,}" if isinstance(value, int) else str(value))
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(SNAPSHOT_COLUMNS))]
    lines = ["  ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
             for r in table]
    return "\n".join(lines) + "\n(times in UTC)"
