"""Highlights and snippets in the original, accented text for the words a folded query matched.

The index matches folded words; each word of the original (NFC) text is folded the same way and marked where
it matches, so a hit on ``dang bo`` is shown as ``**Đảng bộ**`` where the text says so.
"""
from __future__ import annotations

import re

from .fold import fold

_WORD = re.compile(r"\w+")
SNIPPET_WORDS = 28


def spans(text: str, exact: set[str], prefixes: set[str]) -> list[tuple[int, int, bool]]:
    """Every word of ``text`` (start, end, whether its folded form matches a query word or prefix)."""
    out = []
    for m in _WORD.finditer(text):
        token = _folded(m.group())
        out.append((m.start(), m.end(), token in exact or any(token.startswith(p) for p in prefixes)))
    return out


_FOLDED: dict[str, str] = {}


def _folded(word: str) -> str:
    folded = _FOLDED.get(word)
    if folded is None:
        folded = fold(word)
        if len(_FOLDED) < 500_000:
            _FOLDED[word] = folded
    return folded


def count_hits(words: list[tuple[int, int, bool]]) -> int:
    return sum(1 for *_, hit in words if hit)


def _mark(text: str, words, start: int, end: int, marks: tuple[str, str]) -> str:
    out, pos = [], start
    for s, e, hit in words:
        if not hit or s < start or e > end:
            continue
        out.append(text[pos:s] + marks[0] + text[s:e] + marks[1])
        pos = e
    out.append(text[pos:end])
    return " ".join("".join(out).split())


def highlight(text: str, exact: set[str], prefixes: set[str], marks: tuple[str, str]) -> str:
    """The whole ``text`` with every matching word wrapped in ``marks``."""
    return _mark(text, spans(text, exact, prefixes), 0, len(text), marks)


def snippet(text: str, words: list[tuple[int, int, bool]], marks: tuple[str, str], size: int = SNIPPET_WORDS) -> str:
    """About ``size`` words of ``text`` (its :func:`spans`) around its densest run of matching words, marked,
    with ``…`` where cut."""
    if not words:
        return ""
    hits = [i for i, w in enumerate(words) if w[2]]
    best, best_n = 0, -1
    for i in hits or [0]:
        first = max(0, i - 3)
        n = sum(1 for j in hits if first <= j < first + size)
        if n > best_n:
            best, best_n = first, n
    last = min(len(words), best + size) - 1
    start, end = words[best][0], words[last][1]
    body = _mark(text, words, start, end, marks)
    return ("…" if best > 0 else "") + body + ("…" if last < len(words) - 1 else "")
