"""``portal-archive diff`` after ``replica --mutate K``: exactly the K changed, K new and K removed records."""
from __future__ import annotations

import json

from archive import connect
from research.diff import diff_snapshots, word_diff
from tests.conftest import run_cli


def _snapshots(archive):
    return [r[0] for r in connect(archive).sql("SELECT snapshot_id FROM snapshots ORDER BY 1").fetchall()]


def test_diff_after_mutate_shows_exactly_k_of_each(mutated_history):
    archive, _, k = mutated_history
    first, _, second = _snapshots(archive)  # any two snapshots, not only consecutive ones
    proc = run_cli("diff", first, second, "--archive", str(archive), "--format", "json")
    data = json.loads(proc.stdout)
    assert data["counts"] == {"added": k, "changed": k, "removed": k}
    changes = dict(connect(archive).sql("SELECT change, list(record_id ORDER BY record_id) FROM changes "
                                        "WHERE snapshot_id = ? AND change <> 'unchanged' GROUP BY 1",
                                        params=[second]).fetchall())
    assert sorted(r["record_id"] for r in data["added"]) == changes["new"]
    assert sorted(r["record_id"] for r in data["removed"]) == changes["removed"]
    assert sorted(r["record_id"] for r in data["changed"]) == changes["changed"]
    for c in data["changed"]:
        assert c["kind"] == "article" and c["version_after"] == c["version_before"] + 1
        assert c["fields"] and not {"url", "fetched_at", "record_sha256", "snapshot_id"} & set(c["fields"])
        for name, change in c["fields"].items():
            assert ("{+" in change["diff"] or "[-" in change["diff"]) if "diff" in change else \
                change["before"] != change["after"], name
        assert c["body_diff"] == c["fields"]["body_text"]["diff"]


def test_diff_table_output_and_reverse(mutated_history):
    archive, _, k = mutated_history
    first, unchanged, second = _snapshots(archive)
    assert not any(vars(diff_snapshots(archive, first, unchanged))[x] for x in ("added", "removed", "changed"))
    out = run_cli("diff", "previous", "latest", "--archive", str(archive)).stdout
    assert f"added {k}  changed {k}  removed {k}" in out
    assert out.count("\n+ ") == k and out.count("\n- ") == k and out.count("\n~ ") == k
    forward, backward = diff_snapshots(archive, first, second), diff_snapshots(archive, second, first)
    assert {r.record_id for r in backward.added} == {r.record_id for r in forward.removed}
    assert {r.record_id for r in backward.removed} == {r.record_id for r in forward.added}
    same = diff_snapshots(archive, second, second)
    assert not (same.added or same.removed or same.changed)


def test_unknown_snapshot_is_one_line(mutated_history):
    archive, _, _ = mutated_history
    proc = run_cli("diff", "nope", "latest", "--archive", str(archive), check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no snapshot 'nope'" in proc.stderr


def test_word_diff_marks_only_changed_words():
    assert word_diff("Đảng bộ thị xã họp", "Đảng bộ phường họp") == "Đảng bộ [-thị xã-] {+phường+} họp"
    long_before = " ".join(f"w{i}" for i in range(40))
    long_after = long_before.replace("w20", "X")
    assert word_diff(long_before, long_after) == "… w14 w15 w16 w17 w18 w19 [-w20-] {+X+} w21 w22 w23 w24 w25 w26 …"
