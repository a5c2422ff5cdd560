"""The section of a page: the breadcrumb's last item that is not the title, article:section, the selected
navigation item."""
from __future__ import annotations

import re

from .locate import norm_cmp
from .text import clean_text


def find_section(crumbs, title, meta, nav_sel):
    items = [c for c in crumbs if c]
    if items:
        tn = norm_cmp(title) if title else ""
        while items:
            last = items[-1]
            ln = norm_cmp(last.rstrip(". …"))
            truncated = last.rstrip().endswith(("...", "…"))
            if tn and ln and (ln == tn or ln.startswith(tn) or len(last) > 90 or (
                    tn.startswith(ln) and (truncated or len(ln) >= 0.6 * len(tn)))):
                items.pop()
                continue
            break
        if items:
            s = clean_text(items[-1])
            if s and not re.match(r"(?i)^(trang\s+chủ|trang\s+nhất|trang\s+chính|home)$", s):
                return s
            return None
    sec = clean_text(meta.get("article:section") or "")
    if sec:
        return sec
    if nav_sel:
        return clean_text(nav_sel)
    return None
