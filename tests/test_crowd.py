"""The crowd layer against a hand-worked store, a planted store, and an independent computation from raw JSONL."""
from __future__ import annotations

import json
import shutil
from collections import defaultdict
from itertools import combinations

import duckdb
import numpy as np
import pytest

from core import config
from core.commands import stats_crowd
from core.stats.build import build_aggregates
from tests.planted_store import CROWD_COUNTRIES, plant_crowd
from tests.test_aggregates import hand_store


def row(con, table: str, **where) -> dict:
    clause = " AND ".join(f"{k} IS NOT DISTINCT FROM ?" for k in where)
    cur = con.execute(f"SELECT * FROM {table} WHERE {clause}", list(where.values()))
    rows = cur.fetchall()
    assert len(rows) == 1, (table, where, rows)
    return dict(zip([d[0] for d in cur.description], rows[0]))


# ---- hand-worked (tests/test_aggregates.py's three participants; the values are worked out in the comments) ----

@pytest.fixture(scope="module")
def hand():
    return hand_store(with_run=True)


def test_hand_agreement_with_the_rest_of_the_crowd(hand):
    # P1: u1 A>B>C>D against u2+u3 sums A3 B3.5 C6 D7.5 (A>B>C>D): 6/6; u2 A>B=C>D against u1+u3 (A=B>C>D): 4/4;
    # u3 B>A>C=D against u1+u2 (A>B>C>D): 4/5. P2: u2 is all tied, and u1's crowd (u2) ties everything: undefined.
    r = row(hand, "crowd_overall", measure="agreement", block="world", metric="pairwise")
    assert r["estimate"] == pytest.approx((1 + 1 + 0.8) / 3)
    assert (r["n_assessments"], r["n_participants"]) == (3, 3)
    # Top choice: u1 A = crowd A (1); u2's crowd has no single first (undefined); u3 B vs crowd A (0).
    r = row(hand, "crowd_overall", measure="agreement", block="world", metric="top")
    assert (r["estimate"], r["n_assessments"]) == (0.5, 2)
    # Personal: u1 B>A>C>D against u2's A>B=C>D agrees on 4 of 5 strict pairs, and u2 against u1 the same.
    r = row(hand, "crowd_overall", measure="agreement", block="personal", metric="pairwise")
    assert r["estimate"] == pytest.approx(0.8)


def test_hand_groups_against_everyone_else(hand):
    usa = row(hand, "crowd_group", measure="agreement", block="world", metric="pairwise", field="country", level="USA")
    assert usa["estimate"] == pytest.approx(1.0) and usa["rest_estimate"] == pytest.approx(0.8)
    assert usa["difference"] == pytest.approx(0.2)
    assert usa["difference_ci_low"] <= usa["difference"] <= usa["difference_ci_high"]


def test_hand_flags_and_personal_against_world(hand):
    # Asked twice (u1 flagged A and C on P1, u2 nothing): 1 of 2.
    assert row(hand, "crowd_overall", measure="flagged", block="unacceptable", metric="share")["estimate"] == 0.5
    # Matched: u1's personal differs (5 of 6 pairs agree), u2's is the same (5 of 5).
    assert row(hand, "crowd_overall", measure="personal_differs", block="matched", metric="share")["estimate"] == 0.5
    r = row(hand, "crowd_overall", measure="personal_world", block="matched", metric="pairwise")
    assert r["estimate"] == pytest.approx((5 / 6 + 1) / 2)


def test_hand_crowd_beside_the_ranker_on_the_same_assessments(hand):
    # The ranker's A>B>C>D against u1 (1), u2 (5/5) and u3 (4/5) on P1; P2 has no assessment defined for both.
    r = row(hand, "crowd_ranker", run_id="r1", block="world", metric="pairwise", threshold=None, anchor=None)
    assert r["ranker_estimate"] == pytest.approx(2.8 / 3) and r["crowd_estimate"] == pytest.approx(2.8 / 3)
    s1 = row(hand, "crowd_ranker", run_id="r1", block="world", metric="pairwise", threshold=5, anchor="s1")
    assert s1["n_assessments"] == 3 and s1["n_prompts"] == 1
    assert hand.execute("SELECT count(*) FROM crowd_ranker WHERE anchor = 's2' AND threshold = 5").fetchone()[0] == 0
    assert row(hand, "crowd_ranker", run_id="r1", block="world", metric="pairwise", threshold=3,
               anchor="s2")["n_prompts"] == 1


def test_no_run_store_still_has_the_crowd_layer():
    con = hand_store(with_run=False)
    assert con.execute("SELECT count(*) FROM crowd_overall").fetchone()[0] == 8
    assert con.execute("SELECT count(*) FROM crowd_ranker").fetchone()[0] == 0


# ---- planted ----

@pytest.fixture(scope="module")
def planted():
    con = duckdb.connect()
    truth = plant_crowd(con)
    build_aggregates(con, 300, seed=5)
    return con, truth


def test_planted_overall_agreement(planted):
    con, truth = planted
    for metric in config.METRICS:  # copy or reverse: pairwise and top choice have the same planted value
        r = row(con, "crowd_overall", measure="agreement", block="world", metric=metric)
        assert r["ci_low"] <= truth["agreement"] <= r["ci_high"], (metric, r, truth["agreement"])
        assert abs(r["estimate"] - truth["agreement"]) < 0.02


def test_planted_country_effects_and_their_differences(planted):
    con, truth = planted
    covered = 0
    for country in CROWD_COUNTRIES:
        r = row(con, "crowd_group", measure="agreement", block="world", metric="pairwise", field="country",
                level=country)
        planted_diff = truth["agreement_country"][country] - truth["agreement_rest"][country]
        assert abs(r["estimate"] - truth["agreement_country"][country]) < 0.04
        assert abs(r["difference"] - planted_diff) < 0.04
        covered += r["difference_ci_low"] <= planted_diff <= r["difference_ci_high"]
    assert covered >= len(CROWD_COUNTRIES) - 1  # 95% intervals: one miss in five is allowed, not more
    mex = row(con, "crowd_group", measure="agreement", block="world", metric="pairwise", field="country", level="MEX")
    assert mex["difference_ci_high"] < 0  # the planted outlier (0.62 against ~0.84) is found


def test_planted_flags_and_personal_world(planted):
    con, truth = planted
    r = row(con, "crowd_overall", measure="flagged", block="unacceptable", metric="share")
    assert abs(r["estimate"] - truth["flagged"]) < 0.03
    zaf = row(con, "crowd_group", measure="flagged", block="unacceptable", metric="share", field="country",
              level="ZAF")
    assert abs(zaf["estimate"] - truth["flagged_country"]["ZAF"]) < 0.06 and zaf["difference_ci_low"] > 0
    for gender, rate in truth["differs_gender"].items():
        g = row(con, "crowd_group", measure="personal_differs", block="matched", metric="share", field="gender",
                level=gender)
        assert abs(g["estimate"] - rate) < 0.05
    r = row(con, "crowd_overall", measure="personal_world", block="matched", metric="pairwise")
    assert abs(r["estimate"] - truth["personal_world_pairwise"]) < 0.01


def test_planted_per_prompt_agreement_is_bounded_and_counted(planted):
    con, _ = planted
    n, low, high = con.execute(
        "SELECT sum(n_assessments), min(estimate), max(estimate) FROM crowd_prompt "
        "WHERE measure = 'agreement' AND block = 'world' AND metric = 'pairwise'").fetchone()
    assert n == 400 * 15 and 0.4 < low <= high < 1.0  # every prompt's crowd order is its reference


# ---- `core stats --crowd` against an independent computation from the raw JSONL ----

def _parse(text: str) -> dict[str, float]:
    """Mid-ranks: a tie group takes the mean of the places it spans (B>C=D>A: B 1, C 2.5, D 2.5, A 4)."""
    out, place = {}, 1
    for group in text.replace(" ", "").split(">"):
        letters = group.split("=")
        for x in letters:
            out[x] = place + (len(letters) - 1) / 2
        place += len(letters)
    return out


def _agreement(mine: dict[str, float], crowd: dict[str, float], metric: str) -> float | None:
    if metric == "top":
        def single(r):
            best = min(r.values())
            firsts = [x for x, v in r.items() if v == best]
            return firsts[0] if len(firsts) == 1 else None
        a, b = single(mine), single(crowd)
        return None if a is None or b is None else float(a == b)
    kept = same = 0
    for x, y in combinations("ABCD", 2):
        da, db = mine[x] - mine[y], crowd[x] - crowd[y]
        if da and db:
            kept += 1
            same += (da > 0) == (db > 0)
    return same / kept if kept else None


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    """The synthetic sample without its ranker run, built into a store."""
    from core.store.builder import build

    source = tmp_path_factory.mktemp("crowd_sample") / "release"
    shutil.copytree(config.SAMPLE_DIR, source, ignore=shutil.ignore_patterns("rankers"))
    db = source.parent / "crowd.duckdb"
    build(str(source), db_path=db, bootstrap_b=50, seed=1)
    return source, db


@pytest.mark.parametrize("metric", config.METRICS)
def test_cli_crowd_matches_an_independent_computation(sample_store, metric, capsys):
    from core.cli import main

    source, db = sample_store
    assert main(["stats", "--db", str(db), "--crowd", "--metric", metric]) == 0
    doc = json.loads(capsys.readouterr().out)["crowd"]
    people = {}
    for line in (source / "annotators.jsonl").open(encoding="utf-8"):
        rec = json.loads(line)
        people[rec["annotator_id"]] = rec["demographics"]
    rankings = []  # (prompt, annotator, mid-ranks) for every stored world ranking, repeats included
    for line in (source / "comparisons.jsonl").open(encoding="utf-8"):
        rec = json.loads(line)
        for a in rec["metadata"]["assessments"]:
            rankings.append((rec["prompt_id"], a["annotator_id"], _parse(a["ranking_blocks"]["world"][0]["ranking"])))
    by_prompt = defaultdict(list)
    for p, who, r in rankings:
        by_prompt[p].append((who, r))
    values = []  # (annotator, value) per defined assessment
    for p, who, mine in rankings:
        others = [r for w, r in by_prompt[p] if w != who]
        if not others:
            continue
        sums = {x: sum(r[x] for r in others) for x in "ABCD"}
        # The crowd's order as ranks: a smaller sum is a better place, equal sums tie.
        value = _agreement(mine, sums, metric)
        if value is not None:
            values.append((who, value))
    assert doc["overall"]["n_assessments"] == len(values)
    assert doc["overall"]["n_participants"] == len({w for w, _ in values})
    assert doc["overall"]["estimate"] == pytest.approx(np.mean([v for _, v in values]), abs=1e-12)
    assert doc["overall"]["ci_low"] <= doc["overall"]["estimate"] <= doc["overall"]["ci_high"]
    assert doc["chance"] == {"pairwise": 0.5, "top": 0.25}[metric]
    checked = 0
    for g in doc["groups"]:
        if g["field"] == "country":
            continue  # levels are ISO codes mapped by the build; the demographic levels are the raw labels
        members = [v for w, v in values if people[w][g["field"]] == g["level"]]
        rest = [v for w, v in values if people[w][g["field"]] != g["level"]]
        n_people = len({w for w, _ in values if people[w][g["field"]] == g["level"]})
        if n_people < config.MIN_PARTICIPANTS:
            assert g["estimate"] is None and g["difference"] is None and g["reason"]
            continue
        if g["suppressed"]:  # protecting a small group by complementary suppression
            assert g["estimate"] is None
            continue
        assert g["estimate"] == pytest.approx(np.mean(members), abs=1e-12)
        assert g["difference"] == pytest.approx(np.mean(members) - np.mean(rest), abs=1e-12)
        assert g["difference_ci_low"] <= g["difference"] <= g["difference_ci_high"]
        checked += 1
    assert checked >= 5


def test_cli_crowd_table_format(sample_store, capsys):
    from core.cli import main

    _, db = sample_store
    assert main(["stats", "--db", str(db), "--crowd", "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "(everyone)" in out and "chance 0.5" in out


def test_json_nulls_are_json(sample_store):
    from core.store import open_store

    _, db = sample_store
    with open_store(db) as con:
        text = json.dumps(stats_crowd.read_crowd(con, "world", "pairwise"), allow_nan=False)
    assert '"reason": "fewer than 10 participants"' in text


# ---- small groups: every crowd read, through its declared rule, on the sample ----

def test_every_crowd_read_hides_small_groups(sample_store):
    from core import privacy
    from core.reads import crowd
    from core.stats.crowd import MEASURES
    from core.store import open_store

    _, db = sample_store
    with open_store(db) as con:
        cur = con.cursor()
        frames = [privacy.rule_of(crowd.groups).apply(crowd.groups(cur, m.name, m.block, m.metric)) for m in MEASURES]
        frames.append(privacy.rule_of(crowd.overall_all).apply(crowd.overall_all(cur)))
        frames += [privacy.rule_of(crowd.prompts).apply(crowd.prompts(cur, m, "world", "pairwise", d, 50))
                   for m in ("agreement",) for d in (True, False)]
        prompt_ids = [r[0] for r in con.execute("SELECT prompt_id FROM prompts LIMIT 40").fetchall()]
        frames += [privacy.rule_of(crowd.country_vs_rest).apply(crowd.country_vs_rest(cur, p, "world"))
                   for p in prompt_ids]
        raw_rest = con.execute("SELECT min(rest_n_participants) FROM crowd_group").fetchone()[0]
    shown_rows = 0
    for df in frames:
        visible = df[~df["suppressed"]]
        assert (visible["n_participants"].astype(int) >= config.MIN_PARTICIPANTS).all()
        for col in ("estimate", "share", "difference", "rest_estimate"):
            if col in df:
                assert df.loc[df["suppressed"], col].isna().all()
        shown_rows += len(visible)
    assert shown_rows > 50 and raw_rest >= 0
