"""docs/settings.md documents every PORTAL_* setting, with the default crawler/settings.py gives it."""
from __future__ import annotations

import re
from pathlib import Path

import crawler.settings as settings

DOC = (Path(__file__).resolve().parents[1] / "docs" / "settings.md").read_text(encoding="utf-8")


def test_every_portal_setting_has_a_row_with_its_default():
    names = [n for n in dir(settings) if n.startswith("PORTAL_")]
    assert len(names) >= 10
    for name in names:
        row = re.search(rf"^\| `{name}` \| `([^`]*)` \| (.+) \|$", DOC, re.M)
        assert row, f"{name} is not documented in docs/settings.md"
        assert row.group(1) == str(getattr(settings, name)), (name, row.group(1))
        assert len(row.group(2)) > 20, name
