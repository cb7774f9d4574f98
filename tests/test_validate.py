"""Validation and normalisation: the release's quirks, the bad-input corpus, and never crashing on a bad row."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.release import vocab
from core.release.source import Record, open_release, resolve_source
from core.release.validate import CHECKS, COMPARISONS, MERGED, validate_release, validate_source
from tests.conftest import BAD_INPUTS, RELEASE_TINY

P1, P2, P3, P4 = (f"11111111-0000-5000-8000-00000000000{i}" for i in (1, 2, 3, 4))
A = {i: f"aaaaaaaa-0000-5000-8000-00000000000{i}" for i in range(1, 6)}


def _validate_dir(directory):
    release = open_release(resolve_source(str(directory)))
    return release, validate_source(release)


@pytest.fixture(scope="module")
def tiny():
    return _validate_dir(RELEASE_TINY)[1]


def _rows(table: dict[str, list]) -> list[dict]:
    return [dict(zip(table, values)) for values in zip(*table.values())]


def _assessment(tiny, prompt_id, annotator_id) -> list[dict]:
    return [a for a in _rows(tiny.tables["assessments"])
            if a["prompt_id"] == prompt_id and a["annotator_id"] == annotator_id]


def _counts(validated) -> dict[tuple[str, str], int]:
    return dict(validated.report.counts)


def test_unicode_bold_labels_are_normalised(tiny):
    raw = json.loads((RELEASE_TINY / "comparisons.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert "𝗻𝗼𝘁" in raw["metadata"]["assessments"][0]["representativeness"]
    values = set(tiny.tables["assessments"]["representativeness"])
    assert values <= set(vocab.REPRESENTATIVENESS) and len(values) == 5
    assert _counts(tiny)[COMPARISONS, "label_nfkc_normalised"] == 10
    assert (COMPARISONS, "unknown_representativeness") not in _counts(tiny)


def test_not_asked_is_null_and_empty_rating_is_asked_with_nothing_flagged(tiny):
    (asked_none,) = _assessment(tiny, P1, A[1])
    assert asked_none["unacceptable_asked"] is True and asked_none["unacceptable_letters"] == ""
    assert asked_none["personal_ranking"] == "A>B>C=D"
    (two_flagged,) = _assessment(tiny, P1, A[2])
    assert two_flagged["unacceptable_letters"] == "AC"  # sorted, from "C is …" and "A is …"
    (not_asked,) = _assessment(tiny, P1, A[3])
    assert not_asked["unacceptable_asked"] is False
    assert not_asked["unacceptable_letters"] is None and not_asked["unacceptable_rationale"] is None
    assert not_asked["personal_ranking"] is None and not_asked["personal_top"] is None


def test_unalphabetised_tie_keeps_the_released_string_and_ranks_by_group(tiny):
    (row,) = _assessment(tiny, P1, A[2])
    assert row["world_ranking"] == "B>C>D=A" and row["world_top"] == "B"
    ranks = {(r["block"], r["letter"]): r["rank"] for r in _rows(tiny.tables["assessment_ranks"])
             if r["assessment_id"] == row["assessment_id"]}
    assert ranks == {("world", "B"): 1, ("world", "C"): 2, ("world", "D"): 3, ("world", "A"): 3,
                     ("personal", "B"): 1, ("personal", "A"): 2, ("personal", "C"): 3, ("personal", "D"): 4}
    (all_tied,) = _assessment(tiny, P1, A[3])
    assert all_tied["world_ranking"] == "A=B=C=D" and all_tied["world_top"] is None


def test_duplicate_pairs_are_kept_and_marked(tiny):
    duplicates = _assessment(tiny, P2, A[1])
    assert [d["world_ranking"] for d in duplicates] == ["B>A>C>D", "B>A>D>C"]
    assert all(d["is_duplicate_pair"] for d in duplicates)
    assert sum(tiny.tables["assessments"]["is_duplicate_pair"]) == 2
    assert _counts(tiny)[COMPARISONS, "duplicate_pair"] == 2


def test_anchor_prompt_and_participant_counts(tiny):
    prompts = {p["prompt_id"]: p for p in _rows(tiny.tables["prompts"])}
    assert [p for p, row in prompts.items() if row["is_anchor"]] == [P1]
    assert (prompts[P1]["n_participants"], prompts[P2]["n_participants"], prompts[P2]["n_assessments"]) == (5, 2, 3)
    assert tiny.participants == 5
    annotators = dict(zip(tiny.tables["annotators"]["annotator_id"], tiny.tables["annotators"]["n_assessments"]))
    assert annotators == {A[1]: 3, A[2]: 2, A[3]: 2, A[4]: 1, A[5]: 2}


def test_no_anchor_when_the_top_prompt_reaches_only_half(tiny_copy):
    # Drop the anchor's assessments by a3, a4 and a5: P1 then has 2 of 5 participants, P2 has 2, P3 has 2.
    path = tiny_copy / "comparisons.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rows[0]["metadata"]["assessments"] = rows[0]["metadata"]["assessments"][:2]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    _, validated = _validate_dir(tiny_copy)
    assert not any(validated.tables["prompts"]["is_anchor"])
    assert (COMPARISONS, "anchor_prompt") not in _counts(validated)


def test_turns_first_user_text_and_content_notice(tiny):
    prompts = {p["prompt_id"]: p for p in _rows(tiny.tables["prompts"])}
    assert (prompts[P2]["n_turns"], prompts[P2]["turns_user"], prompts[P2]["turns_assistant"]) == (3, 2, 1)
    assert prompts[P2]["first_user_text"] == "Should people stop eating beef?"
    assert [p for p, row in prompts.items() if row["content_notice"]] == [P3]
    roles = [r["role"] for r in _rows(tiny.tables["messages"]) if r["prompt_id"] == P1]
    assert roles == ["developer", "user"]


def test_reconciliation_reports_count_mismatches_and_keeps_annotator_only_assessments_apart(tiny):
    counts = _counts(tiny)
    assert counts["annotators.jsonl", "annotator_only_assessment"] == 2
    assert counts["annotators.jsonl", "assessment_count_mismatch"] == 1  # a4: 3 listed, 1 canonical
    assert counts[MERGED, "missing_from_merged"] == 1  # (P3, a5)
    assert counts[MERGED, "assessment_count_mismatch"] == 1  # P3: 1 merged row vs 2
    assert counts[MERGED, "merged_assessment_mismatch"] == 1  # (P1, a4) world ranking
    only = _rows(tiny.tables["annotator_only_assessments"])
    assert sorted((o["conversation_id"], o["reason"]) for o in only) == [
        (P2, "pair_not_in_comparisons"), (P4, "prompt_not_in_comparisons")]
    # Never merged: the canonical table has no assessment by a4 on P2 and nothing on P4.
    assert _assessment(tiny, P2, A[4]) == [] and P4 not in tiny.tables["assessments"]["prompt_id"]
    assert "annotators_assessment_mismatch" not in {check for _, check in counts}


def test_countries_map_to_iso_codes(tiny):
    countries = dict(zip(tiny.tables["annotators"]["country_of_residence"], tiny.tables["annotators"]["country"]))
    assert countries == {"United States": "USA", "Mexico": "MEX", "Korea, Republic of": "KOR",
                         "United Kingdom": "GBR", "Netherlands": "NLD"}


@pytest.mark.parametrize("label, codes", [
    ("Korea, Republic of", ("KOR", "KR")), ("Türkiye", ("TUR", "TR")), ("Turkey", ("TUR", "TR")),
    ("UK", ("GBR", "GB")), ("USA", ("USA", "US")), ("United States", ("USA", "US")),
    ("  united   kingdom ", ("GBR", "GB")), ("SOUTH AFRICA", ("ZAF", "ZA")), ("Atlantis", None), ("", None),
])
def test_country_codes(label, codes):
    assert vocab.country_codes(label) == codes


def test_bad_input_corpus_gives_exactly_the_expected_report():
    expected = json.loads((BAD_INPUTS / "expected_report.json").read_text(encoding="utf-8"))
    release, validated = _validate_dir(BAD_INPUTS / "release_bad")
    report = validated.report
    assert {(f, c): n for f, c, n, _ in expected["checks"]} == _counts(validated)
    for file, want in expected["files"].items():
        got = report.units[file, "rows"]
        assert {**got, "loader": release.files[_config(file)].loader} == want
        assert got["accepted"] + got["rejected"] == got["input_rows"]
    for file, want in expected["assessments"].items():
        got = report.units[file, "assessments"]
        assert (got["input_rows"], got["accepted"], got["rejected"]) == (
            want["input_assessments"], want["accepted"], want["rejected"])
    rows = report.rows()
    assert all(r["severity"] == CHECKS[r["check"]][0] for r in rows)
    examples = {(r["file"], r["check"]): json.loads(r["examples"]) for r in rows}
    assert examples[COMPARISONS, "malformed_json"] == [
        {"line": 4, "detail": "not valid JSON (Expecting value: line 1 column 15 (char 14))"}]
    assert [e["line"] for e in examples["annotators.jsonl", "malformed_json"]] == [6, 12]


def _config(file: str) -> str:
    from core import config

    return next(c for c, f in config.HF_CONFIGS.items() if f == file)


def test_every_rejection_has_a_description_and_a_known_severity():
    assert {severity for severity, _ in CHECKS.values()} == {"rejected", "flagged", "info"}
    assert all(description.endswith(".") for _, description in CHECKS.values())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def _mutated_assessment(seed_value: object, key: str) -> dict:
    base = {"annotator_id": "x", "importance": vocab.IMPORTANCE[0], "subjectivity": vocab.SUBJECTIVITY[0],
            "representativeness": vocab.REPRESENTATIVENESS[0],
            "ranking_blocks": {"world": [{"ranking": "A>B>C>D"}], "personal": [], "unacceptable": []}}
    if key.startswith("ranking_blocks."):
        base["ranking_blocks"][key.split(".")[1]] = seed_value
    else:
        base[key] = seed_value
    return base


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(json_values, min_size=1, max_size=6),
    keys=st.lists(st.sampled_from(["annotator_id", "importance", "ranking_blocks", "ranking_blocks.world",
                                   "ranking_blocks.personal", "ranking_blocks.unacceptable"]), min_size=6, max_size=6),
    garbage=st.lists(st.one_of(json_values.map(lambda v: Record(line=0, value=v)),
                               st.text(max_size=10).map(lambda t: Record(line=0, error=t))), max_size=4),
)
def test_arbitrary_bad_records_never_crash_and_every_row_is_accounted_for(values, keys, garbage):
    prompt = json.loads((RELEASE_TINY / "comparisons.jsonl").read_text(encoding="utf-8").splitlines()[0])
    prompt["metadata"]["assessments"] = [_mutated_assessment(v, k) for v, k in zip(values, keys)]
    comparisons = [Record(line=1, value=prompt)] + [Record(line=i + 2, value=g.value, error=g.error)
                                                     for i, g in enumerate(garbage)]
    merged = [Record(line=i + 1, value=v) for i, v in enumerate(values)]
    annotators = [Record(line=i + 1, value={"annotator_id": "x", "demographics": v, "assessments": [v]})
                  for i, v in enumerate(values)]
    validated = validate_release(comparisons, annotators, merged)
    units = validated.report.units
    assert units[COMPARISONS, "rows"]["input_rows"] == len(comparisons)
    assert units[COMPARISONS, "assessments"]["input_rows"] == len(values)
    assert units[MERGED, "rows"]["input_rows"] == len(values)
    for counts in units.values():
        assert counts["accepted"] + counts["rejected"] == counts["input_rows"]
    assert len(validated.tables["assessments"]["assessment_id"]) == units[COMPARISONS, "assessments"]["accepted"]
    rejected = sum(n for (file, check), n in validated.report.counts.items()
                   if file == COMPARISONS and CHECKS[check][0] == "rejected")
    assert rejected == units[COMPARISONS, "rows"]["rejected"] + units[COMPARISONS, "assessments"]["rejected"]


def _copies_with_variants(records: list[Record], key: str) -> list[Record]:
    """The records again, each assessment (or merged row) followed by variants the copy short-cut must not hide."""
    variants = [
        lambda a: a,  # an identical second copy
        lambda a: {**a, "importance": "  " + str(a.get("importance"))},  # same label after NFKC and strip
        lambda a: {**a, "conversation_id": None},
        lambda a: {**a, "conversation_id": 7},
        lambda a: {**a, "annotator_id": "someone else"},
        lambda a: {**a, "ranking_blocks": {**a["ranking_blocks"], "personal": []}},
        lambda a: {**a, "ranking_blocks": {**a["ranking_blocks"], "world": [{"ranking": "A>B>C>E"}]}},
        lambda a: {**a, "subjectivity": 5},
    ]
    out = []
    for record in records:
        row = json.loads(json.dumps(record.value))
        if key == "assessments":
            row["assessments"] = [v(a) for a in row["assessments"] for v in variants]
            out.append(Record(line=record.line, value=row))
        else:
            out += [Record(line=record.line, value=v(row)) for v in variants]
    return out


def test_copies_of_canonical_assessments_validate_exactly_as_if_parsed_again(monkeypatch):
    # annotators.jsonl and the merged file reuse the canonical parse when a copy repeats it field for field;
    # with that short-cut switched off every copy is parsed from scratch, and nothing may change.
    from core import config
    from core.release import validate
    from core.release.source import iter_records

    release = open_release(resolve_source(str(RELEASE_TINY)))
    comparisons, annotators, merged = (list(iter_records(release, c)) for c in config.HF_CONFIGS)
    annotators = _copies_with_variants(annotators, "assessments")
    merged = _copies_with_variants(merged, "row")
    fast = validate_release(comparisons, annotators, merged)
    monkeypatch.setattr(validate, "_copy_of", lambda obj, candidates: None)
    slow = validate_release(comparisons, annotators, merged)
    assert fast.tables == slow.tables
    assert fast.report.rows() == slow.report.rows() and fast.report.units == slow.report.units
    counts = _counts(fast)
    assert counts["annotators.jsonl", "annotators_assessment_mismatch"] > 0
    assert counts[MERGED, "merged_not_in_comparisons"] > 0 and counts[MERGED, "wrong_type"] > 0


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_restores_the_collector_even_when_validation_fails(enabled):
    import gc

    from core.release.validate import gc_paused

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError), gc_paused():
            assert not gc.isenabled()
            raise RuntimeError("boom")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_the_collector_stays_paused_until_the_last_of_two_overlapping_readers_leaves():
    import gc

    from core.release.validate import gc_paused

    assert gc.isenabled()
    first, second = gc_paused(), gc_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the rubric thread's reader is still inside
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_the_pause_ends_with_the_survivors_in_the_oldest_generation_and_nothing_frozen():
    import gc

    from core.release.validate import gc_paused

    assert gc.isenabled()
    with gc_paused():
        rows = [{"row": i, "cells": [i, str(i)]} for i in range(50_000)]
        assert gc.get_count()[0] > 50_000  # nothing collected while paused
    young, middle, _ = gc.get_count()
    assert young < 1_000 and middle == 0 and gc.get_freeze_count() == 0
    assert any(o is rows for o in gc.get_objects(generation=2))


@pytest.mark.parametrize("texts, expected", [
    (["A recipe with grapes", "Essex county"], False),  # the letters of "rape" and "sex", inside other words
    (["Is it OK to write about Suicidal thoughts?"], True),  # a wildcard word, upper case
    (["self-harm"], True),
    (["", None, "nothing here"], False),
    (["the gorey details"], False),  # "gore" and "gory" are whole words only
    (["GORE"], True),
])
def test_content_notice_is_the_patterns_verdict_with_or_without_the_quick_check(texts, expected):
    from core.release import vocab

    joined = "\n".join(t for t in texts if t).lower()
    assert (vocab.CONTENT_NOTICE_PATTERN.search(joined) is not None) is expected
    assert vocab.needs_content_notice(texts) is expected
