"""Which of an article's URLs is canonical.

Preference (lower rank wins), then shortest, then lexicographic (code point order):

0. friendly path: ``/wps/portal/...`` with no ``!ut/p`` state blob and no query;
1. PoC URL: a query containing ``urile=wcm:path:`` (also percent-encoded ``wcm%3Apath%3A``);
2. ``/wps/wcm/connect/...`` with no query;
3. anything else (state URLs, print URLs, ...).

The rule exists twice: :func:`url_rank` (Python) and :func:`url_rank_sql` (DuckDB,
used by compaction).  Both are built from the same regular expressions, which
use only syntax that Python ``re`` and RE2 interpret identically; a test checks
that they agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ORIGIN = r"^([A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*)?"
FRIENDLY_RE = _ORIGIN + r"/wps/portal/"
CONNECT_RE = _ORIGIN + r"/wps/wcm/connect/"
POC_RE = r"\?.*urile=wcm(:|%3a)path(:|%3a)"  # matched case-insensitively
STATE_MARK = "!ut/p"

_friendly = re.compile(FRIENDLY_RE)
_connect = re.compile(CONNECT_RE)
_poc = re.compile(POC_RE, re.IGNORECASE)


def url_rank(url: str) -> int:
    if _friendly.search(url) and "?" not in url and STATE_MARK not in url:
        return 0
    if _poc.search(url):
        return 1
    if _connect.search(url) and "?" not in url:
        return 2
    return 3


def url_sort_key(url: str) -> tuple[int, int, str]:
    return (url_rank(url), len(url), url)


def preferred_url(urls: Iterable[str]) -> str | None:
    """The canonical URL among ``urls`` (None if there is none)."""
    candidates = [u for u in urls if u]
    return min(candidates, key=url_sort_key) if candidates else None


def _lit(pattern: str) -> str:
    return "'" + pattern.replace("'", "''") + "'"


def url_rank_sql(column: str) -> str:
    """DuckDB expression computing :func:`url_rank` of the VARCHAR ``column``."""
    c = column
    return (
        "CASE"
        f" WHEN regexp_matches({c}, {_lit(FRIENDLY_RE)}) AND NOT contains({c}, '?')"
        f" AND NOT contains({c}, {_lit(STATE_MARK)}) THEN 0"
        f" WHEN regexp_matches({c}, {_lit(POC_RE)}, 'i') THEN 1"
        f" WHEN regexp_matches({c}, {_lit(CONNECT_RE)}) AND NOT contains({c}, '?') THEN 2"
        " ELSE 3 END"
    )
