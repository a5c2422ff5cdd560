"""Searching the index: BM25-ranked hits with highlighted title and snippet, filters, any snapshot."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import asdict, dataclass

from archive import RECORD_TABLES, connect
from archive.schema import KIND_TABLES

from .fields import BM25_WEIGHTS, TEXT_COLUMNS
from .fold import fold
from .query import match_terms, parse
from .search_index import open_index
from .sqlite_db import resolve_snapshot
from .snippets import count_hits, highlight, snippet, spans

MARKS = ("<mark>", "</mark>")


@dataclass
class Filters:
    since: dt.date | None = None
    until: dt.date | None = None
    section: str | None = None
    kind: str | None = None
    author: str | None = None
    site: str | None = None  # one site of an archive of crawl --sites


@dataclass
class Hit:
    rank: int
    score: float
    kind: str
    table: str
    record_id: str
    title: str
    date: str | None
    section: str | None
    author: str | None
    url: str
    snippet: str
    snapshot_id: str
    version: int

    def as_dict(self) -> dict:
        return asdict(self)


def table_for_kind(kind: str) -> str:
    """``article`` or ``articles`` → ``articles``; ValueError for an unknown kind."""
    if kind in RECORD_TABLES:
        return kind
    if kind in KIND_TABLES:
        return KIND_TABLES[kind]
    raise ValueError(f"unknown kind {kind!r} (one of: {', '.join(KIND_TABLES)})")


def _field_query(schema, node, field: str):
    from tantivy import Query

    kind, words, prefix = node
    if kind == "term":
        return Query.regex_query(schema, field, re.escape(words) + ".*") if prefix else \
            Query.term_query(schema, field, words)
    if prefix:
        return Query.phrase_prefix_query(schema, field, list(words))
    return Query.phrase_query(schema, field, list(words))


def _text_query(schema, node, fields=TEXT_COLUMNS, weights=BM25_WEIGHTS):
    """A parsed query (see :func:`research.query.parse`) as a tantivy query over the text fields, weighted."""
    from tantivy import Occur, Query

    if node[0] in ("term", "phrase"):
        return Query.boolean_query([(Occur.Should, Query.boost_query(_field_query(schema, node, f), w))
                                    for f, w in zip(fields, weights)])
    if node[0] == "and":
        return Query.boolean_query([(Occur.Must, _text_query(schema, n)) for n in node[1]])
    if node[0] == "or":
        return Query.boolean_query([(Occur.Should, _text_query(schema, n)) for n in node[1]])
    return Query.boolean_query([(Occur.Must, _text_query(schema, node[1])),
                                (Occur.MustNot, _text_query(schema, node[2]))])


def _words(schema, field: str, text: str):
    words = re.findall(r"\w+", fold(text))
    if not words:
        raise ValueError(f"nothing to match in {text!r}")
    return _field_query(schema, ("phrase", tuple(words), False) if len(words) > 1 else ("term", words[0], False),
                        field)


def build_query(schema, query: str, filters: Filters, as_of_ids: list[int] | None = None):
    """The tantivy query for a user's query and filters (latest state, or the given version ids)."""
    from tantivy import FieldType, Occur, Query

    node = parse(query)
    text = _text_query(schema, node)
    if node[0] == "and" and all(n[0] == "term" and not n[2] for n in node[1]) and len(query.split()) > 1 \
            and not set(query) & set('"()*'):
        # plain words: records holding them as a phrase ("Đảng bộ") rank before those with the words apart
        phrase = _text_query(schema, ("phrase", tuple(n[1] for n in node[1]), False))
        text = Query.boolean_query([(Occur.Must, text), (Occur.Should, Query.boost_query(phrase, 3.0))])
    clauses = [(Occur.Must, text)]
    if as_of_ids is None:
        clauses.append((Occur.Must, Query.term_query(schema, "live", 1)))
    else:
        clauses.append((Occur.Must, Query.term_set_query(schema, "id", as_of_ids)))
    if filters.kind:
        clauses.append((Occur.Must, Query.term_query(schema, "tbl", table_for_kind(filters.kind))))
    if filters.since or filters.until:
        lo = int(filters.since.strftime("%Y%m%d")) if filters.since else 1
        hi = int(filters.until.strftime("%Y%m%d")) if filters.until else 99991231
        clauses.append((Occur.Must, Query.range_query(schema, "day", FieldType.Integer, lo, hi)))
    if filters.section:
        clauses.append((Occur.Must, _words(schema, "section", filters.section)))
    if filters.author:
        clauses.append((Occur.Must, _words(schema, "author", filters.author)))
    if filters.site:
        clauses.append((Occur.Must, Query.term_query(schema, "site", filters.site)))
    return Query.boolean_query(clauses)


def _as_of_ids(db, archive_dir, snapshot: str) -> list[int]:
    """Index doc ids of the versions in the state as of ``snapshot``."""
    con = connect(archive_dir)
    try:
        resolve_snapshot(con, snapshot)  # ValueError for a snapshot the archive does not have
        keys = []
        for table in RECORD_TABLES:
            keys += con.sql(f'SELECT record_id, snapshot_id FROM "{table}_as_of"(?)', params=[snapshot]).fetchall()
    finally:
        con.close()
    db.execute("CREATE TEMP TABLE as_of (record_id TEXT, snapshot_id TEXT)")
    db.executemany("INSERT INTO temp.as_of VALUES (?, ?)", keys)
    return [r[0] for r in db.execute("SELECT d.id FROM temp.as_of a JOIN docs d "
                                     "ON d.record_id = a.record_id AND d.snapshot_id = a.snapshot_id")]


def _hit(rank: int, score: float, doc: dict, exact: set[str], prefixes: set[str], marks) -> Hit:
    f = {k: (v[0] if v else None) for k, v in doc.items()}
    columns = {c: spans(f.get(c) or "", exact, prefixes) for c in TEXT_COLUMNS[1:]}
    best = max(columns, key=lambda c: count_hits(columns[c]))
    if not count_hits(columns[best]):
        best = "summary" if f.get("summary") else "body"
    return Hit(rank, round(score, 4), f["kind"], f["tbl"], f["record_id"],
               highlight(f.get("title") or "", exact, prefixes, marks), f["date"] or None, f["section_text"] or None,
               f["author_text"] or None, f["url"], snippet(f.get(best) or "", columns[best], marks), f["snapshot_id"],
               f["version"])


def search(archive_dir: str | os.PathLike[str], query: str, *, filters: Filters | None = None, limit: int = 20,
           snapshot: str | None = None, marks: tuple[str, str] = MARKS) -> list[Hit]:
    """The best ``limit`` records for ``query`` in the latest state (or as of ``snapshot``), BM25-ranked.

    Raises :class:`research.query.QueryError` for a query with nothing to search, ValueError for a bad
    filter or an unknown snapshot, :class:`research.search_index.SearchIndexError` if there is no usable index.
    """
    db, index = open_index(archive_dir)
    try:
        ids = _as_of_ids(db, archive_dir, snapshot) if snapshot else None
    finally:
        db.close()
    q = build_query(index.schema, query, filters or Filters(), ids)
    searcher = index.searcher()
    exact, prefixes = match_terms(query)
    return [_hit(i, score, searcher.doc(addr).to_dict(), exact, prefixes, marks)
            for i, (score, addr) in enumerate(ranked(searcher, q, limit), 1)]


def ranked(searcher, query, limit: int) -> list[tuple[float, object]]:
    """The best ``limit`` (score, address) of ``query``: by score, then by doc id (the order the versions were
    indexed in). tantivy breaks ties by the document's address, which depends on how the index is cut into
    segments (its commits and merges): hits tied at the cut are fetched until the first lower score, then
    ordered here, so the same index content always gives the same hits in the same order. Its cost: a prefix
    query scores every hit of a field alike (9,947 tied at the top for ``Quỳnh*`` in the 200,000 articles of
    ``bench.search``: ~50 ms more, four searches); a query without a tie at the cut pays one id read."""
    # never more than the index holds: tantivy sizes its top-k heap by the limit (and panics past 2**31)
    total = searcher.num_docs
    if not total:
        return []
    limit = max(1, min(int(limit), total))
    fetch = min(limit + 1, total)
    while True:
        hits = searcher.search(query, fetch).hits
        if len(hits) < fetch or fetch == total or hits[-1][0] < hits[limit - 1][0]:
            break  # every hit scoring as the limit-th one is in
        fetch = min(fetch * 16, total)  # few searches: one costs about the same up to thousands of hits
    ids = searcher.fast_field_values("id", [addr for _, addr in hits])
    order = sorted(range(len(hits)), key=lambda i: (-hits[i][0], ids[i]))
    return [hits[i] for i in order[:limit]]
