"""The store: atomic builds, read-only opening with plain errors, the manifest, and the build command."""
from __future__ import annotations

import argparse
import hashlib
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from core import config, store
from core.commands import build as build_command
from core.store import StoreError, build, builder, open_store, store_path
from tests.conftest import BAD_INPUTS, RELEASE_TINY, TEST_BOOTSTRAP_B


def _manifest(path: Path) -> dict[str, str]:
    con = open_store(path)
    try:
        return dict(con.execute("SELECT key, value FROM manifest").fetchall())
    finally:
        con.close()


def _run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    build_command.add_arguments(parser)
    return build_command.run(parser.parse_args(list(argv)))


def test_store_has_the_documented_tables_and_counts(tiny_store):
    con = open_store(tiny_store)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert set(builder.RELEASE_TABLES) | {"build_files", "build_report", "manifest"} <= tables
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in builder.RELEASE_TABLES}
        assert counts == {"prompts": 3, "messages": 6, "responses": 12, "annotators": 5, "assessments": 10,
                          "assessment_ranks": 52, "annotator_only_assessments": 2}
        files = {r[0]: r[1:] for r in con.execute(
            "SELECT file, input_rows, accepted, rejected, sha256, bytes FROM build_files").fetchall()}
        for name in config.HF_CONFIGS.values():
            data = (RELEASE_TINY / name).read_bytes()
            lines = len(data.splitlines())
            assert files[name] == (lines, lines, 0, hashlib.sha256(data).hexdigest(), len(data))
        # Only the assessments in comparisons.jsonl are stored; annotator-only ones are apart and reported.
        report = {(f, c): n for f, c, n in con.execute(
            'SELECT file, "check", "count" FROM build_report').fetchall()}
        assert report["annotators.jsonl", "annotator_only_assessment"] == counts["annotator_only_assessments"]
        with pytest.raises(duckdb.Error):  # read-only
            con.execute("DELETE FROM prompts")
    finally:
        con.close()


def test_manifest_records_source_checksums_and_parameters(tiny_store):
    manifest = _manifest(tiny_store)
    assert manifest["source"] == str(RELEASE_TINY) and manifest["synthetic"] == "true"  # front matter says so
    assert manifest["bootstrap_b"] == str(TEST_BOOTSTRAP_B) and manifest["bootstrap_seed"] == "1"
    assert manifest["min_participants"] == str(config.MIN_PARTICIPANTS)
    assert manifest["code_version"] == config.code_version()
    assert manifest["rows:assessments"] == "10" and float(manifest["build_seconds"]) > 0
    for name in config.HF_CONFIGS.values():
        assert manifest[f"sha256:{name}"] == hashlib.sha256((RELEASE_TINY / name).read_bytes()).hexdigest()


def test_rebuild_replaces_the_store_atomically_and_reports_progress(tiny_copy, tmp_path):
    db = tmp_path / "ca.duckdb"
    seen: list[tuple[float, str]] = []
    result = build(str(tiny_copy), db_path=db, bootstrap_b=TEST_BOOTSTRAP_B, seed=1,
                   progress=lambda f, m: seen.append((f, m)))
    assert result.db_path == db and result.table_rows["assessments"] == 10
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert {"read_validate", "store", "statistics"} <= set(result.stage_seconds)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ca.duckdb")) == ["ca.duckdb"]


def test_failure_mid_build_leaves_the_previous_store_and_no_temp_files(tiny_copy, tmp_path, monkeypatch):
    db = tmp_path / "ca.duckdb"
    build(str(tiny_copy), db_path=db, bootstrap_b=TEST_BOOTSTRAP_B, seed=1)
    before = _manifest(db)
    # A changed input would change the store; the failure in the statistics stage must keep the old one.
    shutil.copy(BAD_INPUTS / "release_bad" / "comparisons.jsonl", tiny_copy / "comparisons.jsonl")

    def explode(*args, **kwargs):
        raise RuntimeError("injected failure in the statistics stage")

    monkeypatch.setattr(builder, "_build_aggregates", explode)
    with pytest.raises(RuntimeError, match="injected"):
        build(str(tiny_copy), db_path=db, bootstrap_b=TEST_BOOTSTRAP_B, seed=1)
    assert _manifest(db) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("ca.duckdb")] == ["ca.duckdb"]


@pytest.mark.parametrize("bad_file", ["not_jsonl.csv", "binary.bin", "pretty.json", None])
def test_cli_stops_on_a_file_that_is_not_jsonl_or_missing(tiny_copy, tmp_path, capsys, bad_file):
    db = tmp_path / "ca.duckdb"
    assert _run_cli("--source", str(tiny_copy), "--db", str(db), "--bootstrap", str(TEST_BOOTSTRAP_B)) == 0
    before = _manifest(db)
    capsys.readouterr()
    if bad_file is None:
        (tiny_copy / "annotators.jsonl").unlink()
    else:
        shutil.copy(BAD_INPUTS / bad_file, tiny_copy / "annotators.jsonl")
    code = _run_cli("--source", str(tiny_copy), "--db", str(db), "--bootstrap", str(TEST_BOOTSTRAP_B))
    err = capsys.readouterr().err
    assert code != 0
    assert "build failed: annotators.jsonl" in err and ("missing" in err if bad_file is None else "not JSON" in err)
    assert "previous store" in err
    assert _manifest(db) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("ca.duckdb")] == ["ca.duckdb"]


def test_cli_prints_the_build_report(tmp_path, capsys):
    db = tmp_path / "bad.duckdb"
    source = BAD_INPUTS / "release_bad"
    assert _run_cli("--source", str(source), "--db", str(db), "--bootstrap", str(TEST_BOOTSTRAP_B)) == 0
    out = capsys.readouterr().out
    assert re.search(r"^comparisons\.jsonl +11 +4 +7  line_by_line$", out, re.MULTILINE)
    assert "invalid_ranking.missing_letter" in out and "line 12: assessment 0: world: D missing" in out
    assert "merged_comparisons_annotators.jsonl: missing_from_merged = 3" in out
    assert f"Store: {db}" in out and "statistics" in out


def test_open_store_explains_a_missing_or_broken_file(tmp_path):
    with pytest.raises(StoreError, match=r"No data store .* python -m core build --source SOURCE --db"):
        open_store(tmp_path / "nothing.duckdb")
    garbage = tmp_path / "garbage.duckdb"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot be opened"):
        open_store(garbage)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(StoreError, match="incomplete"):
        open_store(empty)


def test_default_store_paths_and_rebuild_commands(tmp_path):
    assert store_path("sample") == config.BUILD_DIR / "ca_sample.duckdb"
    assert store_path("hf") == config.BUILD_DIR / "ca_hf.duckdb"
    one, two = tmp_path / "a" / "release", tmp_path / "b" / "release"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    assert store_path(str(one)).name.startswith("ca_release-") and store_path(str(one)) != store_path(str(two))
    assert store.rebuild_command(config.BUILD_DIR / "ca_sample.duckdb") == "python -m core build --source sample"


def test_ranker_runs_come_from_the_shipped_folder_and_the_source(tiny_copy, tmp_path, monkeypatch):
    run = tiny_copy / "rankers" / "run-1"
    run.mkdir(parents=True)
    (run / "manifest.json").write_text("{}", encoding="utf-8")
    seen = []

    def fake_ingest(con, run_dirs):
        seen.extend(run_dirs)
        return []

    monkeypatch.setattr(builder, "ingest_runs", fake_ingest)
    build(str(tiny_copy), db_path=tmp_path / "ca.duckdb", bootstrap_b=TEST_BOOTSTRAP_B, seed=1)
    assert seen[-1] == run and all(p.parent in (config.RANKERS_DIR, tiny_copy / "rankers") for p in seen)


@pytest.mark.slow
def test_sample_build_counts_reconcile_with_an_independent_count(tmp_path):
    import json
    from collections import Counter

    sample = config.SAMPLE_DIR
    if not (sample / "comparisons.jsonl").is_file():
        pytest.skip("data/sample not generated")
    comparisons = [json.loads(x) for x in (sample / "comparisons.jsonl").read_text(encoding="utf-8").splitlines()]
    annotators = [json.loads(x) for x in (sample / "annotators.jsonl").read_text(encoding="utf-8").splitlines()]
    canon = Counter((p["prompt_id"], a["annotator_id"]) for p in comparisons for a in p["metadata"]["assessments"])
    listed = Counter((a["conversation_id"], row["annotator_id"]) for row in annotators for a in row["assessments"])
    only = sum((listed - canon).values())

    result = build("sample", db_path=tmp_path / "ca_sample.duckdb", bootstrap_b=TEST_BOOTSTRAP_B, seed=1)
    rows = result.table_rows
    assert rows["prompts"] == len(comparisons) and rows["annotators"] == len(annotators)
    assert rows["assessments"] == sum(canon.values())
    assert rows["annotator_only_assessments"] == only
    assert rows["assessment_ranks"] >= 4 * rows["assessments"]
    manifest = _manifest(result.db_path)
    assert manifest["synthetic"] == "true" and manifest["source"] == "sample"
    # The sample's own ranker run (rankers/ in the source folder) is ingested and its report rows kept.
    assert any(r["check"] == "ranker_run_ingested" and r["count"] == len(comparisons) for r in result.report)
    con = open_store(result.db_path)
    try:
        duplicates = con.execute("SELECT count(*) FROM assessments WHERE is_duplicate_pair").fetchone()[0]
        assert duplicates == sum(n for n in canon.values() if n > 1)
        assert con.execute("SELECT count(*) FROM prompts WHERE is_anchor").fetchone()[0] <= 1
    finally:
        con.close()
