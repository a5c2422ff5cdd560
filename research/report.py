"""``report``: one self-contained HTML file about an archive, with Plotly charts (plotly.js inlined once, no
network): records per month and per section over the years, field completeness per kind, media by type and
size, errors by reason, and the snapshot history."""
from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path

from archive import RECORD_TABLES, connect
from archive.atomic import replace_with
from archive.query import site_names, unknown_site
from archive.takedowns import hidden_urls

from .fields import DATE_COLUMN

#: Per record table: the fields whose presence an archivist checks, as SQL "is present" expressions.
COMPLETENESS = {
    "articles": {"date": "published_at IS NOT NULL", "author": "author IS NOT NULL",
                 "summary": "summary IS NOT NULL", "body": "coalesce(body_text, '') <> ''",
                 "section": "section IS NOT NULL", "images": "len(coalesce(images, [])) > 0",
                 "source": "source IS NOT NULL"},
    "documents": {"date": "issued_on IS NOT NULL", "number": "number IS NOT NULL", "signer": "signer IS NOT NULL",
                  "summary": "summary IS NOT NULL", "attachments": "len(coalesce(attachments, [])) > 0",
                  "issuer": "issuer IS NOT NULL"},
    "albums": {"date": "published_at IS NOT NULL", "images": "len(coalesce(images, [])) > 0"},
    "videos": {"date": "published_at IS NOT NULL", "video file": "video_sha256 IS NOT NULL",
               "thumbnail": "thumbnail_url IS NOT NULL"},
    "schedules": {"date": "week_start IS NOT NULL", "entries": "len(coalesce(entries, [])) > 0"},
    "static_pages": {"body": "coalesce(body_text, '') <> ''", "section": "section IS NOT NULL",
                     "images": "len(coalesce(images, [])) > 0"},
}


def _date_sql(table: str) -> str:
    column = DATE_COLUMN[table]
    if column is None:
        return "CAST(NULL AS DATE)"
    if column == "published_at":
        return "CAST(timezone('Asia/Ho_Chi_Minh', published_at) AS DATE)"
    return column


def _history_sql(site: str | None) -> str:
    """Every snapshot with its counts; records by their ``changes`` rows without the records taken down (and,
    for one site, only that site's records, pages and errors)."""
    of_site = " AND record_id IN (SELECT record_id FROM site_records)" if site else ""
    where_site = " WHERE site = $site" if site else ""
    pages, not_modified, errors = (("coalesce(p.fetched, 0)", "coalesce(p.nm, 0)", "coalesce(e.n, 0)") if site
                                   else ("s.pages_fetched", "s.not_modified", "s.errors"))
    counts = ", ".join(f"coalesce(c.{k}, 0)" for k in ("new", "changed", "unchanged", "removed"))
    return f"""
WITH c AS (SELECT snapshot_id, {", ".join(f"count(*) FILTER (WHERE change = '{k}') AS {k}"
                                        for k in ("new", "changed", "unchanged", "removed"))}
           FROM changes WHERE record_id NOT IN (SELECT record_id FROM taken_down){of_site} GROUP BY 1),
p AS (SELECT snapshot_id, count(*) FILTER (WHERE status <> 304) AS fetched, count(*) FILTER (WHERE status = 304) AS nm
      FROM pages{where_site} GROUP BY 1),
e AS (SELECT snapshot_id, count(*) AS n FROM errors{where_site} GROUP BY 1)
SELECT s.snapshot_id, s.status, s.started_at, s.finished_at, {pages}, {not_modified}, {counts}, {errors}
FROM snapshots s LEFT JOIN c USING (snapshot_id) LEFT JOIN p USING (snapshot_id) LEFT JOIN e USING (snapshot_id)
ORDER BY s.snapshot_id"""


def collect(archive_dir: str | os.PathLike[str], site: str | None = None) -> dict:
    """Every figure of the report, from the archive's latest state and its history tables (of one ``site`` of
    an archive of ``crawl --sites``: LookupError naming the archive's sites if it has no such site)."""
    con = connect(archive_dir)
    try:
        params = {"site": site} if site else {}
        if site:
            sites = site_names(con)
            if site not in sites:
                raise LookupError(unknown_site(archive_dir, site, sites))
            con.execute("CREATE TEMP TABLE site_records AS " + " UNION ".join(
                f'SELECT record_id FROM "{t}" WHERE site = $site' for t in RECORD_TABLES), params)
        con.execute("CREATE TEMP TABLE hidden (url VARCHAR)")  # media and URLs only records taken down had
        hidden = hidden_urls(con)
        if hidden:
            con.executemany("INSERT INTO hidden VALUES (?)", [[u] for u in hidden])
        of_site = " WHERE site = $site" if site else ""
        and_shown = (" AND site = $site" if site else "") + " AND url NOT IN (SELECT url FROM hidden)"
        dated = " UNION ALL ".join(
            f"SELECT '{RECORD_TABLES[t]}' AS kind, {_date_sql(t)} AS day, "
            f"{'section' if t in ('articles', 'static_pages') else 'NULL'} AS section FROM {t}_latest{of_site}"
            for t in RECORD_TABLES)

        def rows(sql: str):
            return con.execute(sql, params).fetchall()

        data = {
            "site": site,
            "taken_down": rows(f"SELECT count(*) FROM taken_down{of_site}")[0][0],
            "per_month": rows(f"SELECT strftime(day, '%Y-%m') AS month, kind, count(*) FROM ({dated}) "
                              "WHERE day IS NOT NULL GROUP BY ALL ORDER BY ALL"),
            "per_section_year": rows(f"SELECT year(day) AS y, coalesce(section, '(none)'), count(*) FROM ({dated}) "
                                     "WHERE kind = 'article' AND day IS NOT NULL GROUP BY ALL ORDER BY ALL"),
            "totals": rows(f"SELECT kind, count(*), count(day), min(day), max(day) FROM ({dated}) "
                           "GROUP BY ALL ORDER BY 2 DESC"),
            "completeness": [],
            "media": rows("SELECT coalesce(split_part(mime_type, ';', 1), 'unknown') AS type, count(*), sum(size) "
                          "FROM (SELECT DISTINCT sha256, mime_type, size FROM media_files WHERE sha256 IS NOT NULL"
                          f"{and_shown}) GROUP BY ALL ORDER BY 3 DESC NULLS LAST"),
            "media_failed": rows(f"SELECT count(DISTINCT url) FROM media_files WHERE sha256 IS NULL{and_shown}")[0][0],
            "errors": rows(f"SELECT reason, snapshot_id, count(*) FROM errors WHERE true{and_shown} GROUP BY ALL ORDER BY ALL"),
            "snapshots": rows(_history_sql(site)),
        }
        for table, checks in COMPLETENESS.items():
            exprs = ", ".join(f"avg(CASE WHEN {sql} THEN 1.0 ELSE 0.0 END)" for sql in checks.values())
            n, *shares = rows(f"SELECT count(*), {exprs} FROM {table}_latest{of_site}")[0]
            if n:
                data["completeness"].append((RECORD_TABLES[table], n, dict(zip(checks, shares))))
    finally:
        con.close()
    return data


def _figures(data: dict) -> list[tuple[str, str, object]]:
    """(anchor, heading, plotly Figure) of every chart."""
    import plotly.graph_objects as go

    layout = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 40, "b": 60}, "height": 420,
              "legend": {"orientation": "h", "y": -0.2}}
    figs = []

    months = sorted({m for m, _, _ in data["per_month"]})
    kinds = sorted({k for _, k, _ in data["per_month"]})
    counts = {(m, k): n for m, k, n in data["per_month"]}
    fig = go.Figure([go.Bar(name=k, x=months, y=[counts.get((m, k), 0) for m in months]) for k in kinds])
    fig.update_layout(barmode="stack", title="Records per month (by date of publication / issue / week)",
                      xaxis_title="month", yaxis_title="records", **layout)
    figs.append(("per-month", "Records per month", fig))

    years = sorted({y for y, _, _ in data["per_section_year"]})
    sections = sorted({s for _, s, _ in data["per_section_year"]})
    counts = {(y, s): n for y, s, n in data["per_section_year"]}
    fig = go.Figure([go.Bar(name=s, x=[str(y) for y in years], y=[counts.get((y, s), 0) for y in years])
                     for s in sections])
    fig.update_layout(barmode="stack", title="Articles per section and year", xaxis_title="year",
                      yaxis_title="articles", **layout)
    figs.append(("per-section", "Articles per section over the years", fig))

    fields = list(dict.fromkeys(f for _, _, shares in data["completeness"] for f in shares))
    rows = [f"{kind} ({n})" for kind, n, _ in data["completeness"]]
    z = [[(shares[f] * 100 if f in shares else None) for f in fields] for _, _, shares in data["completeness"]]
    text = [["" if v is None else f"{v:.0f}%" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=fields, y=rows, text=text, texttemplate="%{text}", zmin=0, zmax=100,
                               colorscale="RdYlGn", colorbar={"title": "% present"}, hoverongaps=False))
    fig.update_layout(title="Field completeness per kind (share of live records with the field)", **layout)
    figs.append(("completeness", "Field completeness per kind", fig))

    types = [t for t, _, _ in data["media"]]
    fig = go.Figure([go.Bar(name="files", x=types, y=[n for _, n, _ in data["media"]], yaxis="y"),
                     go.Bar(name="MB", x=types, y=[round((b or 0) / 1e6, 2) for _, _, b in data["media"]],
                            yaxis="y2")])
    fig.update_layout(barmode="group", title="Media files by type: count and total size (distinct files)",
                      yaxis={"title": "files"}, yaxis2={"title": "MB", "overlaying": "y", "side": "right"}, **layout)
    fig.data[0].offsetgroup, fig.data[1].offsetgroup = "files", "mb"
    figs.append(("media", "Media by type and size", fig))

    reasons = sorted({r for r, _, _ in data["errors"]}) or ["(no errors)"]
    snaps = sorted({s for _, s, _ in data["errors"]})
    counts = {(r, s): n for r, s, n in data["errors"]}
    bars = [go.Bar(name=s, x=reasons, y=[counts.get((r, s), 0) for r in reasons]) for s in snaps] or \
        [go.Bar(name="errors", x=reasons, y=[0])]
    fig = go.Figure(bars)
    fig.update_layout(barmode="stack", title="Errors by reason (stacked by snapshot)", yaxis_title="URLs", **layout)
    figs.append(("errors", "Errors by reason", fig))

    snaps = [s[0] for s in data["snapshots"]]
    fig = go.Figure([go.Bar(name=name, x=snaps, y=[s[i] for s in data["snapshots"]])
                     for name, i in (("new", 6), ("changed", 7), ("removed", 9), ("unchanged", 8))])
    fig.add_trace(go.Scatter(name="pages fetched", x=snaps, y=[s[4] for s in data["snapshots"]],
                             mode="lines+markers", yaxis="y2"))
    fig.update_layout(barmode="stack", title="Snapshot history: records new / changed / removed / unchanged, pages",
                      yaxis={"title": "records"}, yaxis2={"title": "pages fetched", "overlaying": "y", "side": "right"},
                      **layout)
    fig.update_xaxes(type="category")
    figs.append(("snapshots", "Snapshot history", fig))
    return figs


def _table(headers: list[str], rows: list[tuple]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2rem; } .sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; } th { background: #f4f4f4; }
section.chart { margin: 1.5rem 0 2.5rem; } nav a { margin-right: 1rem; }
/* plotly lays a chart out at its box's width; below a few pixels (a window being resized, a screenshot
   tool's transient viewport) it writes "-Infinity" into an axis title: never let a chart be that narrow */
.plotly-graph-div { min-width: 320px; }
"""


def render(archive_dir: str | os.PathLike[str], data: dict) -> str:
    from plotly.offline import get_plotlyjs

    figs = _figures(data)
    parts = []
    for anchor, heading, fig in figs:
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{anchor}",
                          config={"displaylogo": False, "responsive": True})
        parts.append(f'<section class="chart" id="{anchor}"><h2>{html.escape(heading)}</h2>{div}</section>')
    name = Path(archive_dir).name
    snaps = data["snapshots"]
    latest = snaps[-1][0] if snaps else "none"
    totals = _table(["kind", "live records", "with a date", "earliest", "latest"], data["totals"])
    media_rows = [(t, n, f"{(b or 0) / 1e6:.2f} MB") for t, n, b in data["media"]]
    media = _table(["type", "files", "size"], media_rows) + (
        f"<p>{data['media_failed']} media URLs could not be downloaded.</p>" if data["media_failed"] else "")
    history = _table(["snapshot", "status", "started", "finished", "pages", "304", "new", "changed", "unchanged",
                      "removed", "errors"], [(s[0], s[1], *(x.isoformat(timespec='seconds') if isinstance(
                          x, dt.datetime) else x for x in s[2:4]), *s[4:]) for s in snaps])
    nav = "".join(f'<a href="#{a}">{html.escape(h)}</a>' for a, h, _ in figs)
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    scope = f"site {html.escape(data['site'])} · " if data.get("site") else ""
    if data.get("taken_down"):
        n = data["taken_down"]
        scope += f"{n} record{' taken down is' if n == 1 else 's taken down are'} left out of every figure · "
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>portal-archive report: {html.escape(name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}</style>
<script>{get_plotlyjs()}</script>
</head><body>
<h1>Archive report: {html.escape(name)}</h1>
<p class="sub">{scope}latest snapshot {html.escape(latest)} · {len(snaps)} snapshots · generated {generated} by portal-archive</p>
<nav>{nav}</nav>
<h2>Records (latest state)</h2>{totals}
{''.join(parts[:3])}
<h2>Media files</h2>{media}
{''.join(parts[3:])}
<h2>Snapshots</h2>{history}
</body></html>
"""


def write_report(archive_dir: str | os.PathLike[str], out: str | os.PathLike[str], site: str | None = None) -> Path:
    """Write the report (of one ``site``, or all) to ``out`` (atomically); returns its path."""
    text = render(archive_dir, collect(archive_dir, site))
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    return replace_with(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
