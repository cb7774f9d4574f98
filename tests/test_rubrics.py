"""Rubrics (issue 16): message shapes, validation, the join against an independent computation from the raw
files, the stored statistics against the planted truth, the CLI summary, and which hub repository is read."""
from __future__ import annotations

import difflib
import json
import math
import re
import shutil
import subprocess
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from core import config
from core.config import RUBRIC_FILE, SAMPLE_DIR
from core.release.source import Record, attach_rubrics, open_release, resolve_source
from core.release.validate import Report
from core.rubrics import conversation, join, stats
from core.rubrics.validate import validate_rubrics
from core.store.builder import build
from core.synth.writer import RUBRIC_TRUTH
from tests.conftest import TEST_BOOTSTRAP_B

ROOT = Path(__file__).resolve().parent.parent


# ---- independent reference computation, written here from the raw files (not core.rubrics) ----

def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _raw_key(messages: list[dict]) -> tuple:
    out = []
    for m in messages:
        role = (m.get("author") or {}).get("role") or m.get("role")
        content = m["content"]
        text = "\n".join(p for p in content["parts"] if isinstance(p, str)) if isinstance(content, dict) else content
        text = _plain(text)
        if text:
            out.append(("developer" if role == "system" else role, text))
    return tuple(out)


def reference_join(folder: Path) -> dict[str, int]:
    """Exact joins by the normalised (role, text) sequence; the rest by character similarity of the joined text
    (difflib, >= 0.9 and clearly ahead of the runner-up), otherwise unmatched."""
    prompts = defaultdict(list)
    for line in (folder / "comparisons.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        prompts[_raw_key(row["prompt"]["messages"])].append(row["prompt_id"])
    flat = {k: " | ".join(f"{r}: {t}" for r, t in k).casefold() for k in prompts}
    counts = {"rubric_rows": 0, "matched_exact": 0, "matched_tolerant": 0, "ambiguous": 0, "unmatched": 0,
              "items": 0, "scores": 0}
    joined = set()
    for line in (folder / RUBRIC_FILE).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        counts["rubric_rows"] += 1
        counts["items"] += len(row["coval_full"])
        counts["scores"] += sum(len(i["scores"]) for i in row["coval_full"])
        k = _raw_key(row["conversation"]["messages"])
        if len(prompts.get(k, [])) == 1:
            counts["matched_exact"] += 1
            joined.add(prompts[k][0])
            continue
        mine = " | ".join(f"{r}: {t}" for r, t in k).casefold()
        ranked = sorted(((difflib.SequenceMatcher(None, mine, text, autojunk=False).ratio(), key)
                         for key, text in flat.items()), reverse=True)
        (best, key), (second, _) = ranked[0], ranked[1]
        if best >= 0.9 and (1 - second) >= 1.5 * (1 - best):
            counts["matched_tolerant"] += 1
            joined.add(prompts[key][0])
        else:
            counts["unmatched"] += 1
    counts["prompts_without_rubric"] = sum(len(v) for v in prompts.values()) - len(joined)
    return counts


# ---- fixtures ----

@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("rubric_sample") / "ca.duckdb"
    build(str(SAMPLE_DIR), db_path=db, bootstrap_b=TEST_BOOTSTRAP_B, seed=1)
    return db


@pytest.fixture(scope="module")
def full_release(tmp_path_factory) -> Path:
    from core.synth.generate import generate

    out = tmp_path_factory.mktemp("rubric_full")
    generate("full", 3, out)
    return out


@pytest.fixture(scope="module")
def full_store(full_release, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("rubric_full_db") / "ca.duckdb"
    build(str(full_release), db_path=db, bootstrap_b=TEST_BOOTSTRAP_B, seed=1)
    return db


def _summary(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("SELECT key, value FROM rubric_summary").fetchall())


# ---- message shapes and the key ----

def test_both_message_shapes_give_one_key():
    release_shape = [{"role": "developer", "content": "Be  brief."}, {"role": "user", "content": "Hi\u00a0there "}]
    openai_shape = [
        {"author": {"role": "system"}, "content": {"content_type": "text", "parts": [""]}},
        {"author": {"role": "system", "name": None}, "content": {"content_type": "text", "parts": ["Be brief."]}},
        {"author": {"role": "user"}, "content": {"content_type": "text", "parts": ["Hi there"]}, "recipient": "all"},
    ]
    keys = [conversation.key([t for m in shape if (t := conversation.message_text(m))])
            for shape in (release_shape, openai_shape)]
    assert keys[0] == keys[1]
    assert conversation.message_text({"author": {"role": "user"}, "content": {"parts": ["a", {"image": 1}, "b"]}}) \
        == ("user", "a b")
    with pytest.raises(ValueError, match=r"author\.role"):
        conversation.message_text({"content": "no role"})
    with pytest.raises(ValueError, match="parts"):
        conversation.message_text({"role": "user", "content": {"content_type": "text"}})


# ---- the join on constructed cases: every row in exactly one state ----

def _k(text: str) -> str:
    return conversation.key([("user", conversation.normalise_text(text))])


def test_join_states_and_scores():
    prompts = {
        "p1": _k("Should people stop eating beef in the world to help the climate, and what would it change?"),
        "p2": _k("Write a short poem about the sea at night for a child who cannot sleep."),
        "p3": _k("Same words here"), "p4": _k("Same words here"),  # two prompts with one text
        "p5": _k("Tell me about the history of the bicycle in the Netherlands please now"),
        "p6": _k("Tell me about the history of the bicycle in the Netherlands please today"),
    }
    rows = [
        _k("Write a short poem about the sea at night for a child who cannot sleep."),  # exact
        _k("Should people stop eat beef in the world to help the climate, and what would it change?"),  # near miss
        _k("Same words here"),  # exact text of two prompts
        _k("Tell me about the history of the bicycle in the Netherlands please"),  # as close to p5 as to p6
        _k("Completely unrelated text about volcanoes on Mars"),  # nothing
    ]
    out = join.join(rows, prompts)
    assert [j.status for j in out] == [join.EXACT, join.TOLERANT, join.AMBIGUOUS, join.AMBIGUOUS, join.UNMATCHED]
    assert out[0].prompt_id == "p2" and out[0].score == 1.0
    assert out[1].prompt_id == "p1" and 0.9 <= out[1].score < 1.0 and out[1].runner_up_score < out[1].score
    assert all(j.prompt_id is None for j in out[2:])
    assert out[4].score is not None and out[4].score < join.TOLERANT_MIN


def test_a_prompt_is_never_joined_twice():
    prompts = {"p1": _k("One prompt with a reasonably long text to compare against the others here")}
    rows = [_k("One prompt with a reasonably long text to compare against the others here"),
            _k("One prompt with a reasonably long text to compare against the other here")]
    assert [j.status for j in join.join(rows, prompts)] == [join.EXACT, join.AMBIGUOUS]
    rows = [_k("One prompt with a reasonably long text to compare against the other here"),
            _k("One prompt with a reasonably long texts to compare against the others here")]
    assert [j.status for j in join.join(rows, prompts)] == [join.AMBIGUOUS, join.AMBIGUOUS]


# ---- validation: a bad row, item, score or core criterion rejects only itself ----

def _row(**over) -> dict:
    row = {"conversation": {"id": "c1", "messages": [{"author": {"role": "user"},
                                                      "content": {"content_type": "text", "parts": ["Hello"]}}]},
           "coval_full": [{"rubric_item_id": "i1", "criterion": "Is kind", "scores": [
               {"annotator_id": "a1", "score": 5}]}],
           "coval_core": [{"criterion": "Be kind."}]}
    row.update(over)
    return row


def test_validation_counts_every_rejection():
    bad_scores = [{"annotator_id": "a1", "score": 4}, {"annotator_id": "a2", "score": 11},
                  {"annotator_id": "a3", "score": "7"}, {"annotator_id": "a1", "score": 2}, {"score": 1},
                  {"annotator_id": "a4", "score": True}, {"annotator_id": "a5", "score": -10}]
    records = [
        Record(1, _row()),
        Record(2, error="not valid JSON"),
        Record(3, [1, 2]),
        Record(4, _row(conversation={"id": "c4"})),
        Record(5, _row(conversation={"id": "c1", "messages": [{"role": "user", "content": "x"}]})),  # duplicate id
        Record(6, _row(conversation={"id": "c6", "messages": [{"author": {"role": "system"},
                                                                "content": {"parts": [" "]}}]})),
        Record(7, _row(conversation={"id": "c7", "messages": [{"content": "no role"}]})),
        Record(8, _row(conversation={"id": "c8", "messages": [{"role": "user", "content": "ok"}]},
                       coval_full=[{"criterion": "", "scores": []}, {"criterion": "x", "scores": []},
                                   {"criterion": "y", "scores": bad_scores}, "not an item"],
                       coval_core=[{"criterion": "fine"}, {"criterion": None}, {}], extra=1)),
    ]
    report = Report()
    rows = validate_rubrics(records, report)
    assert [r.conversation_id for r in rows] == ["c1", "c8"]
    units = {unit: c for (f, unit), c in report.units.items() if f == RUBRIC_FILE}
    assert units["rows"] == {"input_rows": 8, "accepted": 2, "rejected": 6}
    assert units["items"] == {"input_rows": 5, "accepted": 2, "rejected": 3}
    assert units["scores"] == {"input_rows": 8, "accepted": 3, "rejected": 5}
    assert units["core_items"] == {"input_rows": 4, "accepted": 2, "rejected": 2}
    counts = {check: n for (f, check), n in report.counts.items() if f == RUBRIC_FILE}
    assert counts == {
        "malformed_json": 1, "not_an_object": 1, "missing_key": 1, "rubric_duplicate_conversation": 1,
        "rubric_no_text": 1, "rubric_bad_message": 1, "rubric_item_no_criterion": 1, "rubric_item_no_scores": 1,
        "wrong_type": 1, "rubric_score_out_of_range": 1, "rubric_score_not_integer": 3, "rubric_duplicate_score": 1,
        "rubric_core_no_criterion": 2, "rubric_unexpected_key": 1, "rubric_two_or_three_scorers": 1,
    }
    assert rows[1].items[-1].scores == [("a1", 4), ("a5", -10)]
    assert {r["check"]: r["severity"] for r in report.rows()}["rubric_score_out_of_range"] == "rejected"


# ---- the build: sample and full scale, against the independent computation and the planted truth ----

def test_sample_join_matches_independent_computation_and_planted_truth(sample_store):
    summary = _summary(sample_store)
    assert summary == reference_join(SAMPLE_DIR)
    truth = json.loads((SAMPLE_DIR / RUBRIC_TRUTH).read_text(encoding="utf-8"))
    expected = {"exact": join.EXACT, "spacing": join.EXACT, "near_miss": join.TOLERANT, "unmatched": join.UNMATCHED}
    with duckdb.connect(str(sample_store), read_only=True) as con:
        got = con.execute("SELECT source_line, status, prompt_id FROM rubric_conversations").fetchall()
        without = {p for (p,) in con.execute(
            "SELECT prompt_id FROM prompts WHERE prompt_id NOT IN "
            "(SELECT prompt_id FROM rubric_conversations WHERE prompt_id IS NOT NULL)").fetchall()}
    assert [(line, status, pid) for line, status, pid in got] == [
        (n + 1, expected[variant], pid) for n, (pid, variant) in enumerate(truth["rows"])]
    assert without == set(truth["prompts_without_rubric"])
    assert {v for _, v in truth["rows"]} == {"exact", "spacing", "near_miss", "unmatched"}  # every trap present


def test_build_report_accounts_for_every_rubric_row(sample_store):
    with duckdb.connect(str(sample_store), read_only=True) as con:
        report = dict(con.execute("SELECT \"check\", count FROM build_report WHERE file = ?", [RUBRIC_FILE]).fetchall())
        files = con.execute("SELECT input_rows, accepted, rejected FROM build_files WHERE file = ?",
                            [RUBRIC_FILE]).fetchone()
    summary = _summary(sample_store)
    assert files == (summary["rubric_rows"], summary["rubric_rows"], 0)
    joined = sum(report.get(c, 0) for c in ("rubric_joined_exact", "rubric_joined_tolerant", "rubric_ambiguous",
                                            "rubric_unmatched"))
    assert joined == summary["rubric_rows"]
    assert report["prompt_without_rubric"] == summary["prompts_without_rubric"]


def test_stored_means_equal_raw_means_and_cover_the_planted_truth(sample_store):
    truth = json.loads((SAMPLE_DIR / RUBRIC_TRUTH).read_text(encoding="utf-8"))
    raw = [json.loads(x) for x in (SAMPLE_DIR / RUBRIC_FILE).read_text(encoding="utf-8").splitlines()]
    with duckdb.connect(str(sample_store), read_only=True) as con:
        stored = {(line, i): (kind, n, m, lo, hi) for line, i, kind, n, m, lo, hi in con.execute(
            "SELECT c.source_line, s.item_index, s.kind, s.n_participants, s.mean_weight, s.ci_low, s.ci_high "
            "FROM rubric_item_stats s JOIN rubric_conversations c USING (rubric_row)").fetchall()}
    checked = covered = 0
    for line, row in enumerate(raw, start=1):
        if truth["rows"][line - 1][0] is None:
            assert not any(k[0] == line for k in stored)  # unmatched rows give no per-prompt statistics
            continue
        for index, item in enumerate(row["coval_full"]):
            scores = [s["score"] for s in item["scores"]]
            kind, n, mean, lo, hi = stored[line, index]
            assert (kind, n) == ("own" if len(scores) == 1 else "prewritten", len(scores))
            assert mean == pytest.approx(sum(scores) / len(scores), abs=1e-12)
        for index, expected_mean, _ in truth["items"][line - 1]:
            kind, n, mean, lo, hi = stored[line, index]
            if n >= 10:
                checked += 1
                covered += lo <= expected_mean <= hi
    assert checked >= 100 and covered / checked >= 0.9  # nominal 95% intervals


def test_full_scale_counts_like_the_release_and_join_like_the_reference(full_release, full_store):
    summary = _summary(full_store)
    # The release: 986 rows, 968 joined, 18 unmatched, 110 prompts without a rubric (dataset_schema.md §6).
    assert summary["rubric_rows"] == 986 and summary["unmatched"] == 18 and summary["prompts_without_rubric"] == 110
    assert summary["matched_exact"] + summary["matched_tolerant"] == 968 and summary["ambiguous"] == 0
    assert summary == reference_join(full_release)


def test_full_scale_country_spread_and_kind_shares(full_release, full_store):
    truth = json.loads((full_release / RUBRIC_TRUTH).read_text(encoding="utf-8"))
    with duckdb.connect(str(full_store), read_only=True) as con:
        spread = con.execute(
            "SELECT s.country_spread, s.country_spread_pair, s.n_countries_eligible, c.source_line, s.item_index "
            "FROM rubric_item_stats s JOIN rubric_conversations c USING (rubric_row) "
            "JOIN prompts p ON p.prompt_id = s.prompt_id WHERE p.is_anchor ORDER BY s.country_spread DESC"
        ).fetchall()
        shares = {r[0]: r for r in con.execute(
            "SELECT kind, n_items, n_positive, share_positive, ci_low, ci_high FROM rubric_kind_shares").fetchall()}
    top = spread[0]
    shifted = [(line, i) for line, items in enumerate(truth["items"], start=1) for i, _, s in items if s]
    assert [(top[3], top[4])] == shifted
    assert top[1].startswith("MEX–") and 4.0 <= top[0] <= 8.0 and top[2] >= 5
    assert all(r[0] < 3.0 for r in spread[1:] if r[0] is not None)  # no other item on the anchor is planted
    own = shares["own"]
    assert own[4] <= 0.7 <= own[5]  # own items are planted positive with probability 0.7
    assert shares["prewritten"][1] > 4000 and own[1] > 5000


# ---- CLI ----

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", "stats", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_cli_rubric_summary_json_and_table(sample_store):
    out = _cli("--db", str(sample_store), "--rubrics", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert list(doc) == ["rubrics"]
    assert doc["rubrics"] == reference_join(SAMPLE_DIR)
    assert list(doc["rubrics"]) == ["rubric_rows", "matched_exact", "matched_tolerant", "ambiguous", "unmatched",
                                    "prompts_without_rubric", "items", "scores"]
    table = _cli("--db", str(sample_store), "--rubrics", "--format", "table")
    assert re.search(rf"matched_exact\s+{doc['rubrics']['matched_exact']:,}\b", table.stdout)


def test_cli_on_a_store_without_rubrics_prints_zeros_and_a_note(tiny_store, tmp_path):
    out = _cli("--db", str(tiny_store), "--rubrics")
    doc = json.loads(out.stdout)
    assert out.returncode == 0 and set(doc["rubrics"].values()) == {0} and "no rubrics" in doc["note"]
    # A store built before rubrics existed has no rubric tables at all: same answer.
    old = tmp_path / "old.duckdb"
    shutil.copy(tiny_store, old)
    with duckdb.connect(str(old)) as con:
        con.execute("DROP TABLE rubric_summary")
    doc = json.loads(_cli("--db", str(old), "--rubrics").stdout)
    assert set(doc["rubrics"].values()) == {0} and "note" in doc


# ---- sources: optional file, and the repository hf/auto read ----

def test_local_copy_with_and_without_the_rubric_file(tiny_copy, tmp_path):
    assert attach_rubrics(open_release(resolve_source(str(tiny_copy)))) is None
    shutil.copy(SAMPLE_DIR / RUBRIC_FILE, tiny_copy / RUBRIC_FILE)
    release = open_release(resolve_source(str(tiny_copy)))
    item = attach_rubrics(release)
    assert item is not None and release.files[config.RUBRIC_CONFIG] is item and item.n_records > 100
    (tiny_copy / RUBRIC_FILE).write_text("not json\n", encoding="utf-8")
    from core.release.source import SourceError
    with pytest.raises(SourceError, match="not JSON Lines"):
        attach_rubrics(open_release(resolve_source(str(tiny_copy))))


def test_hf_and_auto_read_openai_coval_by_default(monkeypatch):
    # Decided in core/config.py: coval is the only repository whose one revision holds rankings and rubrics.
    code = "from core import config; print(config.HF_REPO, config.HF_REVISION)"
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("CA_HF_REPO", "CA_REVISION")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert out.stdout.split() == ["openai/coval", config.HF_REPO_REVISIONS["openai/coval"]]
    env["CA_HF_REPO"] = "openai/collective-alignment-1"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert out.stdout.split() == ["openai/collective-alignment-1", "bcd3b55"]
    monkeypatch.setattr(config, "HF_REPO", config.COVAL_REPO)
    source = resolve_source("hf")
    assert source.location == "openai/coval"


def test_hub_rubric_file_is_read_through_the_one_load_dataset_call(monkeypatch):
    import datasets
    import huggingface_hub
    from huggingface_hub.hf_api import BlobLfsInfo, RepoSibling

    from core.release import source as source_module
    from core.release.source import Release, Source, iter_records

    names = [*config.HF_CONFIGS.values(), RUBRIC_FILE]

    class Hub:
        def dataset_info(self, repo, revision=None, files_metadata=False):
            siblings = [RepoSibling(rfilename=n, size=10, lfs=BlobLfsInfo(size=10, sha256="9" * 64, pointer_size=1))
                        for n in names]
            return type("Info", (), {"sha": "e" * 40, "siblings": siblings})()

    monkeypatch.setattr(huggingface_hub, "HfApi", Hub)
    monkeypatch.setattr(config, "HF_REPO", config.COVAL_REPO)
    calls = []
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: calls.append((a, k)) or datasets.Dataset.from_json(
        str(SAMPLE_DIR / RUBRIC_FILE)))
    release = Release(source=Source("hf", "hf", config.COVAL_REPO, "hub", False, "test", "x"), files={},
                      resolved_commit="e" * 40)
    item = attach_rubrics(release)
    assert item is not None and item.sha256 == "9" * 64
    first = next(iter_records(release, config.RUBRIC_CONFIG))
    assert "coval_full" in first.value
    assert calls[0][0] == ("openai/coval", "conversation_rubrics") and calls[0][1]["revision"] == "e" * 40
    names.remove(RUBRIC_FILE)  # CA-1: no rubric file on the hub
    assert attach_rubrics(Release(source=release.source, files={}, resolved_commit="e" * 40)) is None
    # Exactly one load_dataset call site in the code base.
    sites = [p for p in (ROOT / "core").rglob("*.py") if "datasets.load_dataset(" in p.read_text(encoding="utf-8")]
    assert sites == [Path(source_module.__file__)]


def test_t_quantile_against_tabled_values():
    tabled = {1: 12.706, 2: 4.303, 3: 3.182, 5: 2.571, 9: 2.262, 15: 2.131, 29: 2.045, 31: 2.040, 40: 2.021,
              60: 2.000, 120: 1.980, 10**6: 1.960}
    got = stats.t_quantile(list(tabled))
    for (df, want), value in zip(tabled.items(), got, strict=True):
        assert math.isclose(value, want, abs_tol=0.001), df
    assert math.isnan(stats.t_quantile([0])[0])


def test_a_report_filled_on_another_thread_merges_as_if_filled_in_place():
    # The build reads the rubric file in a process of its own, into its own Report, and merges it afterwards.
    calls = [("add", "a.jsonl", "bad", line, f"line {line}") for line in range(1, 8)]
    calls += [("tally", "a.jsonl", "rows", ok) for ok in (True, True, False)] + [("add", "b.jsonl", "odd", 3, "x")]
    one, first, second = Report(), Report(), Report()
    first.add("a.jsonl", "bad", 0, "line 0")
    one.add("a.jsonl", "bad", 0, "line 0")
    for call in calls:
        for report in (one, second):
            getattr(report, call[0])(*call[1:])
    first.foreign["bad"] = one.foreign["bad"] = ("rejected", "a bad line")
    second.foreign["odd"] = one.foreign["odd"] = ("info", "an odd line")  # known only to the thread's report
    first.merge(second)
    assert first.rows() == one.rows()
    assert first.counts["a.jsonl", "bad"] == 8 and len(first.examples["a.jsonl", "bad"]) == 5  # examples stay capped
    assert first.units["a.jsonl", "rows"] == {"input_rows": 3, "accepted": 2, "rejected": 1}
