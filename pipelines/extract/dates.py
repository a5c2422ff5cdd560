"""Date parsing for Vietnamese portals.

``parse_date`` tries a fast path of compiled regexes for the formats these portals print
(day-first), then falls back to dateparser (vi, en) for anything else, e.g. relative dates.
``find_published_date`` locates the publication date of a page.
"""
from __future__ import annotations

import re
from functools import lru_cache
from datetime import datetime, timedelta, timezone

from .text import collapse, nfc

try:
    from zoneinfo import ZoneInfo

    VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
except Exception:  # pragma: no cover - no tz database
    VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

DATEPARSER_SETTINGS_BASE = {
    "DATE_ORDER": "DMY",
    "TIMEZONE": "Asia/Ho_Chi_Minh",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "PREFER_DATES_FROM": "past",
    # a day and month without a year ("Tháng 1", "06/01") is no date: no year is invented from the capture time
    "REQUIRE_PARTS": ["day", "month", "year"],
}
DATEPARSER_LANGUAGES = ["vi", "en"]

_WD = (r"(?:(?:th[ứu]\s*(?:hai|ba|t[ưu]|n[ăa]m|s[áa]u|b[ảẩa]y|[2-7])|th\s?[2-7]|ch[ủu]\s*nh[ậa]t|CN|T[2-7])"
       r"\s*[,\-–—|]?\s*)")
_DATE = r"(?<!\d)(?P<d>\d{1,2})\s?(?P<sep>[/.\-])\s?(?P<m>\d{1,2})\s?(?P=sep)\s?(?P<y>\d{4})(?!\d)"
_TIME = (r"(?<![\d:])(?P<H>\d{1,2})\s?[:hH]\s?(?P<M>\d{2})(?:\s?:\s?(?P<S>\d{2}))?(?![\d:])"
         r"(?:\s*(?P<ap>[AaPp]\.?\s?[Mm]\.?(?![A-Za-z])|SA(?![A-Za-z])|CH(?![A-Za-z])|s[áa]ng|chi[ềe]u|t[ốo]i|tr[ưu]a))?")

DMY_RE = re.compile(_DATE)
_TIME_AFTER_RE = re.compile(r"\s*(?:[,\-–—|]\s*)?(?:(?:v[àa]o\s+)?l[úu]c:?\s*)?(?:\(\s*)?" + _TIME, re.I)
_TIME_BEFORE_RE = re.compile(_TIME + r"\s*(?:[,\-–—|]\s*)?(?:ng[àa]y:?\s*)?" + _WD + r"?$", re.I)
_WD_BEFORE_RE = re.compile(_WD + r"(?:ng[àa]y\s*:?\s*)?$", re.I)
_ISO_RE = re.compile(
    r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?(?!\d)"
)
_VN_MONTHS = {"một": 1, "giêng": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
              "chín": 9, "mười": 10, "mười một": 11, "mười hai": 12, "chạp": 12}
# "ngày 3 tháng 9 năm 2020", "07 Tháng 9 2020" (Joomla vi-VN), "07 Tháng Chín 2020", "3 tháng 9, 2020"
_VN_LONG_RE = re.compile(
    r"(?:ng[àa]y\s+)?(?<!\d)(?P<d>\d{1,2})\s+th[áa]ng\s+(?P<m>\d{1,2}|mười\s+một|mười\s+hai|mười|một|giêng|hai|ba|"
    r"tư|bốn|năm|sáu|bảy|tám|chín|chạp)\s*(?:,\s*(?:n[ăa]m\s+)?|n[ăa]m\s+|(?=\d))(?P<y>\d{4})(?!\d)",
    re.I,
)
# dateparser only for text that names a date (a word or a 4-digit year): never for "1" or "12 - 13". The English
# months as dateparser's English dictionary writes them, whole words ("Martina", "Julia", "Decent" are no
# months), and "hôm" as a word ("Thomas", "Home" hold no "hôm"): dateparser reads no date from a string
# whose only hint was such a word (tests/test_extract_generic_speed.py)
_RELATIVE_HINT_RE = re.compile(
    r"(?<![\d.])(?:19|20)\d{2}(?![\d.])|tr[ưu][ớo]c|\bh[ôo]m\b|\bqua\b|\bnay\b|v[ừu]a|\bago\b|yesterday|today|\bnow\b|"
    r"tu[ầa]n|th[áa]ng|n[ăa]m|gi[ờo]|ph[úu]t|gi[âa]y|\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|"
    r"june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|"
    r"\b(?:hours?|minutes?|days?|weeks?|months?|years?)\b",
    re.I,
)

# labels that precede dates in metadata lines
DATE_LABEL_RE = re.compile(
    r"^(?:ng[àa]y\s+(?:đăng|đưa\s+tin|xu[ấa]t\s+b[ảa]n|c[ậa]p\s+nh[ậa]t|ban\s+h[àa]nh)|"
    r"(?:được\s+)?(?:đăng|viết|xuất\s+bản|cập\s+nhật)\s+(?:ng[àa]y|l[úu]c|v[àa]o)|"
    r"c[ậa]p\s+nh[ậa]t(?:\s+l[úu]c)?|được\s+đăng|đăng|th[ờo]i\s+gian(?:\s+đăng)?|"
    r"posted(?:\s+on)?|published(?:\s+on)?|updated(?:\s+on)?|date|ng[àa]y)\s*[:\-]?\s*",
    re.I,
)

_dateparser = None
_dateparser_failed = False


def _get_dateparser():
    global _dateparser, _dateparser_failed
    if _dateparser is None and not _dateparser_failed:
        try:
            import dateparser  # noqa: WPS433 (lazy: import is slow)

            _dateparser = dateparser
        except Exception:  # pragma: no cover
            _dateparser_failed = True
    return _dateparser


def _aware_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(VN_TZ)
    if now.tzinfo is None:
        return now.replace(tzinfo=VN_TZ)  # naive "now" is taken as local portal time
    return now


def _mk(y, m, d, H=0, M=0, S=0, ap=None) -> datetime | None:
    try:
        y, m, d = int(y), int(m), int(d)
        H, M, S = int(H or 0), int(M or 0), int(S or 0)
    except (TypeError, ValueError):
        return None
    if ap:
        a = ap.lower().replace(".", "").replace(" ", "")
        if H <= 12:
            if a.startswith("p") or a in ("ch", "chiều", "chieu", "tối", "toi"):
                if H < 12:
                    H += 12
            elif a.startswith("a") or a in ("sa", "sáng", "sang"):
                if H == 12:
                    H = 0
    if m > 12 and d <= 12:
        d, m = m, d
    if not (1900 <= y <= 2100):
        return None
    try:
        return datetime(y, m, d, H, M, S, tzinfo=VN_TZ)
    except ValueError:
        return None


class DateMatch:
    __slots__ = ("start", "end", "dt")

    def __init__(self, start: int, end: int, dt: datetime):
        self.start, self.end, self.dt = start, end, dt


def _time_groups(m):
    return m.group("H"), m.group("M"), m.group("S"), m.group("ap")


def match_date(s: str) -> DateMatch | None:
    """Fast path: find the first portal-format date (with adjacent time) in ``s``."""
    if not s:
        return None
    # ISO 8601
    m = _ISO_RE.search(s)
    dm = DMY_RE.search(s)
    if m and (dm is None or m.start() <= dm.start()):
        dt = _mk(m.group("y"), m.group("m"), m.group("d"), m.group("H"), m.group("M"), m.group("S"))
        if dt is not None:
            tz = m.group("tz")
            if tz:
                if tz == "Z":
                    off = timezone.utc
                else:
                    sign = -1 if tz[0] == "-" else 1
                    digits = tz[1:].replace(":", "")
                    hh, mm = int(digits[:2]), int(digits[2:4] or 0)
                    off = timezone(sign * timedelta(hours=hh, minutes=mm))
                dt = dt.replace(tzinfo=off)  # the publisher's own offset is kept (issue 8)
            return DateMatch(m.start(), m.end(), dt)
    found = _with_time(s, dm) if dm else None
    if found is None and (vm := _VN_LONG_RE.search(s)):
        found = _with_time(s, vm)
    return found


def _with_time(s: str, m) -> DateMatch | None:
    """A day match widened to the time after it (or before it) and a weekday name before it."""
    start, end = m.start(), m.end()
    H = M = S = ap = None
    tm = _TIME_AFTER_RE.match(s, end)
    if tm:
        H, M, S, ap = _time_groups(tm)
        end = tm.end()  # a closing parenthesis opened after the date is not ours; leave it
    else:
        tb = _TIME_BEFORE_RE.search(s[:start])
        if tb:
            H, M, S, ap = _time_groups(tb)
            start = tb.start()
    wd = _WD_BEFORE_RE.search(s[:start])
    if wd:
        start = wd.start()
    mo = m.group("m")
    if not mo.isdigit():
        mo = _VN_MONTHS.get(" ".join(mo.lower().split()))
    dt = _mk(m.group("y"), mo, m.group("d"), H, M, S, ap)
    return DateMatch(start, end, dt) if dt is not None else None


_NAMED_ZONE_RE = re.compile(r"(?<![A-Za-z])(?:UTC|GMT|Z)(?![A-Za-z])|\d\s?[+-]\d{2}:?\d{2}\b|\b(?:[ECMP][SD]T|CET|CEST|BST|ICT)\b")


_EN_MONTHS = {name: i + 1 for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec"))) for name in names}
_EN_MON = (r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november|december|"
           r"(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?)")
_EN_DAY = r"(?P<d>0?[1-9]|[12]\d|3[01])"
_EN_YEAR = r"(?P<y>(?:19[89]|20\d)\d)"
# an English date and nothing else, as news sites print it: "March 5, 2014", "Aug. 16, 2020", "Oct 30 2020",
# "24 September 2019", "09 Oct 2018", "5. November 2021" (tests/test_extract_shortcuts.py: the same
# datetime as dateparser's for every month name and form, invalid days included). Years 1980-2099 only:
# the offset is then +07:00 in every tz database (Viet Nam's last change was in 1975).
_EN_DATE_RES = (re.compile(_EN_MON + " " + _EN_DAY + ",? " + _EN_YEAR, re.I),
                re.compile(_EN_DAY + r"\.? " + _EN_MON + ",? " + _EN_YEAR, re.I))


def english_date(s: str) -> tuple[bool, datetime | None]:
    """(True, dateparser's reading) for a string that is an English date and nothing else (None for a day
    the month lacks); (False, None) for anything else."""
    for rx in _EN_DATE_RES:
        m = rx.fullmatch(s)
        if m is not None:
            month = _EN_MONTHS.get(m.group("mon").lower().rstrip("."))
            if month is None:  # (re.I lets "ſ", "İ" stand for s and i: dateparser's to read)
                return False, None
            try:
                return True, datetime(int(m.group("y")), month, int(m.group("d")), tzinfo=VN_TZ)
            except ValueError:
                return True, None
    return False, None


def dateparser_parse(s: str, now: datetime) -> datetime | None:
    if len(s) > 120 or not _RELATIVE_HINT_RE.search(s):
        return None
    known, dt = english_date(s)  # the common English forms read here: dateparser takes ~1 ms a string
    return dt if known else _dateparser_parse(s, now)


# dateparser takes about a millisecond a string, and a page asks the same string again from nested elements
# ("von Martina Scharmann" from a span, its paragraph and its div): the last 64 remembered by (text, now).
# extract_record passes one ``now`` per page (its capture time, else the time of the call), so a page's
# repeats hit and another page's strings do not.
@lru_cache(maxsize=64)
def _dateparser_parse(s: str, now: datetime) -> datetime | None:
    dp = _get_dateparser()
    if dp is None:
        return None
    settings = dict(DATEPARSER_SETTINGS_BASE)
    settings["RELATIVE_BASE"] = now.astimezone(VN_TZ).replace(tzinfo=None)
    if _NAMED_ZONE_RE.search(s):
        del settings["TIMEZONE"]  # the text names its zone: dateparser keeps it (TIMEZONE would convert)
    try:
        dt = dp.parse(s, languages=DATEPARSER_LANGUAGES, settings=settings)
    except Exception:
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=VN_TZ)  # naive: portal time
    return dt  # an offset the text names is kept


def parse_date(raw: str, *, now: datetime | None = None) -> datetime | None:
    """Parse a date string as printed on a Vietnamese portal (day-first).

    Returns an aware datetime in Asia/Ho_Chi_Minh, or None (unparseable or later than ``now``).
    """
    if not raw or not isinstance(raw, str):
        return None
    s = nfc(collapse(raw))
    if not s:
        return None
    nowa = _aware_now(now)
    m = match_date(s)
    dt = m.dt if m is not None else dateparser_parse(s, nowa)
    if dt is None:
        return None
    if dt > nowa:
        return None
    return dt


def find_date_span(text: str, *, now: datetime | None = None, allow_fallback: bool = False
                   ) -> tuple[str | None, datetime | None]:
    """Find a date inside a longer text; return (raw substring, parsed)."""
    if not text:
        return None, None
    s = collapse(text)
    m = match_date(s)
    if m is not None:
        raw = s[m.start:m.end].strip(" ,-–—|")
        if raw.startswith("(") and not raw.endswith(")"):
            raw = raw[1:].strip()
        dt = m.dt
        if dt > _aware_now(now):
            return raw, None
        return raw, dt
    if allow_fallback and len(s) <= 60:
        raw = strip_date_label(s)
        dt = parse_date(raw, now=now)
        if dt is not None:
            return raw, dt
    return None, None


def strip_date_label(s: str) -> str:
    s = collapse(s).strip(" ()[]")
    prev = None
    while prev != s:
        prev = s
        s = DATE_LABEL_RE.sub("", s, count=1).strip(" ()[]:|-")
    return s


def to_iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.isoformat()


# --------------------------------------------------------------------------- page helper

_PAREN_DATE_TAIL_RE = re.compile(
    r"[\(\[]\s*((?:" + _WD + r")?\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}[^()\[\]]{0,24}|\d{4}-\d{2}-\d{2}[^()\[\]]{0,20})\s*[\)\]]\s*$",
    re.I,
)
_DATE_HINT_RE = re.compile(r"date|time|ngay|thoigian|thoi-gian|posted|publish|created|meta|info", re.I)
_META_DATE_XPATH = (
    "//meta[@property='article:published_time' or @name='article:published_time'"
    " or @itemprop='datePublished' or @name='pubdate' or @name='publishdate'"
    " or @name='publish-date' or @name='date' or @name='DC.date.issued' or @name='dc.date.issued'"
    " or @name='DC.date' or @name='dc.date' or @name='DC.date.created' or @property='og:published_time']"
    "/@content"
)


def heading_date(heading_text: str) -> tuple[str | None, str]:
    """Return (raw parenthesised date, heading text without it)."""
    m = _PAREN_DATE_TAIL_RE.search(heading_text or "")
    if not m:
        return None, heading_text
    return collapse(m.group(1)), heading_text[: m.start()].rstrip(" -–—|,:")


def _short_text(el, limit=140) -> str | None:
    n = 0
    parts = []
    for t in el.itertext():
        n += len(t)
        if n > limit * 3:
            return None
        parts.append(t)
    s = collapse(" ".join(parts))
    if len(s) > limit:
        return None
    return s


_MODIFIED_CLASS_RE = re.compile(r"(?:^|[\s_-])(?:updated|modified|date-?modified|last-?modified)(?:$|[\s_-])", re.I)


def is_modified_el(el) -> bool:
    """A machine-marked modification date (schema.org dateModified, WordPress ``time.updated``)."""
    ip = el.get("itemprop")
    if ip and "datemodified" in ip.lower():
        return True
    cls = el.get("class")
    return bool(cls) and bool(_MODIFIED_CLASS_RE.search(cls)) and "published" not in cls.lower()


_FAR_FUTURE = datetime(2100, 12, 31, tzinfo=timezone.utc)


def _is_future(raw: str, now) -> bool:
    return parse_date(raw, now=_FAR_FUTURE) is not None and parse_date(raw, now=now) is None


def _date_from_element(el, now) -> tuple[str | None, datetime | None]:
    if el.tag == "time" or el.get("datetime"):
        raw = _short_text(el) or ""
        rawdt, dt = find_date_span(raw, now=now, allow_fallback=True)
        attr = el.get("datetime")
        if dt is not None:
            if attr and dt.hour == 0 and dt.minute == 0:
                # the printed date has no time; the machine-readable one of the same day may
                full = parse_date(attr, now=now)
                if full is not None and full.date() == dt.date():
                    return rawdt, full
            return rawdt, dt
        if attr:
            dt = parse_date(attr, now=now)
            if dt is not None:
                return attr.strip(), dt
        return None, None
    s = _short_text(el)
    if not s:
        return None, None
    times = [x for x in el.iter("time") if x.get("datetime")]
    # WordPress/schema.org print the modification time next to the publication time: take the latter
    tm = next((x for x in times if not is_modified_el(x)), times[0] if times else None)
    if tm is not None:
        raw, dt = _date_from_element(tm, now)
        if dt is not None:
            return raw, dt
    raw, dt = find_date_span(s, now=now, allow_fallback=True)
    if raw is None:
        return None, None
    # the element must be mostly the date ("Ngày đăng: 03/09/2020", "| Lượt xem: 12" is fine)
    rest = collapse(s.replace(raw, " "))
    rest = re.sub(r"l[ưu][ợo]t\s+(?:xem|đọc)\s*:?\s*\d+|\d+\s+l[ưu][ợo]t\s+xem", " ", rest, flags=re.I)
    rest = strip_date_label(rest)
    if len(rest) > 40:
        return None, None
    return raw, dt


_DATE_HOLDER_TAGS = ("p", "div", "span", "td", "time", "em", "i", "small", "font", "h4", "h5", "h6", "li")


def _reverse_subtree(el):
    """``el``'s subtree in reverse document order (its last descendant first, ``el`` last)."""
    for child in reversed(el):
        yield from _reverse_subtree(child)
    yield el


def preceding_elements(el, n: int) -> list:
    """XPath's ``preceding::*[position() <= n]`` nearest first (elements before ``el`` in the page, not its
    ancestors), found by walking back from ``el``: libxml2 gathers the whole axis, the whole page above it."""
    return _nearby_elements(el, n, preceding=True)


def following_elements(el, n: int) -> list:
    """XPath's ``following::*[position() <= n]`` (elements after ``el``'s end, in page order), found by
    walking on from ``el`` instead of gathering the whole axis."""
    return _nearby_elements(el, n, preceding=False)


def _nearby_elements(el, n: int, *, preceding: bool) -> list:
    """The first ``n`` elements met walking from ``el`` over its and its ancestors' siblings, backwards
    (each sibling's subtree last element first) or forwards (in page order)."""
    out = []
    cur = el
    while cur is not None:
        for sib in cur.itersiblings(preceding=preceding):
            for e in (_reverse_subtree(sib) if preceding else sib.iter()):
                if isinstance(e.tag, str):
                    out.append(e)
                    if len(out) >= n:
                        return out
        cur = cur.getparent()
    return out


def _date_before(el, n: int, now):
    """(raw, datetime) of the nearest of the ``n`` elements before ``el`` that holds a date, or None."""
    for prev in preceding_elements(el, n):
        if prev.tag in _DATE_HOLDER_TAGS:
            raw, dt = _date_from_element(prev, now)
            if dt is not None:
                return raw, dt
    return None


def find_published_date(root, *, heading=None, heading_text: str | None = None, content_text: str | None = None,
                        now: datetime | None = None, extra_elements=(), content_el=None
                        ) -> tuple[str | None, datetime | None]:
    """Publication date of a page: (raw as printed, parsed) or (None, None).

    Order: the heading's parenthesised date; date-like elements near the heading; meta
    ``article:published_time`` / ``itemprop=datePublished``; the first day-first date in the content.
    """
    # 1. heading suffix "(03/09/2020 07:55 AM)"
    if heading_text:
        raw, _ = heading_date(heading_text)
        if raw:
            dt = parse_date(raw, now=now)
            if dt is not None:
                return raw, dt
            if _is_future(raw, now):
                return raw, None  # the page's own date is later than the capture: no date, not a guess
    # 2. date-like elements near the heading
    if heading is not None:
        try:
            for el in heading.iterdescendants():
                if isinstance(el.tag, str) and (el.tag == "time" or _DATE_HINT_RE.search(
                        (el.get("class") or "") + " " + (el.get("id") or ""))):
                    raw, dt = _date_from_element(el, now)
                    if dt is not None:
                        return raw, dt
            following = following_elements(heading, 40)
            seen_text = 0
            modified = None  # a "dateModified"/"updated" time: only when no publication date follows
            for el in following:
                if not isinstance(el.tag, str) or el.tag in ("script", "style"):
                    continue
                if el.tag in ("p", "div", "span", "td", "time", "em", "i", "small", "li", "font", "h4", "h5", "h6", "strong", "b"):
                    if is_modified_el(el):
                        if modified is None:
                            raw, dt = _date_from_element(el, now)
                            if dt is not None:
                                modified = (raw, dt)
                        continue
                    raw, dt = _date_from_element(el, now)
                    if dt is not None:
                        return raw, dt
                    if raw is not None and _is_future(raw, now):
                        return raw, None
                if el.text:
                    seen_text += len(el.text.strip())
                if seen_text > 400:
                    break
            if modified is not None:
                return modified
            found = _date_before(heading, 8, now)
            if found is not None:
                return found
        except Exception:
            pass
    for el in extra_elements:
        raw, dt = _date_from_element(el, now)
        if dt is not None:
            return raw, dt
    if heading is None and content_el is not None:
        try:
            found = _date_before(content_el, 12, now)
            if found is not None:
                return found
        except Exception:
            pass
    # 3. metadata
    if root is not None:
        try:
            vals = root.xpath(_META_DATE_XPATH)
            vals += root.xpath("//*[@itemprop='datePublished']/@datetime | //time[@pubdate]/@datetime")
        except Exception:
            vals = []
        for v in vals:
            v = collapse(v)
            dt = parse_date(v, now=now)
            if dt is not None:
                return v, dt
    # 4. first date in the content
    if content_text:
        raw, dt = find_date_span(content_text[:20000], now=now)
        if dt is not None:
            return raw, dt
    return None, None
