"""Highlights and snippets in the original, accented text for the words a folded query matched.

The index matches folded text; :func:`research.fold.fold_map` carries each folded word back to the
characters it came from, so a hit on ``dang bo`` is shown as ``**Đảng bộ**`` where the text says so.
"""
from __future__ import annotations

import re

from .fold import fold, fold_map

_WORD = re.compile(r"\w+")
SNIPPET_WORDS = 28


def _spans(text: str, exact: set[str], prefixes: set[str]) -> list[tuple[int, int, bool]]:
    """(every word's span, with whether it matches) in ``text`` coordinates."""
    folded = fold(text)
    positions = fold_map(text)
    words = []
    for m in _WORD.finditer(folded):
        token = m.group()
        hit = token in exact or any(token.startswith(p) for p in prefixes)
        words.append((positions[m.start()], positions[m.end() - 1] + 1, hit))
    return words


def count_hits(text: str, exact: set[str], prefixes: set[str]) -> int:
    return sum(1 for *_, hit in _spans(text, exact, prefixes) if hit)


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
    return _mark(text, _spans(text, exact, prefixes), 0, len(text), marks)


def snippet(text: str, exact: set[str], prefixes: set[str], marks: tuple[str, str],
            size: int = SNIPPET_WORDS) -> str:
    """About ``size`` words of ``text`` around its densest run of matching words, marked, with ``…`` where cut."""
    words = _spans(text, exact, prefixes)
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
