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


def to_fts(query: str) -> str:
    """The FTS5 MATCH expression for ``query`` (folded, every term quoted); :class:`QueryError` if there is
    nothing to search."""
    return _fts(parse(query))


def _fts(node) -> str:
    kind = node[0]
    if kind in ("term", "phrase"):
        words = node[1] if kind == "phrase" else (node[1],)
        return '"' + " ".join(words) + '"' + ("*" if node[2] else "")
    if kind == "and":
        return " ".join(_fts(n) for n in node[1])
    if kind == "or":
        return "(" + " OR ".join(_fts(n) for n in node[1]) + ")"
    return f"({_fts(node[1])} NOT {_fts(node[2])})"


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


def parse(query: str):
    """The query as a tree of folded terms: ``("term", word, prefix)``, ``("phrase", words, prefix)``,
    ``("and", [nodes])``, ``("or", [nodes])``, ``("not", node, node)``. FTS5's precedence: NOT, then AND
    (also implicit), then OR. :class:`QueryError` if there is nothing to search or the syntax is broken."""
    if query.count('"') % 2:
        raise QueryError("unbalanced double quote in the query")
    tokens: list = []
    for m in _TOKEN.finditer(query):
        if m.group("paren"):
            tokens.append(m.group("paren"))
        elif m.group("word") in OPERATORS:
            tokens.append(m.group("word"))
        else:
            text = m.group("phrase") if m.group("phrase") is not None else m.group("word")
            prefix = bool(m.group("pstar")) or (m.group("word") or "").endswith("*")
            words = _WORD.findall(fold(text.rstrip("*") if m.group("word") else text))
            if words:
                tokens.append(("phrase", tuple(words), prefix) if len(words) > 1 else ("term", words[0], prefix))
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def primary():
        tok = peek()
        if tok == "(":
            take()
            node = or_expr()
            if take_if(")") is None:
                raise QueryError("unbalanced parenthesis in the query")
            return node
        if isinstance(tok, tuple):
            return take()
        raise QueryError("the query has no word to search for" if tok is None else f"unexpected {tok!r} in the query")

    def take_if(value):
        if peek() == value:
            return take()
        return None

    def not_expr():
        node = primary()
        while take_if("NOT"):
            node = ("not", node, primary())
        return node

    def and_expr():
        nodes = [not_expr()]
        while peek() not in (None, ")", "OR"):
            take_if("AND")
            nodes.append(not_expr())
        return nodes[0] if len(nodes) == 1 else ("and", nodes)

    def or_expr():
        nodes = [and_expr()]
        while take_if("OR"):
            nodes.append(and_expr())
        return nodes[0] if len(nodes) == 1 else ("or", nodes)

    if not any(isinstance(t, tuple) for t in tokens):
        raise QueryError("the query has no word to search for")
    if tokens[0] == "NOT":  # "NOT x" alone would be every record without x: FTS5 cannot, and dropping NOT inverts it
        raise QueryError('a query cannot start with NOT: put what to find first, e.g. "dang NOT bo" (dang, without bo)')
    while tokens and tokens[0] in OPERATORS:
        tokens.pop(0)
    while tokens and tokens[-1] in OPERATORS:
        tokens.pop()
    node = or_expr()
    if pos != len(tokens):
        raise QueryError("unbalanced parenthesis in the query")
    return node
