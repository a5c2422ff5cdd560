"""A researcher's query → an FTS5 query over text folded by :func:`research.fold.fold`.

Words are ANDed; ``"a phrase"`` matches the words in sequence; ``word*`` (or ``"a phr"*``) is a prefix;
``AND``, ``OR``, ``NOT`` (upper case) and parentheses are FTS5's operators. Every term is folded (accents,
``đ`` → ``d``, case) and quoted, so punctuation in a word (``621/QĐ-UBND``) is a phrase of its parts,
never FTS5 syntax.
"""
from __future__ import annotations

import re

from .fold import fold

OPERATORS = {"AND", "OR", "NOT"}
_TOKEN = re.compile(r'"(?P<phrase>[^"]*)"(?P<pstar>\*)?|(?P<paren>[()])|(?P<word>[^\s()"]+)')
_WORD = re.compile(r"\w+")


class QueryError(ValueError):
    """The query cannot be searched (empty, or unbalanced quotes/parentheses)."""


def _phrase(text: str, prefix: bool) -> str | None:
    words = _WORD.findall(fold(text))
    if not words:
        return None
    return '"' + " ".join(words) + '"' + ("*" if prefix else "")


def to_fts(query: str) -> str:
    """The FTS5 MATCH expression for ``query``; :class:`QueryError` if there is nothing to search."""
    if query.count('"') % 2:
        raise QueryError("unbalanced double quote in the query")
    parts: list[str] = []
    depth = 0
    for m in _TOKEN.finditer(query):
        if m.group("paren"):
            depth += 1 if m.group("paren") == "(" else -1
            if depth < 0:
                raise QueryError("unbalanced parenthesis in the query")
            parts.append(m.group("paren"))
        elif m.group("word") in OPERATORS:
            parts.append(m.group("word"))
        else:
            text = m.group("phrase") if m.group("phrase") is not None else m.group("word")
            prefix = bool(m.group("pstar")) or (m.group("word") or "").endswith("*")
            term = _phrase(text.rstrip("*") if m.group("word") else text, prefix)
            if term:
                parts.append(term)
    if depth:
        raise QueryError("unbalanced parenthesis in the query")
    if not any(p.startswith('"') for p in parts):
        raise QueryError("the query has no word to search for")
    while parts and parts[0] in OPERATORS:
        parts.pop(0)
    while parts and parts[-1] in OPERATORS:
        parts.pop()
    return " ".join(parts)


def match_terms(query: str) -> tuple[set[str], set[str]]:
    """(whole words, prefixes) of a query, folded: what a hit's text is highlighted for."""
    exact: set[str] = set()
    prefixes: set[str] = set()
    for m in _TOKEN.finditer(query):
        if m.group("paren") or m.group("word") in OPERATORS:
            continue
        text = m.group("phrase") if m.group("phrase") is not None else m.group("word")
        words = _WORD.findall(fold(text))
        if not words:
            continue
        prefix = bool(m.group("pstar")) or (m.group("word") or "").endswith("*")
        exact.update(words[:-1] if prefix else words)
        if prefix:
            prefixes.add(words[-1])
    return exact, prefixes
