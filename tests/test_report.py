"""``portal-archive report``: one self-contained HTML file whose charts render in headless Chromium with no
network and no console error. Screenshots of every chart are kept under tests/artifacts/report/."""
from __future__ import annotations

import re

from PIL import Image

from research.report import collect
from tests.chromium import Chromium, artifacts_dir
from tests.conftest import run_cli

CHARTS = ("per-month", "per-section", "completeness", "media", "errors", "snapshots")


def _ink(png) -> float:
    """Share of the pixels that are not (near) white."""
    histogram = Image.open(png).convert("L").histogram()
    return sum(histogram[:235]) / sum(histogram)


def test_report_renders_every_chart_offline(mutated_history):
    archive, _, k = mutated_history
    shots = artifacts_dir("report")
    print(f"\nreport and screenshots: {shots}")
    out = shots / "report.html"
    proc = run_cli("report", "--archive", str(archive), "--out", str(out))
    assert str(out) in proc.stdout
    text = out.read_text(encoding="utf-8")
    # nothing fetched from elsewhere: no external script, stylesheet or image
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", text)
    with Chromium() as browser:
        browser.goto(out.as_uri())
        assert browser.errors == []
        assert all(u.startswith(("file:", "data:", "blob:")) for u in browser.requests), browser.requests
        ids = browser.eval("[...document.querySelectorAll('.js-plotly-plot')].map(e => e.id)")
        assert ids == [f"chart-{c}" for c in CHARTS]
        for chart in CHARTS:
            box = browser.element_box(f"#chart-{chart}")
            assert box["width"] > 300 and box["height"] > 300, (chart, box)
            png = browser.screenshot(shots / f"{chart}.png", clip=box)
            assert _ink(png) > 0.02, f"chart {chart} looks blank"
            # plotly drew data (bars, heatmap cells or lines), not only axes
            assert browser.eval(f"document.querySelectorAll('#chart-{chart} .trace, #chart-{chart} .hm').length") > 0
        assert browser.errors == []
        # a window narrowed to a few pixels and back (a user resizing it; a screenshot tool's transient
        # viewport, which made plotly write "-Infinity" into an axis title under load): still no error
        for width in (1, 1280):
            browser.send("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": 1024, "deviceScaleFactor": 1, "mobile": False})
            browser.eval("new Promise(r => setTimeout(r, 300))", await_promise=True)
        assert browser.errors == []
    data = collect(archive)
    history = data["snapshots"]
    assert len(history) == 3 and (history[-1][6], history[-1][7], history[-1][9]) == (k, k, k)
    assert sum(n for _, _, n in data["per_month"]) == sum(t[2] for t in data["totals"])
