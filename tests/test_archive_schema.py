"""The table schemas, their documentation, and the package's import boundary."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from archive.query import duckdb_type
from archive.schema import RECORD_TABLES, SCHEMA_VERSION, TABLES, describe

REPO = Path(__file__).resolve().parents[1]

COMMON_HEAD = ["record_id", "kind", "wcm_path", "site", "url", "urls_seen", "title"]
COMMON_TAIL = ["fetched_at", "http_status", "content_sha256", "record_sha256", "version", "etag", "last_modified",
               "warc_file", "warc_offset", "warc_length", "warc_record_id", "snapshot_id", "schema_version",
               "extractor_version"]
WARC = ["warc_file", "warc_offset", "warc_length", "warc_record_id"]

EXPECTED_COLUMNS = {
    "articles": [
        "record_id", "article_id", *COMMON_HEAD[1:], "published_at", "published_at_raw", "author", "author_role",
        "source", "summary", "body_text", "body_html", "images", "section", "encoding", *COMMON_TAIL,
    ],
    "documents": [*COMMON_HEAD, "number", "issued_on", "issued_on_raw", "effective_on", "effective_on_raw", "issuer",
                  "signer", "field", "doc_type", "summary", "attachments", *COMMON_TAIL],
    "albums": [*COMMON_HEAD, "published_at", "published_at_raw", "images", *COMMON_TAIL],
    "videos": [*COMMON_HEAD, "published_at", "published_at_raw", "video_url", "video_sha256", "thumbnail_url",
               *COMMON_TAIL],
    "schedules": [*COMMON_HEAD, "week", "week_start", "entries", *COMMON_TAIL],
    "static_pages": [*COMMON_HEAD, "body_text", "body_html", "images", "section", *COMMON_TAIL],
    "pages": ["url", "status", "content_type", "length", "content_sha256", "page_type", "record_id", "site",
              "fetched_at", "etag", "last_modified", *WARC, "snapshot_id"],
    "errors": ["url", "reason", "http_status", "exception", "attempts", "referer", "site", "failed_at", "snapshot_id"],
    "url_aliases": ["record_id", "url", "seen_at", "snapshot_id"],
    "media_files": ["url", "site", "sha256", "size", "mime_type", "width", "height", "path", "http_status", "fetched_at",
              "snapshot_id", *WARC],
    "listings": ["listing", "record_id", "seen_at", "snapshot_id"],
    "legal_log": ["url", "site", "event", "robots", "robots_rule", "http_status", "retry_after", "delay_ms",
                  "user_agent", "event_at", "snapshot_id"],
    "changes": ["snapshot_id", "table", "record_id", "change", "version", "record_sha256", "changed_at"],
    "snapshots": ["snapshot_id", "started_at", "finished_at", "seeds", "status", "pages_fetched", "not_modified",
                  "records_new", "records_changed", "records_unchanged", "records_removed", "errors",
                  "software_version", "settings", "resumes"],
    "takedowns": ["record_id", "table", "site", "url", "urls", "requested_url", "action", "reason", "who", "action_at"],
}


def test_schema_version():
    assert SCHEMA_VERSION == 2


def test_tables_and_columns():
    assert {t: s.names for t, s in TABLES.items()} == EXPECTED_COLUMNS
    assert list(RECORD_TABLES) == ["articles", "documents", "albums", "videos", "schedules", "static_pages"]
    assert set(RECORD_TABLES.values()) == {"article", "document", "album", "video", "schedule", "page"}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_field_is_described(table):
    for field in TABLES[table]:
        assert field.metadata and field.metadata[b"description"].strip(), f"{table}.{field.name}"
        type_ = field.type.value_type if pa.types.is_list(field.type) else field.type
        if pa.types.is_struct(type_):
            for i in range(type_.num_fields):
                sub = type_.field(i)
                assert sub.metadata and sub.metadata[b"description"].strip(), f"{table}.{field.name}.{sub.name}"
    assert TABLES[table].metadata[b"portal_archive.table"] == table.encode()


def test_key_types():
    a = TABLES["articles"]
    hcm = pa.timestamp("us", tz="Asia/Ho_Chi_Minh")
    for t in ("articles", "albums", "videos"):
        assert TABLES[t].field("published_at").type == hcm, t
    for t, col in [("articles", "fetched_at"), ("errors", "failed_at"), ("pages", "fetched_at"),
                   ("url_aliases", "seen_at"), ("snapshots", "started_at"), ("snapshots", "finished_at"),
                   ("media_files", "fetched_at"), ("changes", "changed_at")]:
        assert TABLES[t].field(col).type == pa.timestamp("us", tz="UTC"), (t, col)
    for t in RECORD_TABLES:
        s = TABLES[t]
        assert not s.field("record_id").nullable and not s.field("kind").nullable, t
        assert s.field("version").type == pa.int32() and not s.field("version").nullable
        assert not s.field("record_sha256").nullable
        assert s.field("warc_offset").type == s.field("warc_length").type == pa.int64()
        assert s.field("http_status").type == pa.int16()
        assert s.field("schema_version").type == pa.int16()
        assert s.field("urls_seen").type == pa.list_(pa.string())
    image = a.field("images").type.value_type
    assert [image.field(i).name for i in range(image.num_fields)] == ["url", "caption", "alt", "sha256"]
    assert TABLES["albums"].field("images").type == TABLES["static_pages"].field("images").type == a.field("images").type
    att = TABLES["documents"].field("attachments").type.value_type
    assert [att.field(i).name for i in range(att.num_fields)] == ["url", "name", "sha256"]
    for col in ("issued_on", "effective_on"):
        assert TABLES["documents"].field(col).type == pa.date32()
    assert TABLES["schedules"].field("week_start").type == pa.date32()
    entry = TABLES["schedules"].field("entries").type.value_type
    assert [entry.field(i).name for i in range(entry.num_fields)] == ["day", "date", "time", "content", "place", "chair"]
    assert entry.field("date").type == pa.date32()
    assert not a.field("article_id").nullable
    assert TABLES["media_files"].field("width").type == TABLES["media_files"].field("height").type == pa.int32()
    assert TABLES["media_files"].field("width").nullable
    assert TABLES["changes"].field("version").type == pa.int32()
    assert TABLES["snapshots"].field("resumes").type == pa.int16()
    assert TABLES["errors"].field("http_status").nullable and TABLES["errors"].field("exception").nullable
    assert TABLES["errors"].field("attempts").type == pa.int16()
    assert TABLES["pages"].field("length").type == pa.int64()
    assert TABLES["pages"].field("record_id").nullable


def test_docs_match_the_schemas():
    doc = (REPO / "docs" / "schema.md").read_text(encoding="utf-8")
    assert f"`SCHEMA_VERSION`: **{SCHEMA_VERSION}**" in doc
    for table, schema in TABLES.items():
        assert f"### `{table}`" in doc
        for (name, type_name, nullable, meaning), field in zip(describe(schema), schema):
            row = (
                f"| `{name}` | `{type_name}` | `{duckdb_type(field.type)}` | {'yes' if nullable else 'no'} "
                f"| {meaning.replace('|', chr(92) + '|')} |"
            )
            assert row in doc, row
    for reader in ("read_parquet('archive/articles/*.parquet'", "pyarrow.dataset", "spark.read.parquet"):
        assert reader in doc


FORBIDDEN = ("scrapy", "crawler", "pipelines")


def test_archive_does_not_import_upstream_modules_statically():
    for path in (REPO / "archive").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


def test_importing_archive_loads_no_upstream_module():
    code = (
        "import sys, archive, archive.compact, archive.summary, archive.urls, archive.versions, archive.fixity,"
        " archive.manifest, archive.lock;"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
