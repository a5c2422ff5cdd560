"""How a page's text becomes bytes: UTF-8 NFC, UTF-8 NFD, or windows-1258 (Vietnamese ANSI)."""
from __future__ import annotations

import unicodedata

CHARSETS = {"utf-8": "UTF-8", "utf-8-nfd": "UTF-8", "windows-1258": "windows-1258"}


def _cp1258_char(ch: str) -> bytes:
    try:
        return ch.encode("cp1258")
    except UnicodeEncodeError:
        pass
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], list(decomposed[1:])
    head = base
    # recompose the base with one of its marks when cp1258 has that precomposed letter (â, ê, ô, ă, ơ, ư …)
    for i, mark in enumerate(marks):
        composed = unicodedata.normalize("NFC", base + mark)
        if len(composed) == 1:
            try:
                composed.encode("cp1258")
            except UnicodeEncodeError:
                continue
            head, marks = composed, marks[:i] + marks[i + 1:]
            break
    out = b""
    for part in [head, *marks]:
        out += part.encode("cp1258", errors="xmlcharrefreplace")
    return out


def encode_cp1258(text: str) -> bytes:
    """Vietnamese text in windows-1258: precomposed where the code page has it, else base + combining marks."""
    cache: dict[str, bytes] = {}
    out = bytearray()
    for ch in text:
        if ch < "\x80":
            out.append(ord(ch))
            continue
        b = cache.get(ch)
        if b is None:
            b = cache[ch] = _cp1258_char(unicodedata.normalize("NFC", ch))
        out += b
    return bytes(out)


def encode_page(html: str, encoding: str) -> bytes:
    if encoding == "windows-1258":
        return encode_cp1258(html)
    if encoding == "utf-8-nfd":
        return unicodedata.normalize("NFD", html).encode("utf-8")
    return html.encode("utf-8")


def content_type(encoding: str) -> str:
    return f"text/html; charset={CHARSETS[encoding]}"
