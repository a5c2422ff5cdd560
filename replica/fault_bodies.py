"""The bodies of the content faults: ``malformed`` (cut mid-tag, unbalanced, the record intact) and ``huge``.

``malformed``: stray ``</span></font>`` after ``<body…>``, every ``</li>`` dropped (lists left to the
parser's implied end tags), and after the page's content, just before ``</body>``, a tag cut in the middle
of an attribute value (``<div class="wpsFooterLinks"><a href="/wps/portal/hoangmai/" title="Trang ch``),
as if the template had died mid-render and the shell closed the document. The closing ``</body></html>``
stays (in the text), so the page is not a partial download, and nothing of the record (title, date,
lead, body, byline, attachments, images) is lost. ``huge``: ``HUGE_BYTES`` of ``<!-- … -->`` padding lines
right after ``<body…>`` (before any content), the real page after them.
"""
from __future__ import annotations

from functools import lru_cache

CUT_TAG = b'<div class="wpsFooterLinks"><a href="/wps/portal/hoangmai/" title="Trang ch\n'


def _after_body_tag(html: bytes) -> int:
    """Offset just after the ``<body…>`` start tag (0 if none)."""
    start = html.find(b"<body")
    return html.find(b">", start) + 1 if start >= 0 else 0


def malform(html: bytes) -> bytes:
    at = _after_body_tag(html)
    html = html[:at] + b"</span></font>" + html[at:]
    html = html.replace(b"</li>", b"")
    end = html.rfind(b"</body>")
    return html[:end] + CUT_TAG + html[end:] if end >= 0 else html + b"\n" + CUT_TAG


@lru_cache(maxsize=2)
def padding(size: int) -> bytes:
    line = b"<!-- padding %08d " + b"x" * 100 + b" -->\n"
    out, n = [], 0
    while n < size:
        chunk = line % len(out)
        out.append(chunk)
        n += len(chunk)
    return b"".join(out)


def pad(html: bytes, size: int) -> bytes:
    at = _after_body_tag(html)
    return html[:at] + b"\n" + padding(size) + html[at:]
