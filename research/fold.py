"""Accent folding for Vietnamese search: one function, used by the index, the queries and every export
that carries a search column, so "dang bo", "Đảng bộ" and an NFD "Đảng bộ" all meet.

SQLite's ``unicode61 remove_diacritics 2`` strips combining marks but keeps ``đ`` (U+0111 is a letter of
its own, not d + a mark), so the index stores text already folded by :func:`fold` and the tokenizer only
lower-cases and splits.
"""
from __future__ import annotations

import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """Lower-case, decompose, drop combining marks, ``đ``/``Đ`` → ``d``. ``None`` → ``""``."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
