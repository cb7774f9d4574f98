"""Ingesting ranker run directories into the store: tables, validation and build-report rows."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from core import config
from core.ranker import format as fmt
from core.ranker.ingest import find_run_dirs, ingest_runs, shipped_sections
from core.store.builder import query

ANCHORS = [s["anchor"] for s in shipped_sections()]
STORE_IDS = ["p1", "p2", "p3"]


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute(query("schema"))
    n = len(STORE_IDS)
    connection.from_arrow(pa.table({
        "prompt_id": STORE_IDS, "source_line": list(range(n)), "n_turns": [1] * n, "turns_user": [1] * n,
        "turns_assistant": [0] * n, "first_user_text": ["q"] * n, "n_assessments": [0] * n,
        "n_participants": [0] * n, "is_anchor": [False] * n, "content_notice": [False] * n,
    })).insert_into("prompts")
    yield connection
    connection.close()


def manifest(run_id: str, **changes) -> dict:
    base = {
        "format": fmt.RUN_FORMAT, "run_id": run_id, "ranker_name": "test ranker", "model": "m",
        "base_url_host": "127.0.0.1:9", "spec_version": config.SPEC_DEFAULT_VERSION,
        "spec_sha256": config.SPEC_VERSIONS[config.SPEC_DEFAULT_VERSION]["sha256"], "template_version": "msr-v1",
        "created_at": "2026-11-23T00:00:00Z", "synthetic": False,
        "dataset": {"source": "tiny", "revision": "main", "resolved_commit": "c0ffee"},
        "parameters": {"concurrency": 1}, "counts": {"prompts": 2, "ok": 2, "failed": 0},
    }
    return base | changes


def result(prompt_id: str, ranking: str | None = "B>C>D=A", grade: int = 3, error: str | None = None, **changes):
    record = {"prompt_id": prompt_id, "ranking": ranking, "relevance": dict.fromkeys(ANCHORS, grade),
              "rationale": "because", "usage": {"prompt_tokens": 10, "completion_tokens": 2}, "error": error}
    return record | changes


def write_run(root: Path, name: str, man: dict | str | None, lines: list[dict | str], tail: str = "\n") -> Path:
    run_dir = root / name
    run_dir.mkdir(parents=True)
    if man is not None:
        (run_dir / fmt.MANIFEST_FILE).write_text(man if isinstance(man, str) else json.dumps(man))
    body = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines)
    (run_dir / fmt.RESULTS_FILE).write_text(body + (tail if lines else ""))
    return run_dir


def checks(rows: list[dict]) -> dict[tuple[str, str], int]:
    return {(r["file"].split("/")[1], r["check"]): r["count"] for r in rows}


def test_good_run_fills_every_table(con, tmp_path):
    run = write_run(tmp_path, "good", manifest("good"), [result("p1"), result("p2", "A>B>C>D", grade=5)])
    rows = ingest_runs(con, [run])
    assert checks(rows) == {("good", "ranker_run_ingested"): 2}
    assert con.execute("SELECT count(*), count(DISTINCT spec_version) FROM spec_sections").fetchall() == [(71, 1)]
    assert con.execute("SELECT run_id, n_prompts, n_ok, n_failed, n_matched, synthetic, dataset_resolved_commit "
                       "FROM ranker_runs").fetchall() == [("good", 2, 2, 0, 2, False, "c0ffee")]
    assert con.execute("SELECT prompt_id, ranking, top, prompt_tokens FROM ranker_rankings ORDER BY prompt_id"
                       ).fetchall() == [("p1", "B>C>A=D", "B", 10), ("p2", "A>B>C>D", "A", 10)]
    ranks = con.execute("SELECT letter, rank FROM ranker_ranks WHERE prompt_id = 'p1' ORDER BY letter").fetchall()
    assert ranks == [("A", 3), ("B", 1), ("C", 2), ("D", 3)]
    grades = con.execute("SELECT prompt_id, count(*), min(grade), max(grade) FROM section_relevance "
                         "GROUP BY prompt_id ORDER BY prompt_id").fetchall()
    assert grades == [("p1", 71, 3, 3), ("p2", 71, 5, 5)]


def test_no_runs_still_creates_the_tables(con):
    assert ingest_runs(con, []) == []
    for table in ("ranker_runs", "ranker_rankings", "ranker_ranks", "section_relevance"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]


def test_broken_manifests_skip_the_run_not_the_build(con, tmp_path):
    runs = [
        write_run(tmp_path, "notjson", "{broken", [result("p1")]),
        write_run(tmp_path, "oldformat", manifest("x1", format="ca-ranker-run/0"), [result("p1")]),
        write_run(tmp_path, "nokeys", {"format": fmt.RUN_FORMAT, "run_id": "x2"}, [result("p1")]),
        write_run(tmp_path, "nomanifest", None, [result("p1")]),
        write_run(tmp_path, "good", manifest("good"), [result("p1"), result("p2")]),
        write_run(tmp_path, "again", manifest("good"), [result("p3")]),
    ]
    found = checks(ingest_runs(con, runs))
    for name in ("notjson", "oldformat", "nokeys", "nomanifest"):
        assert found[name, "ranker_manifest_invalid"] == 1
    assert found["again", "ranker_duplicate_run"] == 1
    assert con.execute("SELECT run_id, n_prompts FROM ranker_runs").fetchall() == [("good", 2)]
    (tmp_path / "not_a_run").mkdir()  # a folder without manifest or results is not offered to the ingest
    assert [p.name for p in find_run_dirs(tmp_path)] == sorted(r.name for r in runs)
    assert find_run_dirs(tmp_path / "absent") == []


def test_bad_lines_are_counted_and_the_rest_kept(con, tmp_path):
    bad_grade = result("p3")
    bad_grade["relevance"][ANCHORS[0]] = 7
    bad_grade["relevance"]["not_a_section"] = 4
    lines = [
        "{not json",
        result("p1", ranking="A>B>C"),  # invalid ranking without error: rejected
        {"prompt_id": "p1", "ranking": "A>B>C>D"},  # missing fields
        result("", ranking="A>B>C>D"),
        result("p1", ranking=None, error="HTTP 500 (gave up after 5 attempts)"),
        result("p1", ranking="D>C>B>A"),  # resumed: supersedes the failure above
        result("p1", ranking="A>B>C>D"),  # second success: flagged, first one kept
        bad_grade,
        result("ghost", ranking="A>B>C>D"),  # not in this store
        result("p2", ranking=None, error="invalid reply: missing sections"),
    ]
    run = write_run(tmp_path, "messy", manifest("messy"), [*lines, '{"prompt_id": "p2", "rank'], tail="")
    found = checks(ingest_runs(con, [run]))
    assert found == {
        ("messy", "ranker_malformed_line"): 1,
        ("messy", "ranker_invalid_ranking"): 1,
        ("messy", "ranker_missing_field"): 1,
        ("messy", "ranker_bad_prompt_id"): 1,
        ("messy", "ranker_superseded_line"): 1,
        ("messy", "ranker_duplicate_prompt"): 1,
        ("messy", "ranker_invalid_grade"): 1,
        ("messy", "ranker_unknown_anchor"): 1,
        ("messy", "ranker_missing_relevance"): 1,
        ("messy", "ranker_prompt_not_in_store"): 1,
        ("messy", "ranker_truncated_line"): 1,
        ("messy", "ranker_counts_mismatch"): 1,
        ("messy", "ranker_run_ingested"): 4,
    }
    assert con.execute("SELECT n_prompts, n_ok, n_failed, n_matched FROM ranker_runs").fetchall() == [(4, 3, 1, 3)]
    by_id = dict(con.execute("SELECT prompt_id, coalesce(ranking, error) FROM ranker_rankings").fetchall())
    assert by_id == {"p1": "D>C>B>A", "p2": "invalid reply: missing sections", "p3": "B>C>A=D", "ghost": "A>B>C>D"}
    p3 = con.execute("SELECT count(*) FROM section_relevance WHERE prompt_id = 'p3'").fetchall()
    assert p3 == [(70,)]  # the grade 7 and the unknown anchor were dropped
    assert con.execute("SELECT count(*) FROM section_relevance WHERE prompt_id = 'p2'").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM ranker_ranks WHERE prompt_id = 'p2'").fetchall() == [(0,)]


def test_report_rows_have_the_build_report_shape(con, tmp_path):
    run = write_run(tmp_path, "r", manifest("r", spec_sha256="0" * 64), ["[1, 2]", result("p1")])
    rows = ingest_runs(con, [run])
    by_check = {r["check"]: r for r in rows}
    assert set(by_check) == {"ranker_spec_checksum", "ranker_malformed_line", "ranker_run_ingested",
                             "ranker_counts_mismatch"}
    for row in rows:
        assert set(row) == {"file", "check", "severity", "count", "description", "examples"}
        assert row["severity"] in {"rejected", "flagged", "info"}
    assert by_check["ranker_malformed_line"]["file"] == "rankers/r/rankings.jsonl"
    assert json.loads(by_check["ranker_malformed_line"]["examples"])[0]["line"] == 1


def test_unknown_spec_version_keeps_grades_unchecked(con, tmp_path):
    run = write_run(tmp_path, "r", manifest("r", spec_version="local-abc", spec_sha256="1" * 64),
                    [result("p1", relevance={"whatever": 5})], )
    found = checks(ingest_runs(con, [run]))
    assert found["r", "ranker_spec_unknown"] == 1
    assert con.execute("SELECT anchor, grade FROM section_relevance").fetchall() == [("whatever", 5)]


def test_ingest_twice_replaces_rather_than_duplicates(con, tmp_path):
    run = write_run(tmp_path, "good", manifest("good"), [result("p1"), result("p2")])
    ingest_runs(con, [run])
    ingest_runs(con, [run])
    assert con.execute("SELECT count(*) FROM ranker_rankings").fetchall() == [(2,)]
    assert con.execute("SELECT count(*) FROM spec_sections").fetchall() == [(71,)]


SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "model_spec"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/model_spec not available")
def test_other_spec_version_uses_the_local_cache(con, tmp_path, monkeypatch):
    monkeypatch.setattr(config, "SPEC_CACHE_DIR", tmp_path / "cache")
    pin = config.SPEC_VERSIONS["2025-09-12"]
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / f"model_spec_2025-09-12_{pin['commit'][:12]}.md").write_bytes(
        (SHARED / "model_spec_2025-09-12.md").read_bytes())
    line = result("p1", relevance={"be_empathetic": 5, "no_other_objectives": 4})  # removed in 09-12 / new in 09-12
    run = write_run(tmp_path, "r", manifest("r", spec_version="2025-09-12", spec_sha256=pin["sha256"]), [line])
    found = checks(ingest_runs(con, [run]))
    assert found["r", "ranker_unknown_anchor"] == 1
    versions = dict(con.execute("SELECT spec_version, count(*) FROM spec_sections GROUP BY 1").fetchall())
    assert versions == {"2025-04-11": 71, "2025-09-12": 77}
    assert con.execute("SELECT anchor FROM section_relevance").fetchall() == [("no_other_objectives",)]


def test_grades_that_are_not_plain_integers_1_to_5_are_dropped_the_rest_kept_as_given(con, tmp_path):
    # Most lines grade every section validly and are taken whole; any other line is checked grade by grade.
    lines = [result("p1", relevance={a: 1 + i % 5 for i, a in enumerate(ANCHORS)}),
             result("p2", relevance={**dict.fromkeys(ANCHORS, 2), ANCHORS[0]: True}),
             result("ghost", relevance={**dict.fromkeys(ANCHORS, 5), ANCHORS[1]: 2.0}),
             result("p3", relevance={**dict.fromkeys(ANCHORS[:10], 4), ANCHORS[2]: 0, ANCHORS[3]: "4"})]
    run = write_run(tmp_path, "grades", manifest("grades", counts={"prompts": 4, "ok": 4, "failed": 0}), lines)
    found = checks(ingest_runs(con, [run]))
    assert found == {("grades", "ranker_invalid_grade"): 4, ("grades", "ranker_missing_relevance"): 3,
                     ("grades", "ranker_prompt_not_in_store"): 1, ("grades", "ranker_run_ingested"): 4}
    stored = con.execute("SELECT prompt_id, anchor, grade FROM section_relevance").fetchall()
    expected = [(line["prompt_id"], a, g) for line in lines for a, g in line["relevance"].items()
                if type(g) is int and 1 <= g <= 5]
    assert sorted(stored) == sorted(expected) and len(stored) == 71 + 70 + 70 + 8
    ranks = con.execute("SELECT prompt_id, letter, rank FROM ranker_ranks ORDER BY ALL").fetchall()
    assert ranks == [(p, x, r) for p in ("ghost", "p1", "p2", "p3") for x, r in zip("ABCD", (3, 1, 2, 3))]
