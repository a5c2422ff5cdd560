"""What users see: one line per failure (tracebacks only with -v), unknown snapshot ids refused by name,
the progress line in the summary's words and numbers, ``snapshots``, ``query`` in the portal's time zone,
``extract`` on bad input, ``reextract``'s report."""
from __future__ import annotations

import re
import urllib.request

import pytest

from tests.conftest import read_rows, run_cli


def one_line_error(proc, command):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"portal-archive {command}: "), proc.stderr
    return lines[0]


@pytest.mark.parametrize("crawl", ["first", "re-crawl"])
def test_the_last_progress_line_says_what_the_summary_says(crawl, request, replica):
    """The re-crawl too: its 304s come from the lean client and the page requisites' revisits, not only from
    the spider (the line said "Not modified 92" against the summary's 81, and "Pages -11" early on)."""
    if crawl == "first":
        _, proc = request.getfixturevalue("crawled")
    else:
        request.getfixturevalue("recrawled")
        proc = replica.recrawl_proc
    last = [line for line in proc.stderr.splitlines() if line.startswith("[portal-archive]")][-1]
    summary = dict(re.findall(r"^(Pages|Not modified|Media|Errors)\s+([\d,]+)$", proc.stdout, re.M))
    assert set(summary) == {"Pages", "Not modified", "Media", "Errors"}, proc.stdout
    for word, number in summary.items():
        assert f"{word} {number}" in last, (word, number, last)
    records = re.search(r"^Records\s+(new [\d,]+\s+changed [\d,]+\s+unchanged [\d,]+\s+removed [\d,]+)$",
                        proc.stdout, re.M).group(1)
    assert "Records " + " ".join(records.split()) in last, (records, last)


def test_snapshots_lists_every_snapshot(crawled):
    archive, _ = crawled
    rows = read_rows(archive, "snapshots")
    out = run_cli("snapshots", "--archive", str(archive)).stdout.splitlines()
    assert out[0].split()[:4] == ["Snapshot", "Status", "Started", "Finished"]
    assert "Not modified" in out[0] and out[0].split()[-5:] == ["new", "changed", "unchanged", "removed", "Errors"]
    for row in rows:
        line = next(line for line in out if line.startswith(row["snapshot_id"]))
        numbers = [int(n.replace(",", "")) for n in line.split()[6:]]
        assert line.split()[1] == row["status"]
        assert numbers == [row[k] for k in ("pages_fetched", "not_modified", "records_new", "records_changed",
                                            "records_unchanged", "records_removed", "errors")]
    jsonl = run_cli("snapshots", "--archive", str(archive), "--format", "jsonl").stdout
    assert jsonl.count("\n") == len(rows)


@pytest.mark.parametrize("command", [
    ["summary", "--snapshot", "20990101T000000Z-nope"],
    ["package", "--wacz", "--snapshot", "20990101T000000Z-nope"],
    ["query", "SELECT count(*) FROM articles_as_of('20990101T000000Z-nope')"],
    ["query", "SELECT count(*) FROM documents_as_of('0')"],
])
def test_unknown_snapshot_ids_are_refused_by_name(crawled, command):
    archive, _ = crawled
    proc = run_cli(command[0], "--archive", str(archive), *command[1:], check=False)
    line = one_line_error(proc, command[0])
    assert "nope" in line or "'0'" in line


def test_not_an_archive_is_one_line_and_minus_v_shows_the_traceback(tmp_path):
    proc = run_cli("summary", "--archive", str(tmp_path), check=False)
    assert "is not an archive" in one_line_error(proc, "summary")
    verbose = run_cli("-v", "summary", "--archive", str(tmp_path), check=False)
    assert verbose.returncode != 0 and "Traceback" in verbose.stderr and "UsageError" in verbose.stderr


def test_query_days_are_the_portals_calendar_days(crawled):
    archive, _ = crawled
    # published_at_raw is dd/mm/yyyy in Asia/Ho_Chi_Minh; early-morning articles are the previous day in UTC
    out = run_cli("query", "--archive", str(archive), "--format", "csv",
                  "SELECT count(*) FILTER (WHERE published_at::DATE <> strptime(published_at_raw[1:10], '%d/%m/%Y')::DATE),"
                  " count(*) FILTER (WHERE hour(published_at AT TIME ZONE 'UTC') >= 17) FROM articles").stdout
    wrong, early = map(int, out.splitlines()[1].split(","))
    assert early > 0  # there are articles whose UTC day differs from the portal's
    assert wrong == 0


def test_extract_refuses_what_is_not_a_page(tmp_path):
    cases = {"empty.html": b"  \n", "photo.jpg": b"\xff\xd8\xff\xe0" + bytes(200), "nul.html": b"<p>a\x00b</p>",
             "big.html": b"<p>x</p>" * 2000}
    for name, body in cases.items():
        (tmp_path / name).write_bytes(body)
        proc = run_cli("extract", str(tmp_path / name), "--max-bytes", "10000", check=False)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, (name, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and name in proc.stderr, proc.stderr
    assert "over the size limit of 10,000 bytes" in run_cli(
        "extract", str(tmp_path / "big.html"), "--max-bytes", "10000", check=False).stderr


def test_extract_prints_the_keys_of_the_records_own_kind(replica, truth, tmp_path):
    import json

    from archive.schema import KIND_TABLES, RECORD_TABLES, TABLES

    kind_columns = {name for table in RECORD_TABLES for name in TABLES[table].names}

    for kind, other in (("article", "number"), ("document", "published_at")):
        item = next(t for t in truth if t["kind"] == kind)
        page = tmp_path / f"{kind}.html"
        url = item["urls"]["friendly"]
        page.write_bytes(urllib.request.urlopen(url, timeout=30).read())
        record = json.loads(run_cli("extract", str(page), "--url", url).stdout)
        assert record["kind"] == kind and record["title"] == item["title"]
        assert other not in record
        own = set(TABLES[KIND_TABLES[kind]].names)
        assert {k for k in record if k in kind_columns} <= own, sorted(set(record) & kind_columns - own)
    # no --url: relative links resolve against the portal's address
    record = json.loads(run_cli("extract", str(tmp_path / "article.html")).stdout)
    assert record["kind"] == "article"


def test_replica_help_speaks_only_of_the_replica():
    out = run_cli("replica", "--help").stdout.lower().replace("portal-archive replica", "")
    assert "replica" in out
    for word in ("issue", "archive", "crawl ", "snapshot", "scrapy"):
        assert word not in out, word


def test_reextract_says_what_it_re_extracted(crawled, tmp_path):
    import shutil

    archive = tmp_path / "copy"
    shutil.copytree(crawled[0], archive)
    latest = sum(int(run_cli("query", "--archive", str(archive), "--format", "csv",
                             f"SELECT count(*) FROM {t}_latest WHERE warc_file IS NOT NULL").stdout.split()[1])
                 for t in ("articles", "documents", "albums", "videos", "schedules", "static_pages"))
    out = run_cli("reextract", "--archive", str(archive)).stdout
    line = next(line for line in out.splitlines() if line.startswith("re-extracted"))
    n = int(line.split()[1].replace(",", ""))
    assert 0 < n <= latest and "changed" in line and "unchanged" in line


def test_cookie_domains_are_split_without_the_network(monkeypatch):
    import socket

    from scrapy.downloadermiddlewares import cookies

    import crawler.spiders.portal  # noqa: F401  (installs the offline splitter)

    def no_network(*args, **kwargs):
        raise AssertionError("tldextract went to the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert cookies._split_domain("hoangmai.nghean.gov.vn").suffix == "gov.vn"
    assert cookies._split_domain.suffix_list_urls == ()


def test_a_setting_of_the_wrong_type_is_refused_before_the_crawl(tmp_path):
    """``-s NAME=VALUE`` whose value Scrapy cannot read as the setting's type: one line naming the setting and
    what it must be, and no archive written (it used to be a traceback from the middle of Scrapy's start)."""
    cases = {"PORTAL_LEAN_REVALIDATE=maybe": "true or false", "CONCURRENT_REQUESTS=abc": "a number",
             "DOWNLOAD_DELAY=soon": "a number"}
    for pair, kind in cases.items():
        proc = run_cli("crawl", "http://127.0.0.1:9/", "--archive", str(tmp_path / "a"), "-s", pair, check=False)
        line = one_line_error(proc, "crawl")
        assert pair.split("=")[0] in line and kind in line, line
    assert not (tmp_path / "a").exists()
    # values of the right type still go through: a crawl of a closed port fails later, for its own reason
    ok = run_cli("crawl", "http://127.0.0.1:9/", "--archive", str(tmp_path / "b"), "-s", "DOWNLOAD_DELAY=0.5",
                 "-s", "PORTAL_LEAN_REVALIDATE=false", "-s", "DOWNLOAD_TIMEOUT=2", check=False)
    assert "must be" not in ok.stderr, ok.stderr
