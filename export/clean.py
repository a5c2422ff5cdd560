"""Clean HTML for every export: one nh3 allow-list, links rewritten to the exported files, NFC.

The archive's ``body_html`` is already sanitized by the extractor; an export sanitizes again with its own
allow-list (a superset: the exporter's own ``video``/``source`` markup and ``title`` on links), so whatever
an older extractor stored, or a future one lets through, nothing executable leaves the archive: no
``script``/``style``/``iframe``/``object``, no ``on*`` handlers, no ``style`` attributes, no
``javascript:``/``data:``/``vbscript:`` URLs.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable

import nh3

# No thead/tbody: the HTML parser inserts tbody, and unwrapping it keeps cleaning idempotent on archived HTML.
ALLOWED_TAGS = frozenset({
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "td", "th",
    "a", "img", "figure", "figcaption", "strong", "em", "b", "i", "br", "blockquote", "dl", "dt", "dd",
    "video", "source",
})
ALLOWED_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "video": {"src", "poster", "controls", "preload"},
    "source": {"src", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "ftp"})
_URL_ATTRS = {("a", "href"), ("img", "src"), ("video", "src"), ("video", "poster"), ("source", "src")}
#: Tags removed together with their content (not just unwrapped).
DROP_CONTENT = frozenset({"script", "style", "noscript", "template", "xml", "iframe", "object", "embed",
                          "svg", "math", "frame", "frameset", "applet", "form", "textarea", "select"})


def nfc(text: str | None) -> str | None:
    return unicodedata.normalize("NFC", text) if text is not None else None


def clean_html(fragment: str | None, rewrite: Callable[[str], str | None] | None = None) -> str:
    """Sanitized, NFC HTML; ``rewrite(url)`` maps every link/image/video URL (None keeps it)."""
    if not fragment:
        return ""

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if (tag, attr) in _URL_ATTRS:
            new = rewrite(value)
            return value if new is None else new
        return value

    out = _nh3(unicodedata.normalize("NFC", fragment), attribute_filter if rewrite is not None else None)
    if rewrite is not None:  # nh3 checks URL schemes before the filter runs: check the rewritten URLs again
        out = _nh3(out, None)
    return unicodedata.normalize("NFC", out)


def _nh3(fragment: str, attribute_filter) -> str:
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRS.items()},
        attribute_filter=attribute_filter,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
        clean_content_tags=set(DROP_CONTENT),
    )
