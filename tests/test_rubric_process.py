"""The build's rubric stage in a process of its own (core.rubrics.reader): the same tables and report as the stage
run here, the release files it loads ahead found in the `datasets` cache, and every way the process can fail."""
from __future__ import annotations

import pickle
import shutil
import subprocess as sp
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from core.config import HF_CONFIGS, SAMPLE_DIR
from core.release import source
from core.release.source import Release, attach_rubrics, open_release, resolve_source
from core.release.validate import Reject, Report, validate_source
from core.rubrics import store
from core.store.builder import build
from tests.conftest import TEST_BOOTSTRAP_B


@pytest.fixture
def rubric_copy(tmp_path, monkeypatch):
    """The sample release with its rubric file (which joins to its prompts), and a `datasets` cache of its own (the
    process inherits it)."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, target, ignore=shutil.ignore_patterns("rankers"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    return target


def _unopened(directory) -> Release:
    return Release(source=resolve_source(str(directory)), files={})


def _tables_for(directory) -> dict:
    """The validated release tables the join reads, from the directory's three files."""
    return validate_source(open_release(resolve_source(str(directory)))).tables


def _stage_here(directory, tables) -> tuple[dict, Report]:
    """The rubric stage run in this process, step by step: read, join, tables."""
    release = _unopened(directory)
    item = attach_rubrics(release)
    report = Report()
    rows = store.read_rows(release, item, report)
    joined = store.join_rows(item, rows, store.join_inputs(tables), report)
    return store.stored_tables(joined, tables["annotators"]), report


def _stage_there(reading: store.BackgroundRead, tables) -> tuple[dict, Report]:
    report = Report()
    reading.read(report)
    reading.join(tables)
    return reading.tables(report), report


def test_the_rubric_stage_in_its_own_process_gives_what_it_gives_here(rubric_copy):
    reading = store.BackgroundRead(_unopened(rubric_copy))
    assert reading._child is not None  # a process of its own
    tables = _tables_for(rubric_copy)
    there, there_report = _stage_there(reading, tables)
    here, here_report = _stage_here(rubric_copy, tables)
    assert set(there) == set(here) == set(store.STORED)
    for name in store.STORED:
        assert isinstance(there[name], pa.Table) and there[name].equals(here[name]), name
    assert there["rubric_conversations"].num_rows > 100 and there["rubric_item_stats"].num_rows > 100
    assert there_report.rows() == here_report.rows()
    assert reading.item.loader == "load_dataset"
    reading._child.wait(timeout=60)
    assert reading._child.returncode == 0


def test_the_stored_tables_land_in_the_store_as_written_there(rubric_copy, tmp_path):
    import duckdb

    tables = _tables_for(rubric_copy)
    here, _ = _stage_here(rubric_copy, tables)
    with duckdb.connect(str(tmp_path / "s.duckdb")) as con:
        store.insert(con, here)
        for name in store.STORED:
            assert con.table(name).to_arrow_table().equals(here[name]), name
        assert con.execute("SELECT count(*) FROM rubric_item_country").fetchone()[0] == here["rubric_item_country"].num_rows


def test_files_loaded_ahead_by_the_process_are_found_in_the_datasets_cache(rubric_copy, monkeypatch):
    import datasets.builder

    reading = store.BackgroundRead(_unopened(rubric_copy))
    release = open_release(resolve_source(str(rubric_copy)))
    reading.load_ahead(release)
    reading.read(Report())  # answered after the files were loaded ahead
    assert set(store.LOAD_AHEAD) == set(HF_CONFIGS) - {"comparisons"}
    for name in HF_CONFIGS:
        cached = source._cache_dir(release.files[name])
        assert (name in store.LOAD_AHEAD) == any(Path(cached).glob("**/*.arrow")), name
    prepared = []
    real = datasets.builder.DatasetBuilder._download_and_prepare
    monkeypatch.setattr(
        datasets.builder.DatasetBuilder, "_download_and_prepare",
        lambda self, *a, **k: prepared.append(self.config.name) or real(self, *a, **k),
    )
    records = {name: [r.value for r in source.iter_records(release, name)] for name in HF_CONFIGS}
    assert len(prepared) == 1  # only comparisons.jsonl was made here; the other two came from the cache
    assert all(records[name] for name in HF_CONFIGS)
    assert {release.files[name].loader for name in HF_CONFIGS} == {"load_dataset"}
    reading.close()


def test_loading_ahead_skips_what_pyarrow_must_not_see_and_swallows_failures(tiny_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    release = open_release(resolve_source(str(tiny_copy)))
    release.files["annotators"].arrow_unsafe = "line 3 nests deeper than 64 levels"
    merged = release.files["merged_comparison_annotators"]
    (tiny_copy / merged.file).write_text('{"a": 1}\n{"a": "text"\n')  # load_dataset refuses this
    source.load_ahead(release, store.LOAD_AHEAD)  # raises nothing
    assert not (tmp_path / "hf-cache" / "ca-local" / release.files["annotators"].sha256[:24]).exists()
    source.load_ahead(Release(source=resolve_source(str(tiny_copy)), files={}), store.LOAD_AHEAD)  # nothing opened


@pytest.mark.parametrize("how", ["cannot_start", "dies", "dies_after_its_read"])
def test_a_process_that_fails_is_replaced_by_work_here_counted_once(rubric_copy, monkeypatch, how):
    if how == "cannot_start":
        def refuse(*args, **kwargs):
            raise OSError("no processes here")

        monkeypatch.setattr(store.subprocess, "Popen", refuse)
    elif how == "dies":  # exits at once with an error and no answer
        real = sp.Popen
        dying = [sys.executable, "-c", "raise SystemExit(3)"]
        monkeypatch.setattr(store.subprocess, "Popen", lambda args, **kw: real(dying, **kw))
    reading = store.BackgroundRead(_unopened(rubric_copy))
    tables = _tables_for(rubric_copy)
    report = Report()
    reading.read(report)
    if how == "dies_after_its_read":
        reading._child.kill()
    reading.join(tables)
    there = reading.tables(report)
    here, here_report = _stage_here(rubric_copy, tables)
    assert reading.error is None
    assert all(there[name].equals(here[name]) for name in store.STORED)
    assert report.rows() == here_report.rows()  # the read is counted once, also when it was made twice
    reading.close()


FIRST_ANSWER_THEN = """
import pickle, sys
from core.release.validate import Report
release = pickle.load(sys.stdin.buffer)
pickle.load(sys.stdin.buffer)
sys.stdout.buffer.write(pickle.dumps((Report(), release.files["conversation_rubrics"])))
sys.stdout.buffer.flush()
pickle.load(sys.stdin.buffer)
sys.stdout.buffer.write(pickle.dumps({second!r}))
"""


@pytest.mark.parametrize("step", ["read", "join"])
def test_an_error_in_the_process_is_raised_in_the_build(rubric_copy, monkeypatch, step):
    error = ValueError(f"the process could not {step}")
    if step == "read":
        code = (
            "import pickle, sys; pickle.load(sys.stdin.buffer); pickle.load(sys.stdin.buffer); "
            f"sys.stdout.buffer.write({pickle.dumps(error)!r})"
        )
    else:
        code = f"import pickle; second = pickle.loads({pickle.dumps(error)!r})" + FIRST_ANSWER_THEN.replace(
            "{second!r}", "second"
        )
    real = sp.Popen
    monkeypatch.setattr(
        store.subprocess, "Popen", lambda args, **kw: real([sys.executable, "-c", code], **{**kw, "cwd": kw["cwd"]})
    )
    reading = store.BackgroundRead(_unopened(rubric_copy))
    with pytest.raises(ValueError, match=f"could not {step}") as raised:
        reading.read(Report())
        reading.join(_tables_for(rubric_copy))
        reading.tables(Report())
    assert reading.error is raised.value
    reading.close()


def test_a_build_that_stops_before_taking_the_rubric_tables_leaves_no_process_running(
    rubric_copy, monkeypatch, tmp_path
):
    started = []
    real = store.BackgroundRead.__init__

    def remember(self, release):
        real(self, release)
        started.append(self)

    def broken(release):
        raise Reject("planted", "validation stopped on purpose")

    monkeypatch.setattr(store.BackgroundRead, "__init__", remember)
    monkeypatch.setattr("core.store.builder.validate_source", broken)
    with pytest.raises(Reject):
        build(str(rubric_copy), db_path=tmp_path / "stopped.duckdb", bootstrap_b=TEST_BOOTSTRAP_B)
    assert len(started) == 1 and started[0]._child is not None
    assert started[0]._child.poll() is not None  # stopped, not left writing into a pipe nobody reads
