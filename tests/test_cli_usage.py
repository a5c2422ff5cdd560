"""The obvious mistakes of a newcomer, command by command: one line saying what is wrong and what to do, the
README's exit code, nothing half-written; and what the README promises about the date forms."""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import subprocess
import sys

import pytest

from archive import connect
from cli.main import main
from tests.conftest import ROOT, run_cli


def one_line(capsys, code: int, args: list[str]) -> str:
    """Run ``portal-archive ARGS`` in this process: it exits ``code`` with one line on stderr and no traceback."""
    assert main(args) == code, capsys.readouterr()
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err.strip()


def no_temp_left(folder) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")]


@pytest.fixture(scope="module")
def failed_archive(tmp_path_factory):
    """An archive whose only crawl failed at the home page (a closed port): no records."""
    archive = tmp_path_factory.mktemp("failed") / "archive"
    run_cli("crawl", "http://127.0.0.1:9/", "--archive", str(archive), "-s", "DOWNLOAD_TIMEOUT=2", check=False)
    assert (archive / "_archive.json").is_file()
    return archive


def test_export_reads_the_date_forms_search_reads(crawled, tmp_path, capsys):
    """``--since 2021 --until 03/2021`` means 1 January to 31 March 2021 in both commands (export refused them)."""
    archive, _ = crawled
    out = tmp_path / "q1"
    assert main(["export", "--archive", str(archive), "--format", "jsonl", "--out", str(out), "--kind", "document",
                 "--since", "2021", "--until", "03/2021", "-q"]) == 0
    days = [json.loads(line)["issued_on"] for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    con = connect(archive)
    try:
        expected = con.execute("SELECT count(*) FROM documents_latest WHERE issued_on BETWEEN '2021-01-01' AND "
                               "'2021-03-31'").fetchone()[0]
    finally:
        con.close()
    assert days and len(days) == expected and all("2021-01-01" <= d <= "2021-03-31" for d in days)
    line = one_line(capsys, 2, ["search", "ban", "--archive", str(archive), "--since", "2021", "--until", "2019"])
    assert "--since 2021 is after --until 2019" in line
    line = one_line(capsys, 2, ["export", "--archive", str(archive), "--format", "csv", "--out", str(tmp_path / "x"),
                                "--since", "31/02/2020"])
    assert "is not a date" in line and "MM/YYYY" in line and not (tmp_path / "x").exists()


def test_export_refuses_an_unknown_section_and_an_empty_selection(crawled, tmp_path, capsys):
    archive, _ = crawled
    base = ["export", "--archive", str(archive), "--format", "jsonl", "-q"]
    line = one_line(capsys, 2, [*base, "--out", str(tmp_path / "a"), "--section", "Không có mục này"])
    assert "no section 'Không có mục này'" in line and "Tin tức sự kiện" in line
    line = one_line(capsys, 2, [*base, "--out", str(tmp_path / "b"), "--kind", "schedule", "--since", "2099"])
    assert "matches --kind schedules --since 2099-01-01: nothing to export" in line
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    no_temp_left(tmp_path)


def test_an_archive_without_records(failed_archive, tmp_path, capsys):
    """A crawl that failed at the home page: export says there is nothing, diff that there is nothing to compare."""
    line = one_line(capsys, 2, ["export", "--archive", str(failed_archive), "--format", "wxr", "--out",
                                str(tmp_path / "wp")])
    assert "has no records in its latest state" in line and "portal-archive snapshots" in line
    assert not (tmp_path / "wp").exists()
    no_temp_left(tmp_path)
    line = one_line(capsys, 2, ["diff", "previous", "latest", "--archive", str(failed_archive)])
    assert "'previous' needs 2 snapshots and the archive has 1" in line
    assert "portal-archive snapshots lists them" in one_line(capsys, 2, ["diff", "nope", "latest", "--archive",
                                                                         str(failed_archive)])
    from archive.lock import ArchiveLock

    with ArchiveLock(failed_archive, "crawl"):  # a first crawl still running: not "no records"
        line = one_line(capsys, 2, ["export", "--archive", str(failed_archive), "--format", "csv", "--out",
                                    str(tmp_path / "csv")])
    assert "has no records yet: pid" in line and "(portal-archive crawl" in line
    assert line.endswith("export when it has finished")
    line = one_line(capsys, 2, ["package", "--wacz", "--archive", str(failed_archive), "-o", str(tmp_path / "p.wacz")])
    assert "no complete snapshot to package" in line and not (tmp_path / "p.wacz").exists()


@pytest.mark.parametrize("command, option, suffix", [(["report"], "--out", ".html"),
                                                     (["package", "--wacz"], "-o", ".wacz")])
def test_report_and_package_refuse_an_output_that_cannot_be_their_file(crawled, tmp_path, capsys, command, option,
                                                                       suffix):
    archive, _ = crawled
    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    run = [*command, "--archive", str(archive), option]
    assert "is a folder: give a file name" in one_line(capsys, 2, [*run, str(tmp_path)])
    assert f"{mine} is a file, not a folder" in one_line(capsys, 2, [*run, str(mine / f"x{suffix}")])
    assert f"is not a {suffix} file" in one_line(capsys, 2, [*run, str(mine)])
    assert mine.read_text() == "mine"
    no_temp_left(tmp_path)


def test_report_names_the_file_it_could_not_write(crawled, tmp_path, capsys, monkeypatch):
    """An OS error while the report is published names --out (it named the hidden temp file), exit 1."""
    import research.report

    def refuse(dest, write):
        raise PermissionError(errno.EACCES, "Permission denied", str(dest.parent / ".tmp-report-0000.tmp"))

    monkeypatch.setattr(research.report, "replace_with", refuse)
    out = tmp_path / "r.html"
    line = one_line(capsys, 1, ["report", "--archive", str(crawled[0]), "--out", str(out)])
    assert line == (f"portal-archive report: Permission denied (nothing was written; free space or choose another "
                    f"place): {out}")


def test_query_without_sql_and_multi_line_errors_are_one_line(crawled, capsys):
    archive = str(crawled[0])
    assert "give the SQL to run" in one_line(capsys, 2, ["query", "--archive", archive, "  "])
    line = one_line(capsys, 2, ["query", "--archive", archive, "SELECT * FROM articlez"])
    assert "articlez does not exist" in line and "Did you mean" in line


def test_a_reader_that_stops_early_is_no_error(crawled):
    """``portal-archive query … | head``: exit 141 like any filter whose reader went away, nothing on stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "query", "--archive", str(crawled[0]), "--format",
                             "jsonl", "SELECT * FROM articles"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.read(200)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141 and err == "", err


def test_period_forms():
    from research.periods import parse_period

    assert parse_period("2020") == dt.date(2020, 1, 1) and parse_period("2020", end=True) == dt.date(2020, 12, 31)
    assert parse_period("02/2024", end=True) == dt.date(2024, 2, 29)
    assert parse_period("12/2024", end=True) == dt.date(2024, 12, 31)
    assert parse_period("5.3.2021") == parse_period("05-03-2021") == parse_period("2021-03-05") == dt.date(2021, 3, 5)
    for bad in ("31/02/2020", "2020-31-12", "yesterday", "13/2020", ""):
        with pytest.raises(ValueError, match="cannot read the date"):
            parse_period(bad)


def test_ctrl_c_inside_a_duckdb_query_is_interrupted_not_unexpected(crawled, tmp_path, capsys, monkeypatch):
    """DuckDB turns a Ctrl-C that lands while it fetches into ``RuntimeError: Query interrupted``: that is exit
    130 and "interrupted" like any Ctrl-C (it was "unexpected RuntimeError", exit 1), and no export is left."""
    import export.collect

    def interrupted(*args, **kwargs):
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(export.collect.Source, "rows", interrupted)
    args = ["export", "--archive", str(crawled[0]), "--format", "jsonl", "--out", str(tmp_path / "x"), "-q"]
    assert one_line(capsys, 130, args) == "interrupted"
    assert not (tmp_path / "x").exists()
    no_temp_left(tmp_path)
    monkeypatch.setattr("research.report.collect", interrupted)
    assert one_line(capsys, 130, ["report", "--archive", str(crawled[0]), "--out", str(tmp_path / "r.html")]) == \
        "interrupted"


@pytest.mark.parametrize("args, message", [
    (["takedown", "--record", "", "--reason", "x"], "give the --record of the record to take down (it is empty)"),
    (["takedown", "--url", " ", "--reason", "x", "--undo"], "give the --url of the record to show again"),
    (["diff", "", "latest"], "give a snapshot id"),
    (["export", "--format", "wxr", "--media-url", "media/"], "--media-url 'media/' is not an http(s) URL"),
    (["export", "--format", "markdown", "--base-url", "moi.example.vn"], "--base-url 'moi.example.vn' is not"),
])
def test_empty_and_malformed_arguments_are_one_line(crawled, tmp_path, capsys, args, message):
    """Each was a traceback-free but wrong outcome: an AttributeError (takedown), 'names 2 snapshots' (diff), a
    WXR whose attachments point nowhere (export)."""
    out = ["--out", str(tmp_path / "x")] if args[0] == "export" else []
    line = one_line(capsys, 2, [*args, "--archive", str(crawled[0]), *out])
    assert message in line, line
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("args, message", [
    (["summary", "--samples", "-1"], "'-1' is not a number of rows"),
    (["crawl", "--demo", "--samples", "x"], "'x' is not a number of rows"),
    # a replica of -5 articles was accepted and crawled as if it were the default
    (["crawl", "--demo", "--articles", "-5"], "'-5' is not a number of articles: give a whole number of 1 or more"),
    (["crawl", "--demo", "--articles", "0"], "'0' is not a number of articles"),
    (["search", "x", "--limit", "0"], "'0' is not a number of hits: give a whole number of 1 or more"),
    # '²' passed isdigit() and reached int(): argparse's "invalid parse value"
    (["search", "x", "--limit", "²"], "'²' is not a number of hits"),
])
def test_counts_must_be_whole_numbers(crawled, tmp_path, capsys, args, message):
    archive = str(crawled[0]) if args[0] == "summary" else str(tmp_path / "new")
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--archive", archive])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "new").exists()  # refused before anything was made


def test_minus_v_shows_the_traceback_in_every_command(crawled, tmp_path, capsys):
    """``portal-archive -v COMMAND``: export, search and diff printed their one line even with -v."""
    from cli.errors import UsageError

    archive = str(crawled[0])
    for args in (["search", "x", "--since", "yesterday"], ["diff", "nope", "latest"]):
        with pytest.raises(UsageError):
            main(["-v", *args, "--archive", archive])
    assert main(["-v", "export", "--archive", str(tmp_path), "--format", "csv", "--out", str(tmp_path / "x")]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_a_full_disk_is_exit_1_naming_the_output(crawled, tmp_path, capsys, monkeypatch):
    """ENOSPC while exporting or packaging: exit 1 (an operating-system error, README's table; export said 2),
    one line naming the output (py-wacz's error came wrapped with its printed progress, over several lines)."""
    import export
    import wacz.main

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / ".tmp-x-1234.tmp"))

    monkeypatch.setattr(export, "write_report", full)
    out = tmp_path / "x"
    line = one_line(capsys, 1, ["export", "--archive", str(crawled[0]), "--format", "csv", "--out", str(out), "-q"])
    assert line.startswith("portal-archive export: No space left on device") and line.endswith(f": {out}")
    assert not out.exists()
    monkeypatch.setattr(wacz.main, "main", full)
    dest = tmp_path / "p.wacz"
    line = one_line(capsys, 1, ["package", "--wacz", "--archive", str(crawled[0]), "-o", str(dest)])
    assert "No space left on device" in line and line.endswith(f": {dest}") and not dest.exists()
    no_temp_left(tmp_path)


def test_a_file_given_as_the_archive(tmp_path, capsys):
    package = tmp_path / "snap.wacz"
    package.write_bytes(b"PK")
    line = one_line(capsys, 2, ["verify", "--archive", str(package)])
    assert "is a file, not an archive folder (a WACZ package: `wacz validate -f FILE` checks one)" in line


def test_a_query_that_starts_with_not_is_refused_not_inverted():
    """``NOT dang`` searched for ``dang`` (the leading NOT was dropped): the opposite of what was asked."""
    from research.query import QueryError, parse

    for query in ("NOT dang", "NOT dang bo", "  NOT  (dang OR bo)"):
        with pytest.raises(QueryError, match="cannot start with NOT"):
            parse(query)
    assert parse("dang NOT bo") == ("not", ("term", "dang", False), ("term", "bo", False))
    assert parse("AND dang OR") == ("term", "dang", False)  # other stray operators at the ends are harmless


def test_a_huge_limit_is_every_hit_not_a_crash(crawled):
    """``search --limit 99999999999`` aborted the process in tantivy (a Rust panic and its backtrace)."""
    proc = run_cli("search", "dang", "--archive", str(crawled[0]), "--limit", "99999999999", "--format", "json")
    hits = json.loads(proc.stdout)
    assert len(hits) > 10 and len({h["record_id"] for h in hits}) == len(hits) and "panicked" not in proc.stderr


def test_reextract_workers_are_bounded_by_the_cores(capsys):
    """``reextract --workers 100000`` would have started that many processes."""
    from cli.tools import WORKERS_PER_CORE
    from pipelines.reextract_jobs import default_workers

    for value, message in (("100000", f"give at most {WORKERS_PER_CORE * default_workers()}"),
                           ("0", "a whole number of 1 or more")):
        with pytest.raises(SystemExit) as exit_:
            main(["reextract", "--archive", "unused", "--workers", value])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and message in err and "Traceback" not in err


def test_query_csv_writes_lists_and_structs_as_json(crawled, capsys):
    import csv
    import io

    assert main(["query", "--archive", str(crawled[0]), "--format", "csv", "SELECT record_id, images, urls_seen "
                 "FROM articles_latest WHERE len(images) > 0 ORDER BY record_id LIMIT 3"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 3
    for row in rows:
        images = json.loads(row["images"])
        assert images and images[0]["url"].startswith("http") and isinstance(json.loads(row["urls_seen"]), list)


def test_every_snapshot_option_reads_what_diff_reads(mutated_history, tmp_path, capsys):
    """``--snapshot previous`` / a unique prefix in summary, search and export (only diff read them)."""
    archive = str(mutated_history[0])
    con = connect(archive)
    try:
        ids = [r[0] for r in con.execute("SELECT snapshot_id FROM snapshots ORDER BY 1").fetchall()]
    finally:
        con.close()
    previous, prefix = ids[-2], ids[-2][:len(ids[-2]) - 3]
    assert sum(i.startswith(prefix) for i in ids) == 1
    assert main(["summary", "--archive", archive, "--snapshot", "previous"]) == 0
    assert capsys.readouterr().out.startswith(f"Snapshot      {previous}")
    assert main(["search", "dang", "--archive", archive, "--snapshot", prefix, "--format", "json"]) == 0
    assert {h["snapshot_id"] <= previous for h in json.loads(capsys.readouterr().out)} == {True}
    assert main(["export", "--archive", archive, "--format", "jsonl", "--snapshot", prefix, "--out",
                 str(tmp_path / "x"), "-q"]) == 0
    assert json.loads((tmp_path / "x" / "export-report.json").read_text())["state"] == f"as of snapshot {previous}"
    assert "names 3 snapshots" in one_line(capsys, 2, ["search", "dang", "--archive", archive, "--snapshot",
                                                          ids[0][:4]])


def test_serve_stopped_by_sigterm_stops_pywb_too(crawled, tmp_path):
    """``kill PID`` (or ``timeout``, a service manager) of ``serve`` left its pywb running, orphaned."""
    import os
    import signal
    import shutil
    import time
    import urllib.request

    from tests.conftest import free_ports

    archive = tmp_path / "archive"  # serve writes its database under indexes/: a copy
    shutil.copytree(crawled[0], archive)
    port, replay = free_ports(2)
    children: list[int] = []
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--archive", str(archive), "--port", str(port),
                             "--replay-port", str(replay)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None and time.monotonic() < deadline
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/serve", timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        children += [int(p) for p in open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()]
        assert children  # pywb
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
        time.sleep(1)
        alive = [c for c in children if os.path.exists(f"/proc/{c}") and
                 open(f"/proc/{c}/stat").read().split(") ")[-1].split()[0] != "Z"]
        assert not alive, alive
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for child in children:  # what a failed run leaked
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
