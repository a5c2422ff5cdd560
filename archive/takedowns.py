"""Takedowns: a record hidden from everything users read, while its evidence stays sealed.

A takedown (``portal-archive takedown``) appends one row to the ``takedowns`` table — record, every URL it
was seen under, site, reason, who, when, action ``take`` or ``undo`` — as one new Parquet part
(``takedowns/part-takedown-<stamp>-000001.parquet``), written atomically and hashed in ``_manifest.jsonl``
like every other file, so ``verify`` checks it. Nothing else changes: the record tables, WARC files, CDXJ
indexes and media stay byte for byte as they were (the archive is evidence).

The latest action of a record decides (:data:`TAKEN_DOWN_VIEW_SQL`, the ``taken_down`` view of
:func:`archive.query.connect`). The ``<table>_latest`` views and ``<table>_as_of`` macros leave out the
records taken down — in every snapshot, earlier and later ones: a re-crawl that captures the record again
stores its versions as usual, and they stay hidden. ``connect(root, include_taken_down=True)`` gives the
views without that filter (a legal review); the base tables (``articles``, …) always hold every row.

Derived files (the search index, ``serve``'s SQLite) compare :func:`state_token` with the one they were
built from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import unicodedata
from pathlib import Path
from typing import Any

from .exceptions import ArchiveError
from .layout import data_files, new_snapshot_id
from .lock import ArchiveLock
from .schema import RECORD_TABLES, TAKEDOWNS
from .urls import url_sort_key

TABLE = "takedowns"

#: The ``taken_down`` view: one row per record whose latest takedown action is ``take``.
TAKEN_DOWN_VIEW_SQL = (
    'SELECT record_id, "table", site, url, urls, requested_url, reason, who, action_at AS taken_down_at FROM ('
    "SELECT * FROM takedowns QUALIFY row_number() OVER (PARTITION BY record_id ORDER BY action_at DESC) = 1"
    ") WHERE action = 'take'"
)


class TakedownError(ArchiveError):
    """A takedown that cannot be done as asked (unknown record or URL, nothing to undo, no reason)."""


def state_token(root: str | os.PathLike[str]) -> str:
    """Changes whenever a takedown action is recorded: what derived files compare ("" when there is none)."""
    names = sorted(p.name for p in data_files(Path(root) / TABLE))
    return hashlib.sha1("\n".join(names).encode()).hexdigest()[:16] if names else ""


def taken_down_ids(con) -> set[str]:
    """Record ids taken down now, on a connection of :func:`archive.query.connect`."""
    return {r[0] for r in con.execute("SELECT record_id FROM taken_down").fetchall()}


def _url_forms(url: str) -> list[str]:
    """The URL as given, without its fragment, and with / without a trailing slash."""
    base = url.split("#", 1)[0]
    forms = [url, base]
    if "?" not in base:
        forms.append(base[:-1] if base.endswith("/") else base + "/")
    return list(dict.fromkeys(f for f in forms if f))


def records_for_url(con, url: str) -> list[str]:
    """Record ids the archive saw ``url`` lead to: a version's ``url`` / ``urls_seen``, ``url_aliases``, the
    ``pages`` fetched (state URLs included), in any snapshot."""
    forms = _url_forms(url)
    marks = ", ".join("?" * len(forms))
    parts = [f'SELECT record_id FROM "{t}" WHERE url IN ({marks}) OR len(list_intersect(urls_seen, [{marks}])) > 0'
             for t in RECORD_TABLES]
    parts += [f"SELECT record_id FROM url_aliases WHERE url IN ({marks})",
              f"SELECT record_id FROM pages WHERE record_id IS NOT NULL AND url IN ({marks})"]
    params = [*(forms * 2) * len(RECORD_TABLES), *forms, *forms]
    return sorted({r[0] for r in con.execute(" UNION ".join(parts), params).fetchall()})


def record_facts(con, record_id: str) -> dict[str, Any] | None:
    """``{table, site, url, urls}`` of a stored record (its newest stored version; every URL it was seen
    under, preferred first), or None if the archive has no such record."""
    newest = None
    for table in RECORD_TABLES:
        for row in con.execute(f'SELECT snapshot_id, site, url FROM "{table}" WHERE record_id = ?'
                               " ORDER BY snapshot_id DESC, version DESC LIMIT 1", [record_id]).fetchall():
            if newest is None or row[0] > newest[1]:
                newest = (table, *row)
    if newest is None:
        return None
    table, _, site, url = newest
    urls = {url}
    for t in RECORD_TABLES:
        urls.update(r[0] for r in con.execute(
            f'SELECT DISTINCT unnest(urls_seen) FROM "{t}" WHERE record_id = ? UNION SELECT url FROM "{t}" WHERE record_id = ?',
            [record_id, record_id]).fetchall())
    urls.update(r[0] for r in con.execute(
        "SELECT url FROM url_aliases WHERE record_id = ? UNION SELECT url FROM pages WHERE record_id = ?",
        [record_id, record_id]).fetchall())
    return {"table": table, "site": site, "url": url, "urls": sorted((u for u in urls if u), key=url_sort_key)}


#: Record table -> its media columns: (column, SQL of the URLs it holds, over the table aliased ``r``).
_MEDIA_URLS = {
    "articles": "SELECT x.i.url FROM articles r, unnest(r.images) AS x(i)",
    "albums": "SELECT x.i.url FROM albums r, unnest(r.images) AS x(i)",
    "static_pages": "SELECT x.i.url FROM static_pages r, unnest(r.images) AS x(i)",
    "documents": "SELECT x.a.url FROM documents r, unnest(r.attachments) AS x(a)",
    "videos": "SELECT r.video_url FROM videos r",
}


def _urls_sql(where: str) -> str:
    """Every URL the records matching ``where`` (a condition on ``r.record_id``) were seen under or embed."""
    parts = []
    for t in RECORD_TABLES:
        parts += [f'SELECT r.url FROM "{t}" r WHERE {where}',
                  f'SELECT unnest(r.urls_seen) FROM "{t}" r WHERE {where}']
        if t in _MEDIA_URLS:
            parts.append(f"{_MEDIA_URLS[t]} WHERE {where}")
    parts += [f"SELECT r.url FROM url_aliases r WHERE {where}", f"SELECT r.url FROM pages r WHERE {where}"]
    return " UNION ".join(parts)


def hidden_urls(con) -> list[str]:
    """URLs that only records taken down were seen under or embed (their pages, state URLs, aliases, images,
    attachments, video files), never a record still shown: what a replay of the archive must not serve."""
    if not con.execute("SELECT count(*) FROM taken_down").fetchall()[0][0]:
        return []
    taken = "r.record_id IN (SELECT record_id FROM taken_down)"
    shown = "r.record_id NOT IN (SELECT record_id FROM taken_down)"
    sql = f"SELECT u FROM (({_urls_sql(taken)}) EXCEPT ({_urls_sql(shown)})) AS t(u) WHERE u IS NOT NULL ORDER BY 1"
    return [r[0] for r in con.execute(sql).fetchall()]


def latest_action(con, record_id: str) -> dict[str, Any] | None:
    """The latest takedowns row of a record (a dict), or None."""
    rel = con.execute("SELECT * FROM takedowns WHERE record_id = ? ORDER BY action_at DESC LIMIT 1", [record_id])
    rows = rel.fetchall()
    return dict(zip([d[0] for d in rel.description], rows[0])) if rows else None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(str(text).split()))


def record_action(root: str | os.PathLike[str], record_id: str, *, reason: str, who: str, undo: bool = False,
                  requested_url: str | None = None) -> dict[str, Any]:
    """Take a record down (or ``undo`` it): append one ``takedowns`` row, holding the archive's writer lock.

    Raises :class:`TakedownError` (one line) for an unknown record, an empty reason or who, a record already
    taken down, or an undo of a record that is not; :class:`archive.lock.ArchiveLockedError` while another
    writer runs. Returns the row written.
    """
    from .query import connect  # noqa: PLC0415 (query imports this module's view)
    from .writer import TableWriter  # noqa: PLC0415

    root = Path(root).absolute()
    reason, who = _nfc(reason or ""), _nfc(who or "")
    if not reason:
        raise TakedownError("give the reason of the takedown (--reason TEXT, e.g. the legal request's reference)")
    if not who:
        raise TakedownError("say who asks for it (--by NAME)")
    with ArchiveLock(root, "takedown"):
        con = connect(root)
        try:
            facts = record_facts(con, record_id)
            if facts is None:
                raise TakedownError(f"no record {record_id!r} in {root}: give a record_id of a record table "
                                    "(portal-archive query … \"SELECT record_id, url FROM articles\") or --url")
            last = latest_action(con, record_id)
            last_at = con.execute("SELECT max(action_at) FROM takedowns").fetchall()[0][0]
        finally:
            con.close()
        taken = bool(last) and last["action"] == "take"
        if undo and not taken:
            raise TakedownError(f"record {record_id} is not taken down: nothing to undo")
        if not undo and taken:
            since = last["action_at"].astimezone(dt.timezone.utc)
            raise TakedownError(f"record {record_id} is already taken down (since {since:%Y-%m-%d %H:%M:%S} UTC"
                                f" by {last['who']}: {last['reason']}); nothing written")
        now = dt.datetime.now(dt.timezone.utc)
        if last_at is not None and now <= last_at:
            now = last_at + dt.timedelta(microseconds=1)  # the latest action is the latest row, whatever the clock
        row = {"record_id": record_id, **facts, "requested_url": requested_url, "action": "undo" if undo else "take",
               "reason": reason, "who": who, "action_at": now}
        prefix = "takedown-" + new_snapshot_id(now)
        writer = TableWriter(root / TABLE, TAKEDOWNS, part_prefix=prefix, batch_rows=1, manifest_root=root)
        writer.write(row)
        writer.close()
    return row
