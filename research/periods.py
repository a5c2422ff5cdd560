"""The dates users type in ``--since`` / ``--until`` (``search``, ``export``): day first, as Vietnamese dates are
written, or ISO; a month or a year stands for the whole of it."""
from __future__ import annotations

import datetime as dt
import re

FORMS_HELP = "DD/MM/YYYY, MM/YYYY, YYYY, YYYY-MM-DD or YYYY-MM"

_FORMS = (  # (pattern, groups → (year, month, day, unit))
    (re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})"), lambda d, _sep, m, y: (int(y), int(m), int(d), "day")),
    (re.compile(r"(\d{1,2})/(\d{4})"), lambda m, y: (int(y), int(m), 1, "month")),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), lambda y, m, d: (int(y), int(m), int(d), "day")),
    (re.compile(r"(\d{4})-(\d{1,2})"), lambda y, m: (int(y), int(m), 1, "month")),
    (re.compile(r"(\d{4})"), lambda y: (int(y), 1, 1, "year")),
)


def parse_period(value: str, *, end: bool = False) -> dt.date:
    """The first day of the period ``value`` names, or its last day with ``end=True`` (so ``--until 2020``
    includes all of 2020). ``DD/MM/YYYY`` (also ``DD-MM-YYYY``, ``DD.MM.YYYY``), ``MM/YYYY``, ``YYYY-MM-DD``,
    ``YYYY-MM`` or ``YYYY``; ValueError naming the forms for anything else (``31/02/2020`` included)."""
    for pattern, parts in _FORMS:
        m = pattern.fullmatch(value.strip())
        if not m:
            continue
        y, mo, d, unit = parts(*m.groups())
        try:
            start = dt.date(y, mo, d)
        except ValueError:
            break
        if not end or unit == "day":
            return start
        nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1) if unit == "month" else dt.date(y + 1, 1, 1)
        return nxt - dt.timedelta(days=1)
    raise ValueError(f"cannot read the date {value!r}: use {FORMS_HELP}")
