"""``export --format jsonl|csv|parquet``: every field of every record, media carried along, filters, errors."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re

import pyarrow.parquet as pq
import pytest

from archive import RECORD_TABLES, TABLES, connect
from tests.conftest import run_cli

NAME_RE = re.compile(r"^[a-z0-9-]+-[0-9a-f]{8,16}\.[a-z0-9]{1,5}$")


@pytest.fixture(scope="module")
def exported(crawled, tmp_path_factory):
    archive, _ = crawled
    base = tmp_path_factory.mktemp("export-data")
    procs = {fmt: run_cli("export", "--archive", str(archive), "--format", fmt, "--out", str(base / fmt))
             for fmt in ("jsonl", "csv", "parquet")}
    return archive, base, procs


def latest_rows(archive, table):
    con = connect(archive)
    try:
        table_ = con.sql(f'SELECT * FROM "{table}_latest" ORDER BY record_id').to_arrow_table()
    finally:
        con.close()
    return table_.cast(TABLES[table]).to_pylist()


def _parse(value, type_):
    """A JSON value back to the Python value of its Arrow type."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_timestamp(type_):
        return dt.datetime.fromisoformat(value)
    if pa.types.is_date32(type_):
        return dt.date.fromisoformat(value)
    if pa.types.is_list(type_):
        return [_parse(v, type_.value_type) for v in value]
    if pa.types.is_struct(type_):
        return {type_.field(i).name: _parse(value[type_.field(i).name], type_.field(i).type)
                for i in range(type_.num_fields)}
    return value


def test_jsonl_round_trip_equals_the_archive_latest_records(exported):
    archive, base, _ = exported
    lines = [json.loads(line) for line in (base / "jsonl" / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {rec["record_id"]: rec for rec in lines}
    assert len(by_id) == len(lines)
    total = 0
    for table in RECORD_TABLES:
        schema = TABLES[table]
        for row in latest_rows(archive, table):
            total += 1
            rec = by_id[row["record_id"]]
            assert set(rec) - {"export"} == set(schema.names), table
            back = {f.name: _parse(rec[f.name], f.type) for f in schema}
            assert back == row, (table, row["record_id"])
    assert total == len(lines) and {rec["kind"] for rec in lines} == set(RECORD_TABLES.values())


def test_media_exported_once_per_sha256_with_readable_names_and_missing_ones_reported(exported):
    archive, base, procs = exported
    out = base / "jsonl"
    report = json.loads((out / "export-report.json").read_text(encoding="utf-8"))
    files = {p.name: p for p in (out / "media").iterdir()}
    seen: dict[str, str] = {}
    missing = 0
    for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines():
        for m in json.loads(line)["export"]["media"]:
            if m["missing"]:
                missing += 1
                assert m["file"] is None
                continue
            assert m["archive_path"] == f"media/sha256/{m['sha256'][:2]}/{m['sha256'][2:4]}/{m['sha256']}"
            name = m["file"].removeprefix("media/")
            assert NAME_RE.match(name) and m["sha256"][:8] in name
            assert seen.setdefault(m["sha256"], name) == name      # one name per file
    assert len(files) == len(set(seen.values())) == report["media_files"] > 0
    for sha, name in list(seen.items())[:50]:
        assert hashlib.sha256(files[name].read_bytes()).hexdigest() == sha
    assert missing == len(report["missing_media"])
    assert all(m["reason"] and m["record_id"] for m in report["missing_media"])
    assert "Media" in procs["jsonl"].stdout and "Records" in procs["jsonl"].stdout


def test_csv_and_parquet_have_every_column_of_every_kind(exported):
    archive, base, _ = exported
    for table in RECORD_TABLES:
        ids = [r["record_id"] for r in latest_rows(archive, table)]
        with open(base / "csv" / f"{table}.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert [r["record_id"] for r in rows] == ids
        assert list(rows[0])[: len(TABLES[table])] == TABLES[table].names
        assert json.loads(rows[0]["export_media"]) is not None and rows[0]["export_path"].startswith("/")
        pt = pq.read_table(base / "parquet" / f"{table}.parquet")
        for f in TABLES[table]:
            assert pt.schema.field(f.name).type == f.type
        assert pt.column("record_id").to_pylist() == ids


def test_filters_select_kind_dates_and_section(crawled, tmp_path):
    archive, _ = crawled
    out = tmp_path / "docs"
    run_cli("export", "--archive", str(archive), "--format", "jsonl", "--out", str(out), "--kind", "document",
            "--since", "01/01/2021", "--until", "2023-12-31", "-q")
    recs = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert recs and {r["kind"] for r in recs} == {"document"}
    assert all("2021-01-01" <= r["issued_on"] <= "2023-12-31" for r in recs)
    out = tmp_path / "news"
    run_cli("export", "--archive", str(archive), "--format", "jsonl", "--out", str(out),
            "--section", "tin tuc su kien", "-q")
    recs = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert recs and all(r["export"]["path"].startswith("/tin-tuc-su-kien/") for r in recs)
    assert len({r["section"] for r in recs}) == 4   # the four sub-sections of Tin tức sự kiện


@pytest.mark.parametrize("args, message", [
    (["--kind", "blog"], "unknown kind"),
    (["--since", "2020-31-12"], "is not a date"),
    (["--snapshot", "19990101T000000Z-000000"], "no snapshot '19990101T000000Z-000000'"),
])
def test_bad_input_is_one_line_without_traceback(crawled, tmp_path, args, message):
    archive, _ = crawled
    proc = run_cli("export", "--archive", str(archive), "--format", "jsonl", "--out", str(tmp_path / "x"), *args,
                   check=False)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists() and not list(tmp_path.glob(".tmp-*"))


def test_an_export_never_overwrites(crawled, tmp_path):
    archive, _ = crawled
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    proc = run_cli("export", "--archive", str(archive), "--format", "csv", "--out", str(tmp_path / "taken"),
                   check=False)
    assert proc.returncode == 2 and "not empty" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"
    proc = run_cli("export", "--archive", str(tmp_path), "--format", "csv", "--out", str(tmp_path / "y"), check=False)
    assert proc.returncode == 2 and "not an archive" in proc.stderr
    proc = run_cli("export", "--archive", str(archive), "--format", "csv", "--out", str(archive / "exports"),
                   check=False)
    assert proc.returncode == 2 and "inside the archive" in proc.stderr and not (archive / "exports").exists()


def test_snapshot_exports_the_state_as_of_that_snapshot(mutated_history, tmp_path):
    archive, _, k = mutated_history
    con = connect(archive)
    try:
        first = con.execute("SELECT min(snapshot_id) FROM snapshots").fetchone()[0]
        then = {r[0]: r[1] for r in con.execute("SELECT record_id, version FROM articles_as_of(?)", [first]).fetchall()}
        now = {r[0]: r[1] for r in con.execute("SELECT record_id, version FROM articles_latest").fetchall()}
    finally:
        con.close()
    assert then != now
    for snapshot, expected in ((first, then), (None, now)):
        out = tmp_path / (snapshot or "latest")
        args = ["--snapshot", snapshot] if snapshot else []
        run_cli("export", "--archive", str(archive), "--format", "jsonl", "--out", str(out), "--kind", "article",
                "-q", *args)
        recs = [json.loads(x) for x in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
        assert {r["record_id"]: r["version"] for r in recs} == expected
    assert sum(v > 1 for v in now.values()) >= k      # the changed articles: version 2 now, version 1 then
