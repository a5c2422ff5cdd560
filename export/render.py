"""The body a CMS page shows for each record kind, as HTML with the original URLs (rewritten later, then cleaned).

Articles and static pages have their archived ``body_html`` (the lead first); documents a table of their
metadata, the abstract and their attachments; albums their images with captions; videos a ``<video>`` with
its thumbnail as poster; schedules a table of the week's entries.
"""
from __future__ import annotations

from html import escape
from typing import Any


def _e(value: Any) -> str:
    return escape(str(value)) if value is not None else ""


def _figure(url: str, alt: str | None, caption: str | None) -> str:
    alt_attr = f' alt="{_e(alt)}"' if alt else ' alt=""'
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="{_e(url)}"{alt_attr}>{cap}</figure>'


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v not in (None, ""))
    return f"<table>{cells}</table>" if cells else ""


def _article(row: dict[str, Any]) -> str:
    body = row.get("body_html") or ""
    summary = row.get("summary")
    # Extractors from 2.0 open body_html with the lead; older ones kept it apart in summary only.
    lead = f"<p><strong>{_e(summary)}</strong></p>" if summary and escape(summary, quote=False) not in body else ""
    shown = {im["url"] for im in row.get("images") or [] if im.get("url") and _e(im["url"]) in body}
    extra = "".join(_figure(im["url"], im.get("alt"), im.get("caption"))
                    for im in row.get("images") or [] if im.get("url") and im["url"] not in shown)
    tail = []
    if row.get("author"):
        tail.append(f"<p><strong>{_e(row['author'])}</strong>" + (f"<br>{_e(row['author_role'])}" if row.get("author_role") else "") + "</p>")
    if row.get("source"):
        tail.append(f"<p>Nguồn: {_e(row['source'])}</p>")
    return lead + body + extra + "".join(tail)


def _document(row: dict[str, Any]) -> str:
    meta = _table([
        ("Số hiệu", row.get("number")), ("Loại văn bản", row.get("doc_type")),
        ("Ngày ban hành", row.get("issued_on_raw")), ("Ngày hiệu lực", row.get("effective_on_raw")),
        ("Cơ quan ban hành", row.get("issuer")), ("Người ký", row.get("signer")), ("Lĩnh vực", row.get("field")),
    ])
    summary = f"<p>{_e(row['summary'])}</p>" if row.get("summary") else ""
    files = "".join(f'<li><a href="{_e(a["url"])}">{_e(a.get("name") or a["url"])}</a></li>'
                    for a in row.get("attachments") or [] if a.get("url"))
    return meta + summary + (f"<h2>Tệp đính kèm</h2><ul>{files}</ul>" if files else "")


def _album(row: dict[str, Any]) -> str:
    return "".join(_figure(im["url"], im.get("alt"), im.get("caption")) for im in row.get("images") or [] if im.get("url"))


def _video(row: dict[str, Any]) -> str:
    if not row.get("video_url"):
        return ""
    poster = f' poster="{_e(row["thumbnail_url"])}"' if row.get("thumbnail_url") else ""
    return (f'<video controls preload="metadata" src="{_e(row["video_url"])}"{poster}></video>'
            f'<p><a href="{_e(row["video_url"])}">{_e(row.get("title") or "Video")}</a></p>')


def _schedule(row: dict[str, Any]) -> str:
    head = "<tr><th>Ngày</th><th>Giờ</th><th>Nội dung</th><th>Địa điểm</th><th>Chủ trì</th></tr>"
    body = "".join(
        f"<tr><td>{_e(e.get('day'))} {_e(e['date'].strftime('%d/%m/%Y') if e.get('date') else '')}</td>"
        f"<td>{_e(e.get('time'))}</td><td>{_e(e.get('content'))}</td><td>{_e(e.get('place'))}</td>"
        f"<td>{_e(e.get('chair'))}</td></tr>"
        for e in row.get("entries") or [])
    return f"<table>{head}{body}</table>"


RENDERERS = {"article": _article, "page": _article, "document": _document, "album": _album,
             "video": _video, "schedule": _schedule}


def page_html(row: dict[str, Any]) -> str:
    """The record's page body (uncleaned HTML, original URLs)."""
    return RENDERERS[row["kind"]](row)
