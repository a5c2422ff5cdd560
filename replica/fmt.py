"""Date strings as the portal prints them, and the ISO form of the truth."""
from __future__ import annotations

from datetime import datetime


def raw_date(d: datetime) -> str:
    """``dd/MM/yyyy hh:mm a`` with English AM/PM (Java SimpleDateFormat, English fallback locale)."""
    h12 = d.hour % 12 or 12
    return f"{d:%d/%m/%Y} {h12:02d}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'}"


def list_date(d: datetime) -> str:
    return f"({d:%d/%m/%Y})"


def iso(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"
