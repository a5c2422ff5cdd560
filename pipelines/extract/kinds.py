"""Record kinds other than articles (docs/design.md "Record kinds"): documents, schedules, albums and
video lists, found by structure and Vietnamese labels (class names never decide).

* document: a label/value fields block (``th``/``td`` or two-cell rows, ``dt``/``dd``, two-column rows,
  ``<b>Label:</b> value`` lines) with at least three document labels (Số hiệu / Số ký hiệu, Ngày ban hành,
  Trích yếu, Cơ quan ban hành, Người ký, Lĩnh vực, Loại văn bản, Ngày hiệu lực), one of them the number,
  the issue date or the trích yếu; plus its attachment links (office files or WCM ``MOD=AJPERES`` files).
* schedule: a table whose header row names the content column (Nội dung) and at least two of
  Thứ/Ngày, Thời gian/Giờ, Địa điểm, Chủ trì/Thành phần; rowspan'd cells are expanded (rows inherit).
* video list: list items whose onclick/href/script call ``playClip('URL', 'TITLE', …)`` or
  ``jwplayer(…).load('URL')`` / ``setup({file: …})``; a call outside the items (auto-play) is ignored.
* album: decided in record.py from the images after the title heading (helpers here).

All functions are pure and work on an lxml tree; text is NFC and whitespace-collapsed.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import unquote, urlsplit

from .dates import find_date_span, match_date, to_iso
from .dom import attr_str, is_ancestor, lca, resolve, table_rows, text_content, text_of
from .images import image_src, is_content_image
from .text import clean_text, collapse

# ----------------------------------------------------------------------------- labels


def _label_norm(s: str) -> str:
    s = collapse(s).strip(" :：*-–.").lower()
    return " ".join(s.split())


DOC_LABELS = (
    ("number", re.compile(r"số(?:\s*,)?\s*(?:/\s*)?(?:ký|kí)?\s*hiệu(?:\s+văn\s+bản)?|ký\s+hiệu(?:\s+văn\s+bản)?|"
                          r"số\s+văn\s+bản|số\s+hiệu\s*/\s*ký\s+hiệu|số\s*/\s*ký\s+hiệu|số\s+và\s+ký\s+hiệu")),
    ("issued_on", re.compile(r"ngày\s+ban\s+hành|ngày\s+(?:ký|kí)(?:\s+ban\s+hành)?|ngày\s+văn\s+bản|ngày\s+phát\s+hành")),
    ("effective_on", re.compile(r"ngày\s+(?:có\s+)?hiệu\s+lực|ngày\s+áp\s+dụng|hiệu\s+lực\s+từ(?:\s+ngày)?")),
    ("issuer", re.compile(r"cơ\s+quan\s+ban\s+hành|đơn\s+vị\s+ban\s+hành|nơi\s+ban\s+hành|cơ\s+quan\s+phát\s+hành|"
                          r"cơ\s+quan\s+ban\s+hành\s*/\s*chức\s+danh|cấp\s+ban\s+hành")),
    ("signer", re.compile(r"người\s+(?:ký|kí)(?:\s+duyệt)?|người\s+(?:ký|kí)\s*/\s*chức\s+vụ|(?:ký|kí)\s+bởi")),
    ("field", re.compile(r"lĩnh\s+vực(?:\s+văn\s+bản)?")),
    ("doc_type", re.compile(r"loại\s+văn\s+bản|hình\s+thức\s+văn\s+bản|thể\s+loại(?:\s+văn\s+bản)?|loại")),
    ("summary", re.compile(r"trích\s+yếu(?:\s+nội\s+dung)?|nội\s+dung\s+trích\s+yếu|tóm\s+tắt(?:\s+nội\s+dung)?")),
    ("attachments", re.compile(r"(?:tệp|tập\s+tin|file|tài\s+liệu|văn\s+bản)\s+đính\s+kèm|đính\s+kèm|tải\s+về|"
                               r"tải\s+văn\s+bản|file|tệp\s+tin|toàn\s+văn(?:\s+văn\s+bản)?|nội\s+dung\s+văn\s+bản")),
)
DOCUMENT_FIELDS = ("number", "issued_on", "issued_on_raw", "effective_on", "effective_on_raw", "issuer", "signer",
                   "field", "doc_type")
_DOC_KEYS = ("number", "issued_on", "effective_on", "issuer", "signer", "field", "doc_type", "summary")
_LABEL_MAX = 40


def _short(el, limit: int = _LABEL_MAX + 20) -> str:
    """Collapsed text of a would-be label cell; '' when it is long (cheap: stops early)."""
    n = 0
    parts = []
    for t in el.itertext():
        n += len(t)
        if n > limit * 3:
            return ""
        parts.append(t)
    s = collapse(" ".join(parts))
    return s if len(s) <= limit else ""


def doc_label(text: str) -> str | None:
    """Document field key of a label text ("Số ký hiệu:" -> "number"), else None."""
    if not text or len(text) > _LABEL_MAX + 10:
        return None
    s = _label_norm(text)
    if not s or len(s) > _LABEL_MAX:
        return None
    for key, rx in DOC_LABELS:
        if rx.fullmatch(s):
            return key
    return None


# an office/archive file name as the last path segment, or before a version segment (Liferay
# /documents/<group>/<folder>/<file.pdf>/<uuid>)
FILE_EXT_RE = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|7z|odt|ods|rtf)(?:/[^/]*)?$", re.I)
_FILE_SEG_RE = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|7z|odt|ods|rtf)$", re.I)
_IMAGE_EXT_RE = re.compile(r"\.(?:jpe?g|png|gif|bmp|webp|svg|tiff?)$", re.I)
_AJPERES_RE = re.compile(r"(?:^|[?&])MOD=AJPERES(?:&|$)", re.I)


def is_attachment_url(url: str) -> bool:
    try:
        sp = urlsplit(url)
    except ValueError:
        return False
    if sp.scheme not in ("http", "https", "ftp"):
        return False
    path = unquote(sp.path)
    if FILE_EXT_RE.search(path):
        return True
    if _AJPERES_RE.search(sp.query) and not _IMAGE_EXT_RE.search(path) and "/wps/wcm/connect/" in path.lower():
        return True
    return False


def _file_name(url: str) -> str | None:
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    segs = [unquote(x) for x in path.split("/") if x]
    if not segs:
        return None
    name = next((x for x in reversed(segs[-2:]) if _FILE_SEG_RE.search(x)), segs[-1])
    return clean_text(name) or None


def _lca_or(a, b):
    x = lca(a, b)
    return a if x is None else x


# ----------------------------------------------------------------------------- field pairs


class Pair:
    __slots__ = ("key", "label", "value", "holder", "text")

    def __init__(self, key, label, value, holder):
        self.key, self.label, self.value, self.holder = key, label, value, holder
        self.text = None  # value text (collapsed, NFC)


def _cells(tr):
    return [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]


def _elem_children(el):
    return [c for c in el if isinstance(c.tag, str) and c.tag != "br"]


_LABEL_TAGS = frozenset(("b", "strong", "span", "label", "div", "dt", "th", "td", "em", "i", "p", "font", "h4",
                         "h5", "h6"))


def field_pairs(root) -> list[Pair]:
    """(key, label element, value element) of every document label/value pair under ``root``."""
    pairs: list[Pair] = []
    seen_holders = set()
    for tr in root.iter("tr"):
        cells = _cells(tr)
        n = len(cells)
        if n in (2, 4, 6):
            for i in range(0, n, 2):
                key = doc_label(_short(cells[i]))
                if key:
                    pairs.append(Pair(key, cells[i], cells[i + 1], tr))
            seen_holders.add(tr)
        elif n == 3:  # "STT | label | value" or "label | : | value"
            k0 = doc_label(_short(cells[0]))
            k1 = doc_label(_short(cells[1]))
            if k1 and not k0:
                pairs.append(Pair(k1, cells[1], cells[2], tr))
            elif k0 and _short(cells[1], 3) in ("", ":") and not collapse(text_content(cells[1])).strip(": "):
                pairs.append(Pair(k0, cells[0], cells[2], tr))
            elif k0:
                pairs.append(Pair(k0, cells[0], cells[1], tr))
    for dt in root.iter("dt"):
        key = doc_label(_short(dt))
        if key:
            dd = dt.getnext()
            while dd is not None and not isinstance(dd.tag, str):
                dd = dd.getnext()
            if dd is not None and dd.tag == "dd":
                pairs.append(Pair(key, dt, dd, dt.getparent()))
    # two-column rows and "<b>Label:</b> value" lines
    for el in root.iter("div", "li", "p", "section", "span"):
        if el in seen_holders:
            continue
        kids = _elem_children(el)
        if not kids:
            continue
        first = kids[0]
        if first.tag not in _LABEL_TAGS or (el.text or "").strip():
            continue
        key = doc_label(_short(first))
        if not key:
            continue
        if len(kids) == 2 and not (first.tail or "").strip() and not (kids[1].tail or "").strip():
            pairs.append(Pair(key, first, kids[1], el))  # two-column row
        else:
            pairs.append(Pair(key, first, el, el))  # the rest of the line is the value
    return pairs


def _value_text(p: Pair) -> str:
    if p.value is p.holder:  # label inline: the holder's text minus the label
        full = collapse(text_of(p.holder))
        lab = collapse(text_of(p.label))
        t = full[len(lab):] if full.startswith(lab) else full.replace(lab, " ", 1)
        t = t.strip(" :：-–")
    else:
        t = collapse(text_of(p.value)).strip()
        if t.startswith((":", "：")):
            t = t[1:].strip()
    return clean_text(t)


_NGAY_PREFIX_RE = re.compile(r"^ng[àa]y\s+", re.I)


def _doc_date(value: str | None):
    if not value:
        return None, None
    m = match_date(value)
    if m is None:
        return None, None
    raw = _NGAY_PREFIX_RE.sub("", value[m.start:m.end].strip(" ,-–—|()"))
    return m.dt.date().isoformat(), raw


def find_document(page, base: str, heading=None) -> dict | None:
    """The document fields of the page (design.md ``document``), or None when it is not a document."""
    pairs = field_pairs(page)
    if len(pairs) < 3:
        return None
    found: dict[str, Pair] = {}
    for p in pairs:
        if p.key in found:
            continue
        p.text = _value_text(p)
        if p.key != "attachments" and doc_label(p.text or "") is not None:
            continue  # a header row: "Ngày ban hành | Trích yếu"
        if p.key != "attachments" and not p.text and p.key != "effective_on":
            continue
        found[p.key] = p
    filled = {k for k, p in found.items() if k in _DOC_KEYS and p.text}
    if len(filled) < 3 or not filled & {"number", "issued_on", "summary"}:
        return None
    # the fields block and the document area (heading + fields + attachments)
    holders = [p.holder for p in found.values()]
    block = holders[0]
    for h in holders[1:]:
        block = _lca_or(block, h)
    area = block
    if heading is not None and heading.getparent() is not None:
        a2 = lca(heading, block)
        if a2 is not None and a2.tag not in ("html", "body"):
            area = a2
    att = _attachments(area, base)
    cur = area
    for _ in range(3):
        if att:
            break
        cur = cur.getparent()
        if cur is None or cur.tag in ("html", "body"):
            break
        att = _attachments(cur, base)
    rec = {k: None for k in ("number", "issued_on", "issued_on_raw", "effective_on", "effective_on_raw", "issuer",
                             "signer", "field", "doc_type", "summary")}
    for k in ("number", "issuer", "signer", "field", "doc_type", "summary"):
        p = found.get(k)
        rec[k] = (p.text or None) if p is not None else None
    for k in ("issued_on", "effective_on"):
        p = found.get(k)
        iso, raw = _doc_date(p.text if p is not None else None)
        rec[k], rec[k + "_raw"] = iso, raw
    rec["attachments"] = att
    rec["_block"] = block
    rec["_area"] = area
    return rec


def _attachments(area, base: str) -> list[dict]:
    out: list[dict] = []
    index: dict[str, int] = {}
    for a in area.iter("a"):
        href = a.get("href")
        u = resolve(base, href) if href else None
        if not u or not is_attachment_url(u):
            continue
        u = u.split("#", 1)[0]
        name = clean_text(text_content(a)) or None
        if u in index:
            ent = out[index[u]]
            if ent["name"] is None and name:
                ent["name"] = name
            continue
        index[u] = len(out)
        out.append({"url": u, "name": name})
    for ent in out:
        if ent["name"] is None:
            ent["name"] = _file_name(ent["url"])
    return out


DOC_WORDS = ("trích yếu", "ký hiệu", "số hiệu", "ngày ban hành", "cơ quan ban hành", "người ký", "người kí",
              "loại văn bản")


def document_precheck(low: str) -> bool:
    """Cheap gate on the page's lower-cased, collapsed text: two document labels at least."""
    n = 0
    for w in DOC_WORDS:
        if w in low:
            n += 1
            if n >= 2:
                return True
    return False


# ----------------------------------------------------------------------------- schedules

_COLS = (
    ("day", re.compile(r"thứ|thứ\s*[/,\-–]?\s*ngày(?:\s+tháng)?|ngày\s*[/,\-–]?\s*thứ|ngày|ngày\s+tháng|"
                       r"ngày\s*/\s*buổi|thứ\s*/\s*buổi")),
    ("time", re.compile(r"thời\s+gian|giờ|thời\s+điểm|buổi|giờ\s*/\s*buổi|thời\s+gian\s*/\s*giờ|giờ\s+họp|"
                        r"thời\s+gian\s+bắt\s+đầu")),
    ("content", re.compile(r"nội\s+dung(?:\s+(?:công\s+việc|làm\s+việc|cuộc\s+họp|công\s+tác|hoạt\s+động))?|"
                           r"công\s+việc|nội\s+dung\s*/\s*công\s+việc|sự\s+kiện")),
    ("place", re.compile(r"địa\s+điểm|nơi\s+(?:làm\s+việc|họp|tổ\s+chức|diễn\s+ra)|địa\s+điểm\s+tổ\s+chức")),
    ("chair", re.compile(r"chủ\s+trì|lãnh\s+đạo(?:\s+chủ\s+trì|\s+dự)?|người\s+chủ\s+trì|chủ\s+trì\s*/\s*thành\s+phần|"
                         r"lãnh\s+đạo\s*/\s*chủ\s+trì|chủ\s+trì\s*,\s*thành\s+phần")),
    ("participants", re.compile(r"thành\s+phần(?:\s+(?:tham\s+dự|dự|mời))?|người\s+tham\s+dự|đơn\s+vị\s+chuẩn\s+bị|"
                                r"chuẩn\s+bị")),
)
_WEEKDAY_RE = re.compile(r"^\s*(th[ứu]\s*(?:hai|ba|t[ưu]|n[ăa]m|s[áa]u|b[ảa]y|[2-7])|ch[ủu]\s*nh[ậa]t|CN|T[2-7])"
                         r"(?![\w])", re.I)
_DM_RE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{4}|\d{2}))?(?!\d)")
_WEEK_NO_RE = re.compile(r"tuần\s*(?:thứ\s*)?(\d{1,2})\s*(?:[/,\-]|năm)?\s*(\d{4})?", re.I)


def _col_key(text: str) -> str | None:
    s = _label_norm(text)
    if not s or len(s) > 40:
        return None
    for key, rx in _COLS:
        if rx.fullmatch(s):
            return key
    return None


def _grid(rows):
    """Expand rowspan/colspan: list of rows, each a list of cells (the same element where spanned)."""
    out = []
    pending: dict[int, list] = {}  # column -> [remaining rows, cell]
    for tr in rows:
        row: list = []
        col = 0

        def fill_pending():
            nonlocal col
            while col in pending:
                rem = pending[col]
                row.append(rem[1])
                rem[0] -= 1
                if rem[0] <= 0:
                    del pending[col]
                col += 1

        fill_pending()
        for c in _cells(tr):
            fill_pending()
            try:
                rs = max(1, min(int((c.get("rowspan") or "1").strip() or 1), 100))
            except ValueError:
                rs = 1
            try:
                cs = max(1, min(int((c.get("colspan") or "1").strip() or 1), 20))
            except ValueError:
                cs = 1
            for _ in range(cs):
                row.append(c)
                if rs > 1:
                    pending[col] = [rs - 1, c]
                col += 1
        fill_pending()
        out.append(row)
    return out


def _schedule_header(grid):
    """(row index, {key: column}) of the header row, or None."""
    for i, row in enumerate(grid[:3]):
        cols: dict[str, int] = {}
        for j, c in enumerate(row):
            if j > 0 and row[j - 1] is c:
                continue
            k = _col_key(_short(c))
            if k and k not in cols:
                cols[k] = j
            elif k == "day" and "date" not in cols:
                cols["date"] = j  # "Thứ | Ngày"
        if "content" in cols and len(cols) >= 3:
            return i, cols
    return None


def find_schedule_table(page):
    """(table, grid, header index, columns) of the page's schedule table, or None."""
    best = None
    for tbl in page.iter("table"):
        rows = table_rows(tbl)
        if len(rows) < 2:
            continue
        grid = _grid(rows[:3])
        hdr = _schedule_header(grid)
        if hdr is None:
            continue
        n = len(rows)
        if best is None or n > best[1]:
            best = (tbl, n, hdr)
    if best is None:
        return None
    tbl, _, (hi, cols) = best
    return tbl, _grid(table_rows(tbl)), hi, cols


def _cell_text(c) -> str | None:
    if c is None:
        return None
    return clean_text(text_of(c)) or None


def parse_day(text: str | None):
    """'Thứ hai (31/08)' -> ('Thứ hai', (31, 8, None)); '31/08/2020' -> (None, (31, 8, 2020))."""
    if not text:
        return None, None
    day = None
    m = _WEEKDAY_RE.match(text)
    if m:
        day = clean_text(m.group(1))
    dm = _DM_RE.search(text)
    dmy = None
    if dm:
        y = dm.group(3)
        yv = int(y) if y else None
        if yv is not None and yv < 100:
            yv += 2000
        dmy = (int(dm.group(1)), int(dm.group(2)), yv)
    if day is None and dmy is None:
        t = clean_text(text.strip("()"))
        return (t or None), None
    return day, dmy


def _mkdate(d, m, y):
    try:
        return date(y, m, d)
    except (TypeError, ValueError):
        return None


def _resolve_day(dmy, monday: date | None) -> date | None:
    if dmy is None:
        return None
    d, m, y = dmy
    if y is not None:
        return _mkdate(d, m, y)
    if monday is None:
        return None
    best = None
    for yy in (monday.year - 1, monday.year, monday.year + 1):
        dt = _mkdate(d, m, yy)
        if dt is None:
            continue
        dist = abs((dt - monday).days - 3)
        if best is None or dist < best[0]:
            best = (dist, dt)
    return best[1] if best else None


def week_of(title: str | None, first_dates=()) -> tuple[str | None, str | None]:
    """ISO week ('2020-W36') and its Monday from the title's first date, the first entry date, or 'tuần N/yyyy'."""
    d0 = None
    if title:
        m = match_date(title)
        if m is not None:
            d0 = m.dt.date()
    if d0 is None:
        for d in first_dates:
            if d is not None:
                d0 = d
                break
    if d0 is None and title:
        wm = _WEEK_NO_RE.search(title)
        if wm and wm.group(2):
            try:
                d0 = date.fromisocalendar(int(wm.group(2)), int(wm.group(1)), 1)
            except ValueError:
                d0 = None
    if d0 is None:
        return None, None
    y, w, wd = d0.isocalendar()
    monday = d0 - timedelta(days=wd - 1)
    return f"{y}-W{w:02d}", monday.isoformat()


def schedule_entries(grid, hi: int, cols: dict, monday: date | None) -> list[dict]:
    ncols = max((len(r) for r in grid), default=0)
    day_col, date_col = cols.get("day"), cols.get("date")
    chair_col = cols.get("chair", cols.get("participants"))
    entries = []
    cur_day = cur_date = None
    cur_day_cell = None

    def cell(row, j):
        return row[j] if j is not None and j < len(row) else None

    for row in grid[hi + 1:]:
        distinct = []
        for c in row:
            if not distinct or distinct[-1] is not c:
                distinct.append(c)
        if not distinct:
            continue
        if len(distinct) == 1 and ncols > 2:
            # a full-width separator row: "Thứ hai, ngày 31/08/2020"
            day, dmy = parse_day(_cell_text(distinct[0]))
            if dmy is not None or (day and _WEEKDAY_RE.match(day)):
                cur_day, cur_date = day, _resolve_day(dmy, monday)
            continue
        dc = cell(row, day_col)
        if dc is not None and dc is not cur_day_cell:
            t = _cell_text(dc)
            if t:
                cur_day_cell = dc
                cur_day, dmy = parse_day(t)
                cur_date = _resolve_day(dmy, monday)
        dtc = cell(row, date_col)
        if dtc is not None and dtc is not dc:
            t = _cell_text(dtc)
            if t:
                d2, dmy2 = parse_day(t)
                dd = _resolve_day(dmy2, monday)
                if dd is not None:
                    cur_date = dd
                if cur_day is None and d2 and _WEEKDAY_RE.match(d2):
                    cur_day = d2
        content = _cell_text(cell(row, cols.get("content")))
        time = _cell_text(cell(row, cols.get("time")))
        if content is None and time is None:
            continue
        entries.append({"day": cur_day, "date": cur_date.isoformat() if cur_date else None, "time": time,
                        "content": content, "place": _cell_text(cell(row, cols.get("place"))),
                        "chair": _cell_text(cell(row, chair_col))})
    return entries


SCHEDULE_WORDS = ("nội dung", "công việc")


def schedule_precheck(low: str) -> bool:
    """Cheap gate on the page's lower-cased, collapsed text: a content column label."""
    return any(w in low for w in SCHEDULE_WORDS)


def find_schedule(page, title: str | None) -> dict | None:
    found = find_schedule_table(page)
    if found is None:
        return None
    tbl, grid, hi, cols = found
    # the week: from the title, else from the first full date of the table
    first = []
    if not (title and match_date(title)):
        for row in grid[hi + 1:hi + 12]:
            for c in row:
                _d, dmy = parse_day(_cell_text(c))
                if dmy and dmy[2]:
                    first.append(_mkdate(*dmy))
                    break
            if first:
                break
    week, week_start = week_of(title, first)
    monday = date.fromisoformat(week_start) if week_start else None
    entries = schedule_entries(grid, hi, cols, monday)
    if not entries:
        return None
    if week is None:
        dates = [date.fromisoformat(e["date"]) for e in entries if e["date"]]
        if dates:
            week, week_start = week_of(None, dates)
    return {"week": week, "week_start": week_start, "entries": entries, "_table": tbl}


# ----------------------------------------------------------------------------- videos

_CALL_RE = re.compile(r"playClip\s*\(|jwplayer\s*\([^)]*\)\s*\.\s*(?:load|setup)\s*\(", re.I)
_JS_STR_RE = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", re.S)
_JS_ESC_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
_OBJ_PROP_RE = re.compile(r"""(?:^|[{,\s])['"]?(file|image|title)['"]?\s*:\s*""", re.I)
_DATE_CLASS_RE = re.compile(r"date|time|ngay|post_?meta|meta|thoigian|thoi-gian|published", re.I)


def _js_unescape(s: str) -> str:
    def rep(m):
        x = m.group(1)
        if x[0] == "u" and len(x) == 5:
            return chr(int(x[1:], 16))
        if x[0] == "x" and len(x) == 3:
            return chr(int(x[1:], 16))
        return {"n": "\n", "t": "\t", "r": "\r"}.get(x, x)

    return _JS_ESC_RE.sub(rep, s) if "\\" in s else s


def _js_args(s: str, start: int) -> list[str | None]:
    """String arguments of a call whose '(' ends at ``start`` (non-string arguments -> None)."""
    args: list = []
    i, n, depth = start, len(s), 0
    cur_is_str = False
    while i < n:
        ch = s[i]
        if ch in "'\"":
            m = _JS_STR_RE.match(s, i)
            if not m:
                break
            if depth == 0:
                args.append(_js_unescape(m.group(1) if m.group(1) is not None else m.group(2)))
                cur_is_str = True
            i = m.end()
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif ch == "," and depth == 0:
            if not cur_is_str:
                args.append(None)
            cur_is_str = False
        i += 1
    return args


def _obj_props(s: str, start: int) -> dict:
    """file/image/title string properties of an object literal argument ({file: '…'} or [{…}])."""
    seg = s[start:start + 2000]
    out = {}
    for m in _OBJ_PROP_RE.finditer(seg):
        key = m.group(1).lower()
        sm = _JS_STR_RE.match(seg, m.end())
        if sm and key not in out:
            out[key] = _js_unescape(sm.group(1) if sm.group(1) is not None else sm.group(2))
    return out


def parse_clip(js: str) -> dict | None:
    """{'url', 'title', 'image'} of the first player call in a piece of JS, or None."""
    m = _CALL_RE.search(js or "")
    if not m:
        return None
    if m.group(0).lower().startswith("playclip"):
        args = _js_args(js, m.end())
        if not args:
            return {"url": "", "title": None, "image": None}
        return {"url": args[0] or "", "title": args[1] if len(args) > 1 else None, "image": None}
    rest = js[m.end():].lstrip()
    if rest[:1] in "'\"":
        args = _js_args(js, m.end())
        return {"url": (args[0] if args else "") or "", "title": None, "image": None}
    props = _obj_props(js, m.end())
    if not props and not rest.startswith(("{", "[")):
        return None
    return {"url": props.get("file") or "", "title": props.get("title"), "image": props.get("image")}


def video_precheck(text: str) -> bool:
    low = text.lower()
    return "playclip" in low or "jwplayer" in low


def video_precheck_bytes(low_src: bytes) -> bool:
    """video_precheck of a text given as its UTF-8 bytes with ASCII letters lower-cased (bytes.lower): the
    same answer (str.lower turns no character but "K" (Kelvin sign, into "k") and "İ" (into "i" and a
    combining dot) into an ASCII letter, so a match in the lower-cased text is one of ASCII letters), in a
    quarter of the time."""
    return b"playclip" in low_src or b"jwplayer" in low_src


def _item_of(el, stop):
    """The list item holding a player element: the nearest li, else the child of ``stop`` holding it."""
    prev = el
    for anc in el.iterancestors():
        if anc.tag == "li":
            return anc
        if anc is stop:
            return prev
        prev = anc
    return prev


def find_videos(root, base: str, now=None) -> list[dict] | None:
    """Every item of a video list (design.md ``video`` fields), in page order, or None (not a list)."""
    found = find_video_list(root, base, now)
    return found[0] if found else None


def find_video_list(root, base: str, now=None):
    """(items, list container) of the page's video list, or None."""
    holders = []  # (element, clip)
    for el in root.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag == "script":
            continue
        for attr in ("onclick", "href"):
            v = el.get(attr)
            if v and ("playClip" in v or "playclip" in v.lower() or "jwplayer" in v.lower()):
                clip = parse_clip(v)
                if clip is not None:
                    holders.append((el, clip))
                    break
    scripts = []
    for sc in root.iter("script"):
        t = sc.text or ""
        if "playclip" in t.lower() or "jwplayer" in t.lower():
            clip = parse_clip(t)
            if clip is not None:
                scripts.append((sc, clip))
    if not holders and not scripts:
        return None
    # the list container: the lowest common ancestor of the attribute holders (or of scripts inside li)
    if not holders:
        holders = [(sc, c) for sc, c in scripts if next(sc.iterancestors("li"), None) is not None]
        scripts = []
        if not holders:
            return None
    cont = holders[0][0]
    for el, _c in holders[1:]:
        cont = _lca_or(cont, el)
    items: list = []
    by_item: dict = {}
    for el, clip in holders:
        it = _item_of(el, cont) if len(holders) > 1 else next(el.iterancestors("li"), None)
        if it is None:
            it = el
        if it not in by_item:
            by_item[it] = clip
            items.append(it)
    # scripts inside an item (not the auto-play script outside the list)
    for sc, clip in scripts:
        for it in items:
            if is_ancestor(it, sc):
                if not by_item[it].get("url") and clip.get("url"):
                    by_item[it] = clip
                break
    if len(items) < 2:
        return None
    out = []
    for it in items:
        clip = by_item[it]
        out.append(_video_entry(it, clip, base, now))
    return out, cont


def _video_entry(item, clip, base, now) -> dict:
    url = (clip.get("url") or "").strip()
    video_url = resolve(base, url) if url else None
    if video_url is not None and not video_url.startswith(("http://", "https://", "rtmp://", "rtsp://", "mms://")):
        video_url = None
    title = clean_text(clip.get("title") or "") or None
    if title is None:
        best = ""
        for a in item.iter("a", "h2", "h3", "h4", "h5", "strong", "b"):
            t = clean_text(text_content(a))
            if len(t) > len(best):
                best = t
        title = best or None
    if title is None:
        img = next(item.iter("img"), None)
        if img is not None:
            title = clean_text(img.get("alt") or img.get("title") or "") or None
    thumb = None
    for img in item.iter("img"):
        src = image_src(img)
        u = resolve(base, src) if src else None
        if u and u.startswith(("http://", "https://")) and is_content_image(img, u):
            thumb = u
            break
    if thumb is None and clip.get("image"):
        thumb = resolve(base, clip["image"])
    raw, dt = _item_date(item, title, now)
    return {"title": title, "video_url": video_url, "thumbnail_url": thumb, "published_at": to_iso(dt),
            "published_at_raw": raw}


def _item_date(item, title, now):
    cands = []
    for el in item.iter():
        if isinstance(el.tag, str) and el is not item and _DATE_CLASS_RE.search(attr_str(el)):
            cands.append(clean_text(text_of(el)))
    # text outside links (a title may contain a date)
    own = []
    for el in item.iter():
        if not isinstance(el.tag, str) or el.tag == "a" or next(el.iterancestors("a"), None) is not None:
            if isinstance(el.tag, str) and el.tag == "a" and el.tail:
                own.append(el.tail)
            continue
        if el.text:
            own.append(el.text)
        for c in el:
            if isinstance(c.tag, str) and c.tag != "a" and c.tail:
                own.append(c.tail)
    cands.append(collapse(" ".join(own)))
    for t in cands:
        if not t:
            continue
        raw, dt = find_date_span(t, now=now)
        if raw is not None:
            return raw, dt
    return None, None


# ----------------------------------------------------------------------------- albums (JS arrays)

_JS_IMG_RE = re.compile(r"""['"]([^'"\s<>]+?(?:\.(?:jpe?g|png|gif|webp)(?:\?[^'"\s<>]*)?|[?&]MOD=AJPERES[^'"\s<>]*))['"]""",
                        re.I)


# _JS_IMG_RE's quoted string without its quotes (the whole run between them: none of its characters is a quote)
_JS_IMG_STRING_RE = re.compile(_JS_IMG_RE.pattern[len("['\"]("):-len(")['\"]")], re.I)
_JS_RUN_RE = re.compile(r"""[^'"\s<>]*""")
# what every string _JS_IMG_RE finds holds (lower-cased), and the letters re.I also matches with a non-ASCII one
_JS_IMG_HINTS = (".jpg", ".jpeg", ".png", ".gif", ".webp", "?mod=ajperes", "&mod=ajperes")
_JS_FOLDING = ("\u0130", "\u0131", "\u017f")  # İ and ı match i, ſ matches s


def js_image_strings(text: str) -> list[str]:
    """The quoted strings _JS_IMG_RE.finditer finds (its group 1), in order, found from the places that hold
    an image extension or MOD=AJPERES (str.find, at C speed) instead of a regex attempt at every quote: a
    page's scripts are often megabytes of JSON with a few image URLs. Each such place's quoted run is checked
    with the regex's own string pattern; a run whose opening quote closed the previous match is not one."""
    low = text.lower()
    if len(low) != len(text) or any(c in text for c in _JS_FOLDING):
        return [m.group(1) for m in _JS_IMG_RE.finditer(text)]
    starts = set()
    for hint in _JS_IMG_HINTS:
        i = low.find(hint)
        while i >= 0:
            starts.add(i)
            i = low.find(hint, i + 1)
    runs = {}
    for h in starts:
        qo = max(text.rfind("'", 0, h), text.rfind('"', 0, h))
        if qo < 0 or qo + 1 in runs:
            continue
        e = _JS_RUN_RE.match(text, qo + 1).end()
        if e > h and e < len(text) and text[e] in "'\"":
            runs[qo + 1] = e
    out = []
    taken = -1  # the closing quote of the last match: it opens no other
    for s in sorted(runs):
        e = runs[s]
        if s - 1 > taken and _JS_IMG_STRING_RE.fullmatch(text, s, e):
            out.append(text[s:e])
            taken = e
    return out


def script_image_urls(text: str) -> list[str]:
    out = []
    for g in js_image_strings(text or ""):
        u = _js_unescape(g)
        if _IMAGE_EXT_RE.search(u.split("?", 1)[0]) or "MOD=AJPERES" in u.upper():
            out.append(u)
    return out


def image_link_url(img, base: str) -> str | None:
    """The full-size image an <img> links to (its <a href> when that is an image file), else None."""
    a = img.getparent()
    for _ in range(2):
        if a is None:
            return None
        if a.tag == "a":
            break
        a = a.getparent()
    else:
        return None
    if a is None or a.tag != "a":
        return None
    u = resolve(base, a.get("href"))
    if not u or not u.startswith(("http://", "https://")):
        return None
    path = u.split("?", 1)[0].split("#", 1)[0]
    if _IMAGE_EXT_RE.search(unquote(path)):
        return u
    return None


_INLINE_TAGS = frozenset(("span", "font", "b", "strong", "em", "i", "u", "small", "big", "center", "picture"))


def links_to_page(img, base: str) -> bool:
    """The image sits in a link to another page (a gallery grid, a banner), not to an image file."""
    for anc in img.iterancestors():
        if anc.tag == "a":
            href = (anc.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:")):
                return False
            u = resolve(base, href) or ""
            path = unquote(u.split("?", 1)[0].split("#", 1)[0])
            if _IMAGE_EXT_RE.search(path):
                return False
            query = u.split("?", 1)[1] if "?" in u else ""
            return not (_AJPERES_RE.search(query) and "/wps/wcm/connect/" in path.lower())
        if anc.tag not in _INLINE_TAGS:
            return False
    return False


__all__ = ["find_document", "find_schedule", "find_videos", "doc_label", "is_attachment_url", "parse_clip",
           "parse_day", "week_of", "script_image_urls", "image_link_url", "links_to_page", "document_precheck",
           "schedule_precheck", "video_precheck", "video_precheck_bytes", "find_video_list", "DOCUMENT_FIELDS"]
