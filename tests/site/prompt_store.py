"""A small DuckDB store with planted answers for the prompt and download pages (follows docs/data-model.md)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from core.rankings import metrics
from core.rankings.grammar import format_ranking, parse_ranking, top_choice
from core.stats.build import query
from core.stats.crowd_build import query as crowd_query

RUN = "run-planted"
SPEC = "2025-04-11"
ANCHOR_PROMPT = "p-anchor"
NOTICE_PROMPT = "p-notice"
SMALL_PROMPT = "p-small"
HOSTILE_PROMPT = "p-hostile"
FILLERS = [f"p-f{i:02d}" for i in range(1, 27)]
HOSTILE_TEXT = "=HYPERLINK(\"http://evil.example\") 100% _off_ <script>alert(1)</script> **bold**"
HOSTILE_RESPONSES = {
    "A": "-1 is a number; - bullet",
    "B": "+SUM(A1:A2)",
    "C": "@import <b>x</b>",
    "D": "\tTabbed\r\nline and \0 nul",
}

# 30 participants: 14 USA, 10 MEX, 4 NLD, 2 KEN.
PEOPLE = (
    [(f"u{i:02d}", "USA", "United States") for i in range(1, 15)]
    + [(f"m{i:02d}", "MEX", "Mexico") for i in range(1, 11)]
    + [(f"n{i:02d}", "NLD", "Netherlands") for i in range(1, 5)]
    + [(f"k{i:02d}", "KEN", "Kenya") for i in range(1, 3)]
)
# The anchor prompt's world rankings by country (hand-computed answers in the tests rely on these).
ANCHOR_WORLD = {"USA": "A>B>C>D", "MEX": "D>C>B>A", "NLD": "B>A>D>C", "KEN": "A>B>C>D"}
# World rationales on the hostile prompt, one per formula trigger (CSV downloads must escape each).
HOSTILE_RATIONALES = {"m01": "\tTab first", "m02": "\rCarriage return first", "m03": "\0NUL first",
                      "m04": "+plus first", "m05": "@at first", "m06": "-minus first", "m07": "=1+1",
                      "m08": "<script>alert('x')</script>", "m09": "[link](http://evil.example) ![img](http://x)"}
RANKER = {ANCHOR_PROMPT: ("B>A>C>D", "The spec favours B's caveat."), HOSTILE_PROMPT: ("C>A>B>D", "<b>why</b>")}

RELEASE_DDL = """
CREATE TABLE prompts (prompt_id VARCHAR PRIMARY KEY, source_line INTEGER, n_turns INTEGER, turns_user INTEGER,
    turns_assistant INTEGER, first_user_text VARCHAR, n_assessments INTEGER, n_participants INTEGER,
    is_anchor BOOLEAN, content_notice BOOLEAN);
CREATE TABLE messages (prompt_id VARCHAR, turn INTEGER, role VARCHAR, content VARCHAR);
CREATE TABLE responses (prompt_id VARCHAR, letter VARCHAR, content VARCHAR);
CREATE TABLE annotators (annotator_id VARCHAR PRIMARY KEY, age VARCHAR, gender VARCHAR, education_level VARCHAR,
    country_of_residence VARCHAR, country VARCHAR, country_iso2 VARCHAR, generative_ai_usage VARCHAR,
    ai_concern_level VARCHAR, ideal_model_behavior VARCHAR, n_assessments INTEGER);
CREATE TABLE assessments (assessment_id INTEGER PRIMARY KEY, prompt_id VARCHAR, annotator_id VARCHAR,
    world_ranking VARCHAR, world_rationale VARCHAR, personal_ranking VARCHAR, personal_rationale VARCHAR,
    unacceptable_asked BOOLEAN, unacceptable_letters VARCHAR, unacceptable_rationale VARCHAR, importance VARCHAR,
    subjectivity VARCHAR, representativeness VARCHAR, is_duplicate_pair BOOLEAN, world_top VARCHAR,
    personal_top VARCHAR);
CREATE TABLE assessment_ranks (assessment_id INTEGER, block VARCHAR, letter VARCHAR, rank INTEGER);
CREATE TABLE build_files (file VARCHAR, input_rows BIGINT, accepted BIGINT, rejected BIGINT, sha256 VARCHAR,
    bytes BIGINT);
CREATE TABLE build_report (file VARCHAR, "check" VARCHAR, severity VARCHAR, "count" BIGINT, description VARCHAR,
    examples VARCHAR);
CREATE TABLE manifest (key VARCHAR, value VARCHAR);
CREATE TABLE spec_sections (spec_version VARCHAR, anchor VARCHAR, title VARCHAR, level INTEGER, parent VARCHAR,
    chapter VARCHAR, position INTEGER);
CREATE TABLE ranker_runs (run_id VARCHAR PRIMARY KEY, ranker_name VARCHAR, model VARCHAR, base_url_host VARCHAR,
    spec_version VARCHAR, spec_sha256 VARCHAR, template_version VARCHAR, created_at VARCHAR, synthetic BOOLEAN,
    parameters VARCHAR, n_prompts INTEGER, n_ok INTEGER, n_failed INTEGER, n_matched INTEGER);
CREATE TABLE ranker_rankings (run_id VARCHAR, prompt_id VARCHAR, ranking VARCHAR, top VARCHAR, rationale VARCHAR,
    prompt_tokens INTEGER, completion_tokens INTEGER, error VARCHAR);
CREATE TABLE ranker_ranks (run_id VARCHAR, prompt_id VARCHAR, letter VARCHAR, rank INTEGER);
CREATE TABLE section_relevance (run_id VARCHAR, prompt_id VARCHAR, anchor VARCHAR, grade INTEGER);
"""
LETTERS = ("A", "B", "C", "D")
ROTATIONS = ["A>B>C>D", "B>A>C>D", "A>C>B>D", "C>A>B=D", "D>A>B>C"]


def _who(prompt_id: str) -> list[tuple[str, str, str]]:
    by_id = {p[0]: p for p in PEOPLE}
    if prompt_id == ANCHOR_PROMPT:
        return PEOPLE
    if prompt_id == NOTICE_PROMPT:
        return [p for p in PEOPLE if p[1] == "USA"][:12]
    if prompt_id == SMALL_PROMPT:
        return [p for p in PEOPLE if p[1] in ("NLD", "KEN")][:5]
    if prompt_id == HOSTILE_PROMPT:
        return [p for p in PEOPLE if p[1] == "MEX"] + [by_id["k01"]]
    return [p for p in PEOPLE if p[1] == "USA"][:10]


def _world(prompt_id: str, person: tuple[str, str, str], i: int) -> str:
    if prompt_id == ANCHOR_PROMPT:
        return ANCHOR_WORLD[person[1]]
    return ROTATIONS[(i + len(prompt_id)) % len(ROTATIONS)]


def _planted_stats(prompt_id: str, k: int) -> dict:
    """Sort keys with a known order: fillers ascend with their number, the small prompt is highest of all."""
    special = {ANCHOR_PROMPT: (0.50, 0.30, 0.90), NOTICE_PROMPT: (0.40, 0.10, None),
               SMALL_PROMPT: (0.99, 0.99, 0.99), HOSTILE_PROMPT: (0.45, 0.60, None)}
    if prompt_id in special:
        return dict(zip(("contestedness", "ranker_div", "country_div"), special[prompt_id]))
    return {"contestedness": 0.01 * k, "ranker_div": 0.02 * (30 - k), "country_div": None}


def build(path: Path) -> Path:
    """Write the planted store to `path` and return it."""
    con = duckdb.connect(str(path))
    con.execute(RELEASE_DDL)
    con.execute(query("agg_create_tables"))
    # Every store the builder writes has the crowd tables; here they stay empty (the planted figures are the ranker's).
    con.execute(crowd_query("crowd_create_tables"))
    prompt_ids = [ANCHOR_PROMPT, NOTICE_PROMPT, SMALL_PROMPT, HOSTILE_PROMPT, *FILLERS]
    people = pd.DataFrame([{
        "annotator_id": a, "age": "25-34" if a[1] in "0" else "35-44", "gender": "Female" if int(a[1:]) % 2 else "Male",
        "education_level": "Graduate degree", "country_of_residence": label, "country": c, "country_iso2": c[:2],
        "generative_ai_usage": "Never", "ai_concern_level": "Not sure / No answer",
        "ideal_model_behavior": "=1+1 <i>free text</i>", "n_assessments": 0,
    } for a, c, label in PEOPLE])
    country_of = dict(zip(people.annotator_id, people.country))
    prompts, messages, responses, assess, ranks = [], [], [], [], []
    aid = 0
    for k, pid in enumerate(prompt_ids):
        text = HOSTILE_TEXT if pid == HOSTILE_PROMPT else f"Question {pid}: what should the assistant do?"
        if pid == FILLERS[0]:
            text = "A prompt about 50%_discounts and wild_cards"
        turns = [("developer", "Be helpful."), ("user", text)]
        if pid == ANCHOR_PROMPT:
            turns += [("assistant", "Could you say more?"), ("user", "Yes: the anchor follow-up.")]
        messages += [{"prompt_id": pid, "turn": t, "role": r, "content": c} for t, (r, c) in enumerate(turns)]
        for x in LETTERS:
            content = HOSTILE_RESPONSES[x] if pid == HOSTILE_PROMPT else f"Response {x} to {pid}."
            responses.append({"prompt_id": pid, "letter": x, "content": content})
        who = _who(pid)
        for i, person in enumerate(who):
            world = _world(pid, person, i)
            personal = "B>A>C>D" if (pid == ANCHOR_PROMPT and person[1] == "USA") else None
            assess.append({
                "assessment_id": aid, "prompt_id": pid, "annotator_id": person[0], "world_ranking": world,
                "world_rationale": (HOSTILE_RATIONALES.get(person[0], "plain words") if pid == HOSTILE_PROMPT
                                    else f"=world reason {person[0]} on {pid}"),
                "personal_ranking": personal, "personal_rationale": "my own view" if personal else None,
                "unacceptable_asked": i % 2 == 0, "unacceptable_letters": ("D" if i % 4 == 0 else "") if i % 2 == 0
                else None, "unacceptable_rationale": "checked" if i % 2 == 0 else None,
                "importance": "Very important (serious impact if wrong)" if i % 3 else
                "Not important (no meaningful harm if wrong)",
                "subjectivity": "There is a single correct answer to this prompt",
                "representativeness": "It is very likely that I would ask a question like this to an AI chatbot.",
                "is_duplicate_pair": False, "world_top": top_choice(parse_ranking(world)),
                "personal_top": top_choice(parse_ranking(personal)) if personal else None,
            })
            for block, ranking in (("world", world), ("personal", personal)):
                if ranking:
                    ranks += [{"assessment_id": aid, "block": block, "letter": x, "rank": r}
                              for x, r in parse_ranking(ranking).items()]
            aid += 1
        prompts.append({
            "prompt_id": pid, "source_line": k + 1, "n_turns": len(turns), "turns_user": 1 + (pid == ANCHOR_PROMPT),
            "turns_assistant": int(pid == ANCHOR_PROMPT), "first_user_text": text, "n_assessments": len(who),
            "n_participants": len(who), "is_anchor": pid == ANCHOR_PROMPT, "content_notice": pid == NOTICE_PROMPT,
        })
    tables = {"prompts": pd.DataFrame(prompts), "messages": pd.DataFrame(messages),
              "responses": pd.DataFrame(responses), "annotators": people, "assessments": pd.DataFrame(assess),
              "assessment_ranks": pd.DataFrame(ranks)}
    a = tables["assessments"]
    people["n_assessments"] = people.annotator_id.map(a.annotator_id.value_counts()).fillna(0).astype(int)
    _stats(tables, country_of, prompt_ids)
    _ranker_and_meta(tables)
    for name, df in tables.items():
        con.register("frame", df)
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0]
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM frame" if exists
                    else f"CREATE TABLE {name} AS SELECT * FROM frame")
        con.unregister("frame")
    _rubrics(con)
    con.close()
    return path


# Planted rubrics (issue 16). The anchor: its USA and MEX participants score two pre-written items; USA weights
# the first 8, MEX 2 (mean 5.5, spread 6.0), everyone the second -8. Three participants (USA, MEX, NLD) write their
# own items, one of them hostile: 25 participants in all. The small prompt's rubric has too few participants.
RUBRIC_FIRST = {"USA": 8, "MEX": 2, "NLD": 5, "KEN": 5}
RUBRIC_OWN = {"u01": (HOSTILE_TEXT, 9), "m01": ("Habla claro y sin rodeos", 7), "n01": ("Te lang antwoord", -4)}
RUBRIC_CORE = ("Explain the trade-offs.", "Respect the person's choice.", "Keep it short.", "Stay neutral.")


def _rubrics(con) -> None:
    from core.rubrics import join
    from core.rubrics import store as rubric_store
    from core.rubrics.validate import Item, RubricRow

    rows, joins = [], []
    for prompt_id in (ANCHOR_PROMPT, SMALL_PROMPT, None):
        who = _who(prompt_id) if prompt_id else PEOPLE[:4]
        scorers = [p for p in who if p[1] in ("USA", "MEX")] if prompt_id == ANCHOR_PROMPT else who
        items = [Item(0, "first", "Explains the trade-offs", [(p[0], RUBRIC_FIRST[p[1]]) for p in scorers]),
                 Item(1, "second", "Contains factual errors", [(p[0], -8) for p in scorers])]
        items += [Item(2 + k, f"own{k}", text, [(pid, w)])
                  for k, (pid, (text, w)) in enumerate(i for i in RUBRIC_OWN.items() if i[0] in {p[0] for p in who})]
        rows.append(RubricRow(line=len(rows) + 1, conversation_id=f"conv-{len(rows)}", key="", n_turns=1,
                              first_user_text="planted", items=items, core=list(RUBRIC_CORE)))
        joins.append(join.Join(join.EXACT if prompt_id == ANCHOR_PROMPT else join.TOLERANT, prompt_id, 1.0)
                     if prompt_id else join.Join(join.UNMATCHED, None, 0.3, ANCHOR_PROMPT, 0.3, "planted"))
    summary = {"rubric_rows": 3, "matched_exact": 1, "matched_tolerant": 1, "ambiguous": 0, "unmatched": 1,
               "prompts_without_rubric": 28, "items": sum(len(r.items) for r in rows),
               "scores": sum(len(i.scores) for r in rows for i in r.items)}
    rubric_store.write(con, rubric_store.Rubrics(present=True, rows=rows, joins=joins, summary=summary))


def _stats(tables: dict, country_of: dict, prompt_ids: list[str]) -> None:
    ranks = tables["assessment_ranks"].merge(tables["assessments"][["assessment_id", "prompt_id", "annotator_id"]])
    ranks["country"] = ranks.annotator_id.map(country_of)
    stats, first, dist, ctry, flags, pranker = [], [], [], [], [], []
    for k, pid in enumerate(prompt_ids):
        planted = _planted_stats(pid, k)
        for block in ("world", "personal"):
            r = ranks[(ranks.prompt_id == pid) & (ranks.block == block)]
            if r.empty:
                continue
            wide = r.pivot(index="assessment_id", columns="letter", values="rank")[list(LETTERS)].to_numpy()
            borda = metrics.borda_points(wide).mean(axis=0)
            order = format_ranking({x: int(p) for x, p in zip(LETTERS, metrics.order_from_scores(borda))})
            tops = metrics.single_top(wide)
            n_part = r.annotator_id.nunique()
            stats.append({"prompt_id": pid, "block": block, "n_assessments": len(wide), "n_participants": n_part,
                          "n_single_top": int((tops >= 0).sum()), "top_entropy": 0.5, "kendall_w": 0.5,
                          "contestedness": planted["contestedness"], "crowd_order": order,
                          **{f"borda_{x}": float(b) for x, b in zip(LETTERS, borda)},
                          "country_divergence": planted["country_div"],
                          "country_divergence_pair": "MEX–USA" if planted["country_div"] else None,
                          "n_countries_eligible": 2 if planted["country_div"] else 1})
            n_single = int((tops >= 0).sum())
            for j, x in enumerate(LETTERS):
                n_first = int((tops == j).sum())
                lo, hi = metrics.wilson_interval(np.array(n_first), np.array(n_single))
                first.append({"prompt_id": pid, "block": block, "letter": x, "n_first": n_first,
                              "n_single_top": n_single, "share": n_first / n_single, "ci_low": float(lo),
                              "ci_high": float(hi), "n_participants": n_part})
                for place in (1, 2, 3, 4):
                    dist.append({"prompt_id": pid, "block": block, "letter": x, "rank": place,
                                 "n": int((wide[:, j] == place).sum())})
            for c, g in r.groupby("country"):
                gw = g.pivot(index="assessment_id", columns="letter", values="rank")[list(LETTERS)].to_numpy()
                gt = metrics.single_top(gw)
                for j, x in enumerate(LETTERS):
                    ctry.append({"prompt_id": pid, "block": block, "country": c, "letter": x,
                                 "n_participants": g.annotator_id.nunique(), "n_single_top": int((gt >= 0).sum()),
                                 "n_first": int((gt == j).sum()), "share": float((gt == j).mean())})
            ranking = RANKER.get(pid, ("A>B>C>D", ""))[0]
            pranker.append({"run_id": RUN, "prompt_id": pid, "block": block, "ranker_ranking": ranking,
                            "crowd_order": order, "crowd_ranker_pairwise": 1 - planted["ranker_div"],
                            "top_differs": order[0] != ranking[0], "mean_agreement": 0.5,
                            "n_assessments": len(wide), "n_participants": n_part})
        a = tables["assessments"]
        asked = a[(a.prompt_id == pid) & a.unacceptable_asked]
        for x in LETTERS:
            n_flagged = int(asked.unacceptable_letters.str.contains(x).sum())
            flags.append({"prompt_id": pid, "letter": x, "n_asked": len(asked), "n_flagged": n_flagged,
                          "share": n_flagged / len(asked) if len(asked) else None,
                          "n_participants": asked.annotator_id.nunique()})
    tables |= {"prompt_stats": pd.DataFrame(stats), "prompt_first_choice": pd.DataFrame(first),
               "prompt_rank_distribution": pd.DataFrame(dist), "prompt_country_first_choice": pd.DataFrame(ctry),
               "prompt_flags": pd.DataFrame(flags), "prompt_ranker": pd.DataFrame(pranker)}
    _agreement(tables)


def _agreement(tables: dict) -> None:
    """Aggregate agreement rows, some from small groups (n < 10) that must never be shown."""
    base = {"run_id": RUN, "block": "world", "metric": "pairwise"}
    tables["agreement_overall"] = pd.DataFrame([{**base, "estimate": 0.71, "ci_low": 0.6, "ci_high": 0.8,
                                                 "n_participants": 30, "n_assessments": 330}])
    tables["agreement_section"] = pd.DataFrame([
        {**base, "threshold": 5, "anchor": "be_honest", "estimate": 0.8, "ci_low": 0.7, "ci_high": 0.9,
         "n_participants": 30, "n_assessments": 100, "n_prompts": 6, "rank": 1, "rank_best": 1, "rank_worst": 2,
         "tie_group": 1},
        {**base, "threshold": 5, "anchor": "avoid_sycophancy", "estimate": 0.3217, "ci_low": 0.1111, "ci_high": 0.5432,
         "n_participants": 5, "n_assessments": 5, "n_prompts": 1, "rank": 2, "rank_best": 1, "rank_worst": 2,
         "tie_group": 1},
    ])
    groups = [("country", "USA", 0.7, 14), ("country", "MEX", 0.6, 10), ("country", "NLD", 0.4321, 4),
              ("country", "KEN", 0.1234, 2), ("gender", "Female", 0.7, 15), ("gender", "Male", 0.6, 15)]
    tables["agreement_group"] = pd.DataFrame([
        {**base, "field": f, "level": lv, "estimate": e, "ci_low": e - 0.1, "ci_high": e + 0.1,
         "n_participants": n, "n_assessments": 11 * n} for f, lv, e, n in groups])
    tables["agreement_section_group"] = pd.DataFrame([
        {**base, "threshold": 5, "anchor": "be_honest", "field": f, "level": lv, "estimate": e, "ci_low": e - 0.1,
         "ci_high": e + 0.1, "n_participants": n, "n_assessments": 3 * n} for f, lv, e, n in groups])
    tables["agreement_without_anchor"] = pd.DataFrame([
        {**base, "threshold": None, "anchor": None, "estimate": 0.7, "ci_low": 0.6, "ci_high": 0.8, "ci_low_2w": 0.55,
         "ci_high_2w": 0.85, "n_participants": 30, "n_assessments": 300, "n_prompts": 9},
        {**base, "threshold": 5, "anchor": "avoid_sycophancy", "estimate": 0.3217, "ci_low": 0.1111,
         "ci_high": 0.5432, "ci_low_2w": 0.1, "ci_high_2w": 0.6, "n_participants": 4, "n_assessments": 4,
         "n_prompts": 1}])
    tables["participant_agreement"] = pd.DataFrame([
        {**base, "annotator_id": a, "n_assessments": 11, "mean_agreement": 0.5} for a, _, _ in PEOPLE])


def _ranker_and_meta(tables: dict) -> None:
    prompt_ids = tables["prompts"].prompt_id.tolist()
    tables["ranker_runs"] = pd.DataFrame([{
        "run_id": RUN, "ranker_name": "planted", "model": "none", "base_url_host": "", "spec_version": SPEC,
        "spec_sha256": "0" * 64, "template_version": "1", "created_at": "2026-01-01T00:00:00Z", "synthetic": True,
        "parameters": "{}", "n_prompts": len(prompt_ids) - 1, "n_ok": len(prompt_ids) - 1, "n_failed": 0,
        "n_matched": len(prompt_ids) - 1}])
    rows = []
    for pid in prompt_ids:
        if pid == NOTICE_PROMPT:
            continue  # the run has no ranking for this prompt
        ranking, why = RANKER.get(pid, ("A>B>C>D", "Generic reason."))
        rows.append({"run_id": RUN, "prompt_id": pid, "ranking": ranking, "top": ranking[0], "rationale": why,
                     "prompt_tokens": 10, "completion_tokens": 5, "error": None})
    tables["ranker_rankings"] = pd.DataFrame(rows)
    tables["spec_sections"] = pd.DataFrame([
        {"spec_version": SPEC, "anchor": "be_honest", "title": "Be honest", "level": 2, "parent": None,
         "chapter": "Seek the truth", "position": 1},
        {"spec_version": SPEC, "anchor": "avoid_sycophancy", "title": "Avoid sycophancy", "level": 2,
         "parent": None, "chapter": "Seek the truth", "position": 2}])
    relevance = [(ANCHOR_PROMPT, "be_honest", 5), (HOSTILE_PROMPT, "be_honest", 5), (FILLERS[0], "be_honest", 5),
                 (FILLERS[1], "be_honest", 4), (SMALL_PROMPT, "avoid_sycophancy", 5),
                 (FILLERS[2], "avoid_sycophancy", 3)]
    tables["section_relevance"] = pd.DataFrame(
        [{"run_id": RUN, "prompt_id": p, "anchor": s, "grade": g} for p, s, g in relevance])
    tables["build_files"] = pd.DataFrame([{"file": "comparisons.jsonl", "input_rows": 30, "accepted": 30,
                                           "rejected": 0, "sha256": "ab" * 32, "bytes": 1234}])
    tables["build_report"] = pd.DataFrame([{"file": "comparisons.jsonl", "check": "invalid_ranking",
                                            "severity": "flagged", "count": 2, "description": "-2 rows @odd",
                                            "examples": "[]"}])
    tables["manifest"] = pd.DataFrame([{"key": k, "value": v} for k, v in {
        "source": "sample", "source_label": "planted test store", "synthetic": "true", "revision": "bcd3b55",
        "resolved_commit": "bcd3b55" + "0" * 33, "built_at": "2026-01-01T00:00:00Z", "code_version": "test",
        "bootstrap_b": "10", "bootstrap_seed": "1", "min_participants": "10"}.items()])


# --- Running a page in AppTest and collecting its downloads ------------------------------------------------------



def open_page(page_path: str, /, **query: str):
    """Run app.py on a page (e.g. `app_pages/prompts.py`) with URL parameters; the store comes from the caller's env."""
    from tests import apptest

    return apptest.open_page(page_path, query)


def downloads(at, manager) -> dict[str, tuple[str, bytes]]:
    """Every download button of a finished run: file name -> (label, bytes), deferred files generated here."""
    out: dict[str, tuple[str, bytes]] = {}
    for button in at.get("download_button"):
        proto = button.proto
        url = manager.execute_deferred(proto.deferred_file_id) if proto.deferred_file_id else proto.url
        stored = manager._storage.get_file(url.rsplit("/", 1)[1])
        out[stored.filename] = (proto.label, bytes(stored.content))
    return out


def record_media_managers(monkeypatch) -> list:
    """Keep each AppTest run's media file manager (AppTest drops it after the run) so downloads can be read."""
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.media_file_manager import MediaFileManager

    managers: list = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            managers.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return managers
