"""A Datasette plugin for ``serve``: the search box and ``?_search=`` go through the same fold as the index.

Datasette hands the raw ``_search`` text to FTS5, whose ``unicode61`` tokenizer keeps ``đ``; the FTS tables
hold text folded by :func:`research.fold.fold`. ``asgi_wrapper`` rewrites every ``_search``/``_search_<col>``
parameter into the folded FTS5 query of :func:`research.query.to_fts` before Datasette sees it (the tables
search in raw mode, so phrases, prefixes and OR work). ``prepare_connection`` registers the SQL functions
``fold(text)`` and ``fold_query(text)`` for canned queries and hand-written SQL.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from .fold import fold
from .query import QueryError, to_fts


def fold_query(text: str | None) -> str:
    """The FTS5 query for a user's search text; text that is no query (unbalanced quotes) is only folded."""
    try:
        return to_fts(text or "")
    except QueryError:
        return fold(text)


def _is_search(key: str) -> bool:
    return key.startswith("_search") and key != "_searchmode"


def rewrite_query_string(query_string: bytes) -> tuple[bytes, dict[str, str]]:
    """The query string with every search parameter folded, and {parameter: what the reader typed}."""
    pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
    typed = {k: v for k, v in pairs if _is_search(k) and v.strip()}
    changed = [(k, fold_query(v) if k in typed else v) for k, v in pairs]
    return urlencode(changed).encode("ascii"), typed


def restore_location(location: bytes, typed: dict[str, str]) -> bytes:
    """A redirect Datasette builds from the folded parameters, pointing back at what the reader typed."""
    base, sep, query = location.decode("latin-1").partition("?")
    if not sep:
        return location
    pairs = [(k, typed.get(k, v)) for k, v in parse_qsl(query, keep_blank_values=True)]
    return (base + "?" + urlencode(pairs)).encode("latin-1")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def folded_search(scope, receive, send):
            if scope.get("type") != "http" or b"_search" not in scope.get("query_string", b""):
                await app(scope, receive, send)
                return
            query_string, typed = rewrite_query_string(scope["query_string"])

            async def send_restored(message):
                if message.get("type") == "http.response.start":
                    message = dict(message, headers=[(k, restore_location(v, typed) if k.lower() == b"location" else v)
                                                     for k, v in message.get("headers", [])])
                await send(message)

            await app(dict(scope, query_string=query_string), receive, send_restored)

        return folded_search

    return wrap


@hookimpl
def prepare_connection(conn):
    conn.create_function("fold", 1, fold, deterministic=True)
    conn.create_function("fold_query", 1, fold_query, deterministic=True)


RESTORE_SEARCH_BOX = """
(function () {
  // the server saw the folded FTS5 query; show the reader what they typed
  var typed = new URLSearchParams(window.location.search).get("_search");
  var box = document.querySelector('input[name="_search"]');
  if (box && typed !== null) { box.value = typed; }
})();
"""


@hookimpl
def extra_body_script():
    return RESTORE_SEARCH_BOX
