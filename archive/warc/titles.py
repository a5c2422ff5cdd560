"""The ``<title>`` of a captured HTML body, cheaply (a regex over its first 256 KiB, Content-Encoding removed)."""

from __future__ import annotations

import html
import re

from .content_encoding import DecodeError, Decoder

TITLE_SCAN_BYTES = 256 * 1024
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_META_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def _head(body: bytes, content_encoding: str | None) -> bytes | None:
    """The first TITLE_SCAN_BYTES of the body without its Content-Encoding; None if it cannot be decoded."""
    try:
        decoder = Decoder(content_encoding)
        if decoder.identity:
            return body[:TITLE_SCAN_BYTES]
        out = bytearray()
        for chunk in decoder.decode_chunks([body]):
            out += chunk
            if len(out) >= TITLE_SCAN_BYTES:
                break
        return bytes(out[:TITLE_SCAN_BYTES])
    except (DecodeError, ImportError):
        return None


def page_title(body: bytes, content_type: str | None, content_encoding: str | None = None) -> str | None:
    """The <title> of an HTML body, whitespace-collapsed and unescaped, or None."""
    head = _head(body, content_encoding)
    if not head:
        return None
    m = _TITLE_RE.search(head)
    if not m:
        return None
    cm = _CHARSET_RE.search(content_type or "")
    charset = cm.group(1) if cm else None
    if not charset:
        meta = _META_CHARSET_RE.search(head[:4096])
        charset = meta.group(1).decode("ascii", "replace") if meta else "utf-8"
    try:
        text = m.group(1).decode(charset, "replace")
    except LookupError:
        text = m.group(1).decode("utf-8", "replace")
    return " ".join(html.unescape(text).split()) or None
