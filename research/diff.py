"""What changed between two snapshots: records added, removed and changed, per field, with a word-level
diff of changed bodies. Works on any two snapshots (the state of the archive as of each)."""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field

from archive import RECORD_TABLES, connect
from archive.schema import CAPTURE_FIELDS

from .fields import sqlite_value

LONG_TEXT = ("body_text", "body_html", "summary")
IGNORED = set(CAPTURE_FIELDS) | {"body_html"}  # body_html changes with body_text; the word diff shows it


@dataclass
class RecordRef:
    record_id: str
    kind: str
    table: str
    title: str | None
    url: str


@dataclass
class Changed(RecordRef):
    version_before: int = 0
    version_after: int = 0
    fields: dict[str, dict] = field(default_factory=dict)
    body_diff: str | None = None


@dataclass
class Diff:
    before: str
    after: str
    added: list[RecordRef]
    removed: list[RecordRef]
    changed: list[Changed]

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return {"from": self.before, "to": self.after,
                "counts": {"added": len(self.added), "changed": len(self.changed), "removed": len(self.removed)},
                "added": [asdict(r) for r in self.added], "removed": [asdict(r) for r in self.removed],
                "changed": [asdict(r) for r in self.changed]}


def resolve(con, snapshot: str) -> str:
    """A snapshot id, or a unique prefix of one, or ``latest`` / ``previous``; ValueError otherwise."""
    known = [r[0] for r in con.sql("SELECT snapshot_id FROM snapshots ORDER BY 1").fetchall()]
    if snapshot == "latest" and known:
        return known[-1]
    if snapshot == "previous" and len(known) > 1:
        return known[-2]
    if snapshot in ("latest", "previous"):
        raise ValueError(f"{snapshot!r} needs {1 + (snapshot == 'previous')} snapshots and the archive has "
                         f"{len(known)}{f' ({known[0]})' if known else ''}: nothing to compare yet (crawl again)")
    if not snapshot.strip():
        raise ValueError("give a snapshot id, a unique prefix of one, 'previous' or 'latest' (it is empty)")
    matches = [s for s in known if s.startswith(snapshot)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        latest = f"; the latest: {', '.join(known[-3:])}" if known else ""
        raise ValueError(f"no snapshot {snapshot!r} in the archive (portal-archive snapshots lists them{latest})")
    raise ValueError(f"{snapshot!r} names {len(matches)} snapshots; give more of the id")


def word_diff(before: str | None, after: str | None, context: int = 6) -> str:
    """A word-level diff: ``[-removed words-]{+added words+}``; unchanged runs keep ``context`` words on each
    side of a change and are cut to ``…`` in between."""
    a, b = (before or "").split(), (after or "").split()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    out: list[str] = []
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        if op != "equal":
            if i2 > i1:
                out.append("[-" + " ".join(a[i1:i2]) + "-]")
            if j2 > j1:
                out.append("{+" + " ".join(b[j1:j2]) + "+}")
            continue
        run = a[i1:i2]
        head = run[:context] if n > 0 else []
        tail = run[-context:] if n < len(ops) - 1 else []
        if len(run) <= len(head) + len(tail):
            out.extend(run)
        else:
            out.extend([*head, "…", *tail])
    return " ".join(out)


def _state(con, table: str, snapshot: str) -> dict[str, tuple]:
    sql = f'SELECT record_id, record_sha256, snapshot_id, version, kind, title, url FROM "{table}_as_of"(?)'
    return {r[0]: (table, *r[1:]) for r in con.sql(sql, params=[snapshot]).fetchall()}


def _row(con, table: str, record_id: str, snapshot_id: str) -> dict:
    rel = con.sql(f'SELECT * FROM "{table}" WHERE record_id = ? AND snapshot_id = ?', params=[record_id, snapshot_id])
    return dict(zip(rel.columns, rel.fetchall()[0]))


def _fields(old: dict, new: dict) -> dict[str, dict]:
    """Per content field that differs: ``before`` / ``after``, or for long texts a word-level ``diff``."""
    out = {}
    for name in dict.fromkeys([*old, *new]):
        before, after = sqlite_value(old.get(name)), sqlite_value(new.get(name))
        if name in IGNORED or before == after:
            continue
        out[name] = {"diff": word_diff(before, after)} if name in LONG_TEXT else {"before": before, "after": after}
    return out


def diff_snapshots(archive_dir: str | os.PathLike[str], before: str, after: str) -> Diff:
    con = connect(archive_dir)
    try:
        before, after = resolve(con, before), resolve(con, after)
        a: dict[str, tuple] = {}
        b: dict[str, tuple] = {}
        for table in RECORD_TABLES:
            a.update(_state(con, table, before))
            b.update(_state(con, table, after))

        def ref(state, rid):
            table, _, _, _, kind, title, url = state[rid]
            return RecordRef(rid, kind, table, title, url)

        added = [ref(b, rid) for rid in sorted(b.keys() - a.keys())]
        removed = [ref(a, rid) for rid in sorted(a.keys() - b.keys())]
        changed = []
        for rid in sorted(a.keys() & b.keys()):
            (ta, sha_a, snap_a, ver_a, *_), (tb, sha_b, snap_b, ver_b, *_) = a[rid], b[rid]
            if sha_a == sha_b and ta == tb:
                continue
            old, new = _row(con, ta, rid, snap_a), _row(con, tb, rid, snap_b)
            fields = _fields(old, new)
            if ta != tb:
                fields["table"] = {"before": ta, "after": tb}
            body = fields.get("body_text", {}).get("diff")
            r = ref(b, rid)
            changed.append(Changed(r.record_id, r.kind, r.table, r.title, r.url, ver_a, ver_b, fields, body))
    finally:
        con.close()
    return Diff(before, after, added, removed, changed)


def format_diff(d: Diff) -> str:
    lines = [f"diff {d.before} → {d.after}",
             f"added {len(d.added)}  changed {len(d.changed)}  removed {len(d.removed)}", ""]
    for sign, refs in (("+", d.added), ("-", d.removed)):
        for r in refs:
            lines.append(f"{sign} {r.kind:<8} {r.record_id}  {r.title}")
            lines.append(f"  {'':<8} {r.url}")
    for c in d.changed:
        lines.append(f"~ {c.kind:<8} {c.record_id}  {c.title}  (version {c.version_before} → {c.version_after})")
        for name, change in c.fields.items():
            if "diff" in change:
                lines.append(f"    {name}: {change['diff']}")
            else:
                lines.append(f"    {name}: {_one_line(change['before'])} → {_one_line(change['after'])}")
    return "\n".join(lines)


def _one_line(value) -> str:
    text = "null" if value is None else str(value)
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= 160 else text[:160] + "…"
