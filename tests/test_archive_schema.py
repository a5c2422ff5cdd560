"""The table schemas, their documentation, and the package's import boundary."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from archive.query import duckdb_type
from archive.schema import SCHEMA_VERSION, TABLES, describe

REPO = Path(__file__).resolve().parents[1]

EXPECTED_COLUMNS = {
    "articles": [
        "article_id", "wcm_path", "url", "urls_seen", "title", "published_at", "published_at_raw", "author",
        "author_role", "source", "summary", "body_text", "body_html", "images", "section", "encoding",
        "fetched_at", "http_status", "content_sha256", "snapshot_id", "schema_version", "extractor_version",
    ],
    "errors": ["url", "reason", "http_status", "exception", "attempts", "referer", "failed_at", "snapshot_id"],
    "pages": ["url", "status", "content_type", "length", "content_sha256", "page_type", "article_id",
              "fetched_at", "snapshot_id"],
    "url_aliases": ["article_id", "url", "seen_at", "snapshot_id"],
    "snapshots": ["snapshot_id", "started_at", "finished_at", "seeds", "status", "pages_fetched", "records_new",
                  "errors", "software_version", "settings"],
}


def test_schema_version():
    assert SCHEMA_VERSION == 1


def test_tables_and_columns():
    assert {t: s.names for t, s in TABLES.items()} == EXPECTED_COLUMNS


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_field_is_described(table):
    for field in TABLES[table]:
        assert field.metadata and field.metadata[b"description"].strip(), f"{table}.{field.name}"
    assert TABLES[table].metadata[b"portal_archive.table"] == table.encode()


def test_key_types():
    a = TABLES["articles"]
    assert a.field("published_at").type == pa.timestamp("us", tz="Asia/Ho_Chi_Minh")
    for t, col in [("articles", "fetched_at"), ("errors", "failed_at"), ("pages", "fetched_at"),
                   ("url_aliases", "seen_at"), ("snapshots", "started_at"), ("snapshots", "finished_at")]:
        assert TABLES[t].field(col).type == pa.timestamp("us", tz="UTC"), (t, col)
    assert a.field("http_status").type == pa.int16()
    assert a.field("schema_version").type == pa.int16()
    assert a.field("urls_seen").type == pa.list_(pa.string())
    image = a.field("images").type.value_type
    assert [image.field(i).name for i in range(image.num_fields)] == ["url", "caption", "alt"]
    assert not a.field("article_id").nullable
    assert TABLES["errors"].field("http_status").nullable and TABLES["errors"].field("exception").nullable
    assert TABLES["errors"].field("attempts").type == pa.int16()
    assert TABLES["pages"].field("length").type == pa.int64()
    assert TABLES["pages"].field("article_id").nullable


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
        "import sys, archive, archive.compact, archive.summary, archive.urls;"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
