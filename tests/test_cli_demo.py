"""``crawl --demo`` as a user runs it: a relative archive folder, the summary, sample rows, exit code."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_demo_crawl_into_a_relative_folder(tmp_path):
    env_path = f"{ROOT}"
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "crawl", "--demo", "--archive", "rel-archive", "--articles", "40",
         "--samples", "3", "-s", "PORTAL_PROGRESS_INTERVAL=0"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for word in ("Snapshot", "Pages", "Errors", "Duration", "articles", "documents", "static_pages"):
        assert word in proc.stdout
    samples = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(samples) == 3 and all(s["title"] and s["url"] for s in samples)
    archive = tmp_path / "rel-archive"
    assert (archive / "_archive.json").is_file() and not (archive / "rel-archive").exists()
    verify = subprocess.run([sys.executable, "-m", "cli.main", "verify", "--archive", "rel-archive"], cwd=tmp_path,
                            capture_output=True, text=True, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    assert verify.returncode == 0, verify.stdout


def test_crawl_refuses_a_foreign_folder_before_fetching(tmp_path):
    (tmp_path / "notes.txt").write_text("not an archive")
    proc = subprocess.run([sys.executable, "-m", "cli.main", "crawl", "http://127.0.0.1:9/", "--archive", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "not empty" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
