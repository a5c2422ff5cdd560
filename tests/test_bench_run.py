"""make bench: a part that fails becomes a FAILED row; the other parts run, the table and the JSON are still
written, and the command exits non-zero."""
from __future__ import annotations

import contextlib
import json

import pytest

import bench.run
from bench.table import row


def test_a_failing_part_becomes_a_row_and_the_table_is_still_printed(monkeypatch, tmp_path, capsys):
    def crawl_fails(*args, **kwargs):
        raise SystemExit("bench: crawl failed with exit code 2")

    def figure(name):
        return lambda *args, **kwargs: [row(name, 2.0, 1.0, target=">= 1x", met=True)]

    monkeypatch.setattr(bench.run, "replica_process", lambda *a, **k: contextlib.nullcontext("http://127.0.0.1:1"))
    monkeypatch.setattr(bench.run, "bench_extraction", figure("extraction"))
    monkeypatch.setattr(bench.run, "bench_quality", lambda *a, **k: {})
    monkeypatch.setattr(bench.run, "bench_crawl", crawl_fails)
    parts = ("bench_wacz", "bench_memory", "bench_search", "bench_sites", "bench_hostile", "bench_redis_scale")
    for name in parts:
        monkeypatch.setattr(bench.run, name, figure(name))
    out = tmp_path / "results.json"
    assert bench.run.main(["--quick", "--output", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "crawl: FAILED: bench: crawl failed with exit code 2" in printed
    assert "bench_hostile" in printed and "; FAILED: crawl\n" in printed  # the parts after it still ran
    assert "search 0s (beside extraction)" in printed  # run in a process of its own, its rows and time back here
    results = json.loads(out.read_text(encoding="utf-8"))
    rows = results["rows"]
    # each part's wall time, the failed one too (the run must stay under 10 minutes: where it goes)
    assert set(results["parts"]) == {"extraction", "crawl", "wacz", "memory and re-crawl", "search", "sites",
                                     "redis scale-out", "hostile"}
    assert [r["measure"] for r in rows if r.get("failed")] == ["crawl: FAILED: bench: crawl failed with exit code 2"]
    assert len(rows) == 3 + len(parts)  # extraction, the failed crawl, one row per other part, the run's own time
    assert rows[-1]["measure"] == "make bench --quick itself, start to table" and rows[-1]["target"] == "< 600 s"
    assert rows[-1]["met"] is (rows[-1]["ours"] < 600)


@pytest.mark.parametrize("argv", [["--articles", "100", "--small", "200"], ["--articles", "100", "--small", "0"],
                                  ["--articles", "3"]])
def test_memory_bench_refuses_sizes_it_cannot_compare(argv, capsys):
    """``python -m bench.memory`` stops with argparse's one usage line (exit 2) before starting any replica."""
    from bench.memory import main

    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2
    assert "--small a number of articles between 1 and --articles" in capsys.readouterr().err


def test_parts_run_beside_the_extraction_come_back_with_their_rows_output_and_time(capsys):
    """run_beside: the side parts run in a forked process while this one works; their rows, printed lines and
    wall times come back; a part that raises is a FAILED row and the next one still runs."""
    import os

    def extraction():
        return {"extraction": [row("extraction", 6.0, 1.0, met=True)], "pid": os.getpid()}

    def search(n):
        print(f"search of {n} records in process {os.getpid()}")
        return [row("search", float(n), met=True)]

    def hostile():
        raise RuntimeError("replica --hostile did not start")

    seconds = {}
    got = bench.run.run_beside(extraction, [("search", search, (20,)), ("hostile", hostile, ())], seconds)
    printed = capsys.readouterr().out
    assert got["extraction"][0]["measure"] == "extraction" and got["search"][0]["measure"] == "search"
    assert got["hostile"][0]["failed"] and "replica --hostile did not start" in got["hostile"][0]["measure"]
    assert set(seconds) == {"search", "hostile"}
    child = int(printed.split("search of 20 records in process ")[1].split()[0])
    assert child != got["pid"]  # not this process


def test_a_side_process_that_dies_leaves_a_failed_row_per_part(capsys):
    import os

    def dies():
        os._exit(9)

    seconds = {}
    got = bench.run.run_beside(lambda: {"extraction": []}, [("search", dies, ()), ("wacz", dies, ())], seconds)
    assert [r["measure"] for r in got["search"] + got["wacz"]] == [
        f"{name}: FAILED: the process running it ended with exit code 9" for name in ("search", "wacz")]
