"""The spec changelog: schema validation, verbatim wording, quotations, the word diff and the evidence reads."""
from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from core import config
from core.changelog import entries as changelog
from core.changelog.textdiff import rebuild, tokens, word_diff
from core.reads import changelog_evidence
from core.stats.build import query

SHARED = config.ROOT.parent / "shared"
SPEC_DIR = SHARED / "model_spec"
RESEARCH_NOTES = SHARED / "research" / "model_spec_and_changes.md"


def raw_doc() -> dict:
    """The shipped file parsed the way the loader parses it (dates kept as text)."""
    return yaml.load(config.CHANGELOG_YAML.read_text(encoding="utf-8"), Loader=changelog._TextDatesLoader)


def write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "changelog.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems_for(tmp_path: Path, doc: dict) -> list[str]:
    with pytest.raises(changelog.ChangelogError) as info:
        changelog.load(write(tmp_path, doc))
    return info.value.problems


# --- the shipped file ----------------------------------------------------------------------------------------

def test_shipped_file_is_valid_and_has_the_required_entries():
    log = changelog.load()
    by_id = {e.id: e for e in log.entries}
    ca1 = by_id["CA-1"]
    assert (ca1.status, ca1.evidence, ca1.category) == ("adopted", "confirmed", "clarification")
    assert ca1.sections == ("avoid_targeted_political_manipulation",)
    assert (ca1.spec_version_before, ca1.spec_version_after) == ("2025-04-11", "2025-09-12")
    assert by_id["CA-NA-1"].status == "set aside" and by_id["CA-NA-1"].after is None
    assert by_id["CA-NA-2"].status == "deferred" and by_id["CA-NA-2"].sections == ("no_erotica_or_gore",)
    inferred = [e for e in log.entries if e.evidence == "inferred"]
    assert {e.id for e in inferred} >= {"CA-C2", "CA-C3", "CA-C4", "CA-C5", "CA-C6"}
    assert all(e.title_source == "project" and e.rationale is None and e.confidence for e in inferred)


def test_status_counts_cover_every_status_and_match_the_entries():
    log = changelog.load()
    counts = log.status_counts()
    assert list(counts) == list(changelog.STATUSES)
    for status in changelog.STATUSES:
        assert sum(counts[status].values()) == sum(e.status == status for e in log.entries)


def test_select_filters_and_sorts_newest_first():
    log = changelog.load()
    everything = log.select()
    assert [e.date for e in everything] == sorted((e.date for e in everything), reverse=True)
    assert everything[0].id == "CA-1"  # newest date, first in file among equals
    assert {e.id for e in log.select(status="set aside")} == {"CA-NA-1"}
    political = log.select(section="avoid_targeted_political_manipulation")
    assert {e.id for e in political} == {"CA-1", "CA-NA-1"}
    assert log.select(status="deferred", section="avoid_targeted_political_manipulation") == []


# --- schema validation: each kind of bad entry names the entry and the field ---------------------------------

def _mutate(change) -> dict:
    doc = raw_doc()
    change(doc["entries"])
    return doc


BAD_ENTRIES = {
    "missing field": (lambda es: es[0].pop("evidence"), "entry 'CA-1', field 'evidence'", "missing"),
    "bad status": (lambda es: es[0].update(status="maybe"), "entry 'CA-1', field 'status'", "'maybe'"),
    "anchor not in the sections csv": (
        lambda es: es[1].update(sections=["assume_objective_pov", "no_such_section"]),
        "entry 'CA-C2', field 'sections[1]'", "model_spec_sections.csv"),
    "impossible date": (lambda es: es[2].update(date="2025-02-30"), "entry 'CA-C3', field 'date'", "YYYY-MM-DD"),
    "date in the wrong form": (lambda es: es[2].update(date="12/09/2025"), "entry 'CA-C3', field 'date'", "YYYY-MM-DD"),
    "quote without attribution": (
        lambda es: next(e for e in es if e["id"] == "CA-NA-1")["rationale"].pop("attribution"),
        "entry 'CA-NA-1', field 'rationale.attribution'", "attribution"),
    "quote with empty attribution": (
        lambda es: next(e for e in es if e["id"] == "CA-NA-2")["rationale"].update(attribution="  "),
        "entry 'CA-NA-2', field 'rationale.attribution'", "empty"),
    "confirmed entry without rationale": (
        lambda es: next(e for e in es if e["id"] == "CA-NA-2").update(rationale=None),
        "entry 'CA-NA-2', field 'rationale'", "quotation"),
    "not adopted but with new wording": (
        lambda es: next(e for e in es if e["id"] == "CA-NA-1").update(after="new words"),
        "entry 'CA-NA-1', field 'after'", "null"),
    "adopted without new wording": (lambda es: es[0].update(after=None), "entry 'CA-1', field 'after'", "adopted"),
    "adopted but unchanged": (lambda es: es[0].update(after=es[0]["before"]), "entry 'CA-1', field 'after'",
                              "identical"),
    "inferred entry titled as OpenAI's": (lambda es: es[3].update(title_source="openai"),
                                          "entry 'CA-C4', field 'title_source'", "project"),
    "inferred entry without confidence": (lambda es: es[3].pop("confidence"), "entry 'CA-C4', field 'confidence'",
                                          "missing"),
    "unknown spec version": (lambda es: es[0].update(spec_version_after="2026-01-01"),
                             "entry 'CA-1', field 'spec_version_after'", "2025-09-12"),
    "misspelt field": (lambda es: es[0].update(rationle="x"), "entry 'CA-1', field 'rationle'", "not a known field"),
    "duplicate id": (lambda es: es[1].update(id="CA-1"), "entry 'CA-1', field 'id'", "used by 2 entries"),
    "source link not https": (lambda es: es[0]["sources"][0].update(url="javascript:alert(1)"),
                              "entry 'CA-1', field 'sources[0].url'", ""),
}


@pytest.mark.parametrize("case", list(BAD_ENTRIES))
def test_bad_entry_fails_naming_entry_and_field(tmp_path, case):
    change, where, detail = BAD_ENTRIES[case]
    problems = problems_for(tmp_path, _mutate(change))
    hits = [p for p in problems if p.startswith(where)]
    assert hits, f"{case}: no problem starts with {where!r}: {problems}"
    assert any(detail in p for p in hits), f"{case}: {hits}"


def test_bad_status_is_reported_once_not_as_a_cascade(tmp_path):
    problems = problems_for(tmp_path, _mutate(lambda es: es[0].update(status="maybe")))
    assert problems == ["entry 'CA-1', field 'status': 'maybe' is not one of: adopted, deferred, set aside"]


def test_entry_without_id_is_named_by_position(tmp_path):
    problems = problems_for(tmp_path, _mutate(lambda es: es[2].pop("id")))
    assert "entry #3 (no id), field 'id': missing (required)" in problems


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    def several(es):
        es[0].update(status="maybe")
        es[4].update(date="2025-1-1")
    problems = problems_for(tmp_path, _mutate(several))
    assert any(p.startswith("entry 'CA-1', field 'status'") for p in problems)
    assert any(p.startswith("entry 'CA-C5', field 'date'") for p in problems)


def test_error_message_names_the_file(tmp_path):
    with pytest.raises(changelog.ChangelogError, match=r"changelog\.yaml: 1 problem"):
        changelog.load(write(tmp_path, _mutate(lambda es: es[0].update(status="maybe"))))


def test_malformed_yaml_is_a_clear_error(tmp_path):
    path = tmp_path / "changelog.yaml"
    path.write_text("entries:\n  - id: CA-1\n    title: a: b: c\n", encoding="utf-8")
    with pytest.raises(changelog.ChangelogError, match="not valid YAML"):
        changelog.load(path)


def test_unquoted_impossible_date_is_reported_not_a_crash(tmp_path):
    text = config.CHANGELOG_YAML.read_text(encoding="utf-8").replace("date: 2025-08-27", "date: 2025-13-45", 1)
    path = tmp_path / "changelog.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(changelog.ChangelogError) as info:
        changelog.load(path)
    assert any("'2025-13-45' is not a real date" in p for p in info.value.problems)


# --- wording is verbatim spec text; quotations come from the research notes ----------------------------------

def _spec(version: str) -> str:
    return (SPEC_DIR / f"model_spec_{version}.md").read_text(encoding="utf-8")


# Ids read from the raw file, so a schema problem fails the schema test instead of breaking collection.
ENTRY_IDS = [e.get("id") for e in yaml.safe_load(config.CHANGELOG_YAML.read_text(encoding="utf-8"))["entries"]]


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason="../shared/model_spec is not present")
@pytest.mark.parametrize("entry_id", ENTRY_IDS)
def test_wording_is_verbatim_in_the_named_spec_version(entry_id):
    entry = next(e for e in changelog.load().entries if e.id == entry_id)
    assert entry.before in _spec(entry.spec_version_before)
    if entry.after is not None:
        assert entry.after in _spec(entry.spec_version_after)
    for title in entry.examples_added:
        assert f"**Example**: {title}\n" in _spec(entry.spec_version_after)
        assert f"**Example**: {title}\n" not in _spec(entry.spec_version_before)


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason="../shared/model_spec is not present")
def test_set_aside_rule_stayed_word_for_word_in_the_next_release():
    entry = next(e for e in changelog.load().entries if e.id == "CA-NA-1")
    assert entry.before in _spec("2025-09-12")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.skipif(not RESEARCH_NOTES.is_file(), reason="../shared/research is not present")
def test_quotations_and_openai_titles_are_from_the_research_notes():
    notes = _flat(RESEARCH_NOTES.read_text(encoding="utf-8"))
    log = changelog.load()
    quotes = [log.summary_quote, *log.category_definitions.values(), *(e.rationale for e in log.entries)]
    for quotation in filter(None, quotes):
        assert _flat(quotation.quote) in notes, quotation.quote
    for entry in log.entries:
        if entry.title_source == "openai":
            assert _flat(entry.title) in notes, entry.title


def test_readable_drops_footnotes_and_renders_cross_links():
    titles = {"no_agenda": "Don't have an agenda"}
    text = "terms[^onv4] and [?](#no_agenda), a [point of view](#assume_objective_pov), [?](#gone)."
    assert changelog.readable(text, titles) == "terms and “Don't have an agenda”, a point of view, #gone."


# --- the word diff -----------------------------------------------------------------------------------------

def test_diff_of_identical_texts_is_one_equal_segment():
    assert word_diff("Stay in bounds.", "Stay in bounds.") == [("equal", "Stay in bounds.")]


def test_diff_with_empty_before_is_one_insertion():
    assert word_diff("", "New rule.") == [("insert", "New rule.")]
    assert word_diff("Old rule.", "") == [("delete", "Old rule.")]
    assert word_diff("", "") == []


def test_diff_marks_an_inserted_phrase():
    before = "references of hateful content are allowed"
    after = "references of hateful content from an objective point of view are allowed"
    assert word_diff(before, after) == [
        ("equal", "references of hateful content "),
        ("insert", "from an objective point of view "),
        ("equal", "are allowed"),
    ]


def test_diff_marks_a_deleted_word():
    assert word_diff("general persuasive political content", "general political content") == [
        ("equal", "general"), ("delete", " persuasive"), ("equal", " political content")]


def test_diff_replaces_a_word_as_deletion_then_insertion():
    assert word_diff("news, creative or other", "news, artistic or other") == [
        ("equal", "news, "), ("delete", "creative"), ("insert", "artistic"), ("equal", " or other")]


def test_diff_treats_punctuation_as_its_own_token():
    assert word_diff("Hello, world.", "Hello world!") == [
        ("equal", "Hello"), ("delete", ","), ("equal", " world"), ("delete", "."), ("insert", "!")]
    assert tokens("don't stop—now") == ["don't", " ", "stop", "—", "now"]


def test_diff_keeps_a_rewritten_phrase_together():
    segments = word_diff("a b c d e", "a x y z e")
    assert segments == [("equal", "a "), ("delete", "b c d"), ("insert", "x y z"), ("equal", " e")]
    # a lone shared word inside a rewrite does not split it; a longer shared stretch does
    assert word_diff("that supports or criticizes it", "that is crafted or broad it") == [
        ("equal", "that "), ("delete", "supports or criticizes"), ("insert", "is crafted or broad"), ("equal", " it")]
    assert word_diff("x one two three y", "z one two three w") == [
        ("delete", "x"), ("insert", "z"), ("equal", " one two three "), ("delete", "y"), ("insert", "w")]


@given(st.text(alphabet="ab ,.’'\n—é", max_size=40), st.text(alphabet="ab ,.’'\n—é", max_size=40))
def test_diff_rebuilds_both_texts_with_no_empty_or_repeated_segments(before, after):
    segments = word_diff(before, after)
    assert rebuild(segments, "before") == before
    assert rebuild(segments, "after") == after
    assert all(text for _, text in segments)
    assert all(a[0] != b[0] for a, b in pairwise(segments))
    assert all(not (a[0] == "insert" and b[0] == "delete") for a, b in pairwise(segments))


# --- evidence reads on a planted store ---------------------------------------------------------------------

SECTION = ("(run_id, block, metric, threshold, anchor, estimate, ci_low, ci_high, n_participants, n_assessments, "
           "n_prompts, rank, rank_best, rank_worst, tie_group)")
GROUP = "(run_id, block, metric, threshold, anchor, field, level, estimate, ci_low, ci_high, n_participants, n_assessments)"


@pytest.fixture()
def evidence_db():
    con = duckdb.connect(":memory:")
    con.execute(query("agg_create_tables"))
    con.execute("CREATE TABLE prompts (prompt_id VARCHAR, first_user_text VARCHAR)")
    con.execute("CREATE TABLE section_relevance (run_id VARCHAR, prompt_id VARCHAR, anchor VARCHAR, grade INTEGER)")
    con.executemany(f"INSERT INTO agreement_section {SECTION} VALUES ('r', 'world', 'pairwise', 5, ?, ?, ?, ?, ?, 99, "
                    "9, ?, 1, 3, 1)",
                    [("sec_a", 0.8, 0.7, 0.9, 40, 1), ("sec_b", 0.6, 0.5, 0.7, 25, 2), ("sec_c", 0.5, 0.4, 0.6, 9, 3)])
    con.execute(f"INSERT INTO agreement_section {SECTION} VALUES ('other', 'world', 'pairwise', 5, 'sec_a', 0.1, 0, 0.2, "
                "50, 99, 9, 1, 1, 1, 1)")
    con.executemany(f"INSERT INTO agreement_section_group {GROUP} VALUES ('r', 'world', 'pairwise', 5, 'sec_a', "
                    "'country', ?, "
                    "?, 0, 1, ?, 99)", [("USA", 0.9, 25), ("MEX", 0.7, 12), ("KEN", 0.5, 3)])
    con.execute(f"INSERT INTO agreement_section_group {GROUP} VALUES ('r', 'world', 'pairwise', 5, 'sec_a', 'age', "
                "'18-24', "
                "0.5, 0, 1, 40, 99)")
    con.executemany("INSERT INTO prompts VALUES (?, ?)", [("p1", "one"), ("p2", "two"), ("p3", "three")])
    con.executemany("INSERT INTO section_relevance VALUES ('r', ?, ?, ?)",
                    [("p1", "sec_a", 5), ("p2", "sec_a", 5), ("p3", "sec_a", 3), ("p1", "sec_b", 5)])
    con.executemany("INSERT INTO prompt_stats (prompt_id, block, n_participants, n_assessments, contestedness) "
                    "VALUES (?, 'world', ?, ?, ?)", [("p1", 20, 20, 0.2), ("p2", 15, 15, 0.7), ("p3", 30, 30, 0.9)])
    yield con
    con.close()


def test_section_agreement_reads_only_the_asked_anchors_and_counts_all_ranked(evidence_db):
    df = changelog_evidence.section_agreement(evidence_db, "r", "world", "pairwise", 5, ("sec_a", "sec_c", "zzz"))
    assert df["anchor"].tolist() == ["sec_a", "sec_c"]
    assert df["n_ranked"].tolist() == [3, 3]
    assert df.loc[0, "estimate"] == pytest.approx(0.8)  # run 'r', not the other run's 0.1


def test_section_country_reads_only_country_rows_largest_first(evidence_db):
    df = changelog_evidence.section_country(evidence_db, "r", "world", "pairwise", 5, ("sec_a",))
    assert df["country"].tolist() == ["USA", "MEX", "KEN"]  # the age row is not a country
    assert df["n_participants"].tolist() == [25, 12, 3]


def test_section_prompts_respects_threshold_and_orders_by_contestedness(evidence_db):
    df = changelog_evidence.section_prompts(evidence_db, "r", "world", 5, ("sec_a", "sec_b"))
    assert list(zip(df["anchor"], df["prompt_id"])) == [("sec_a", "p2"), ("sec_a", "p1"), ("sec_b", "p1")]


def test_top_level_problems_are_named_too(tmp_path):
    doc = raw_doc()
    del doc["summary_quote"]["attribution"]
    doc["category_definitions"]["clarification"]["date"] = "soon"
    problems = problems_for(tmp_path, doc)
    assert "section 'summary_quote', field 'attribution': missing (required)" in problems
    assert any(p.startswith("section 'category_definitions', field 'clarification.date'") for p in problems)


def test_an_entry_that_is_not_a_mapping_is_named_by_position(tmp_path):
    doc = raw_doc()
    doc["entries"].append("just a string")
    problems = problems_for(tmp_path, doc)
    assert any(p.startswith(f"entry #{len(doc['entries'])} (no id), field '(the whole item)'") for p in problems)
