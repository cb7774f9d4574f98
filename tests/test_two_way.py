"""Two-way (participants × prompts) intervals, the anchor-prompt variant and matched blocks, against planted truth
and independent computations written here."""
from __future__ import annotations

import duckdb
import numpy as np
import pytest

from core import config
from core.stats import bootstrap, twoway
from core.stats.build import build_aggregates
from tests.planted_store import plant


def _random_design(seed: int, n_people=30, n_prompts=12, n_ass=150):
    rng = np.random.default_rng(seed)
    part, prompt = rng.integers(0, n_people, n_ass), rng.integers(0, n_prompts, n_ass)
    defined = rng.random(n_ass) < 0.9
    num = rng.integers(0, 61, n_ass) * defined.astype(float)
    cnt = bootstrap.SCALE * defined.astype(float)
    members = np.c_[np.ones(n_people), rng.random((n_people, 3)) < 0.4].astype(float)
    sections = (rng.random((5, n_prompts)) < 0.3).astype(float)
    return part, prompt, num, cnt, members, sections


@pytest.mark.parametrize("dense", [True, False, None])  # a participant × prompt table, gathering, or by size
def test_replicate_sums_equal_the_sum_over_assessments_replicate_by_replicate(dense):
    part, prompt, num, cnt, members, sections = _random_design(1)
    b = 40
    w = bootstrap.resample_counts(30, b, 3)
    v = twoway.prompt_weights(12, b, 3)
    by_mask, by_section = twoway.replicate_sums([(num, cnt)], part, prompt, members, sections, w, v, dense=dense)
    for r in range(b):
        weight = w[part, r] * v[prompt, r]  # each assessment counts (its participant's draws) × (its prompt's)
        for j, x in enumerate((num, cnt)):
            want_mask = [(x * weight * members[part, m]).sum() for m in range(members.shape[1])]
            want_sec = [(x * weight * sections[s, prompt]).sum() for s in range(len(sections))]
            assert by_mask[j, :, r].tolist() == want_mask
            assert by_section[j, :, r].tolist() == want_sec


def test_prompt_weights_are_their_own_stream_and_leave_participants_alone():
    v = twoway.prompt_weights(12, 50, 3)
    assert (v.sum(axis=0) == 12).all()
    assert not np.array_equal(v, bootstrap.resample_counts(12, 50, 3))  # not the participants' draws
    assert np.array_equal(bootstrap.resample_counts(30, 50, 3), bootstrap.resample_counts(30, 50, 3, stream=None))


def test_a_prompts_share_subtracted_equals_the_sums_without_it():
    part, prompt, num, cnt, members, sections = _random_design(2)
    b = 30
    w, v = bootstrap.resample_counts(30, b, 4), twoway.prompt_weights(12, b, 4)
    full = twoway.replicate_sums([(num, cnt)], part, prompt, members, sections, w, v)
    drop = prompt == 5
    less = twoway.replicate_sums([(num * ~drop, cnt * ~drop)], part, prompt, members, sections, w, v)
    share = twoway.prompt_part(np.array([num, cnt]), part, np.flatnonzero(drop), 5, members, sections, w)
    assert np.array_equal(full[0] - share[0] * v[5], less[0])
    assert np.array_equal(full[1] - share[1] * v[5], less[1])


def _coverage(seed: int):
    con = duckdb.connect()
    truth = plant(con, n_people=300, n_prompts=120, per_person=12, n_sections=20, seed=seed,
                  prompt_effect=0.3, rates=(0.45, 0.55))
    build_aggregates(con, 200, seed=seed)
    rows = con.execute("SELECT anchor, ci_low, ci_high, ci_low_2w, ci_high_2w FROM agreement_section "
                       "WHERE block = 'world' AND metric = 'top' AND threshold = 5").fetchall()
    one = [lo <= truth["section_rate"][a] <= hi for a, lo, hi, _, _ in rows]
    two = [lo <= truth["section_rate"][a] <= hi for a, _, _, lo, hi in rows]
    # Each interval still covers what it promises for the prompts at hand: the participant-only one, the mean
    # over these prompts, at about its nominal rate (checked loosely here; test_aggregates checks it closely).
    fixed = [lo <= truth["sections"][(a, 5)] <= hi for a, lo, hi, _, _ in rows]
    return one, two, fixed


def test_two_way_intervals_cover_the_prompt_population_where_participant_only_ones_do_not():
    # Planted: every prompt's rate is its section's ± up to 0.3, so about six prompts per section are a sample.
    one, two, fixed = [], [], []
    for seed in (11, 12, 13, 14):
        o, t, f = _coverage(seed)
        one, two, fixed = one + o, two + t, fixed + f
    n = len(one)
    print(f"coverage of the section rate over {n}: participants {np.mean(one):.2f}, two-way {np.mean(two):.2f}; "
          f"participant-only of the prompts' own mean {np.mean(fixed):.2f}")
    assert n == 80
    assert np.mean(one) < 0.85  # under-covers: prompt-to-prompt variation is left out
    assert np.mean(two) >= 0.9
    assert np.mean(fixed) >= 0.85


@pytest.fixture(scope="module")
def planted_pair():
    """The planted store, and the same store with the anchor prompt's assessments deleted."""
    stores = []
    for drop in (False, True):
        con = duckdb.connect()
        truth = plant(con, n_people=200, n_prompts=100, per_person=10, n_sections=25, seed=5)
        if drop:
            con.execute("DELETE FROM assessment_ranks WHERE assessment_id IN "
                        "(SELECT assessment_id FROM assessments WHERE prompt_id = ?)", [truth["anchor_prompt"]])
            con.execute("DELETE FROM assessments WHERE prompt_id = ?", [truth["anchor_prompt"]])
        build_aggregates(con, 200, seed=9)
        stores.append(con)
    return stores[0], stores[1], truth


def test_figures_without_the_anchor_equal_a_build_without_its_assessments(planted_pair):
    full, dropped, _ = planted_pair
    # Same participants, so the participant bootstrap draws the same replicates: estimates, counts and one-way
    # intervals must match bit for bit (the two-way ones differ: one prompt fewer changes the prompt draws).
    cols = "estimate, ci_low, ci_high, n_participants, n_assessments, n_prompts"
    for where, table in (("threshold IS NULL AND field IS NULL", "agreement_overall"),):
        got = full.execute(f"SELECT block, metric, {cols} FROM agreement_without_anchor WHERE {where} "
                           "ORDER BY ALL").fetchall()
        want = dropped.execute(f"SELECT block, metric, {cols} FROM {table} ORDER BY ALL").fetchall()
        assert got == want and len(got) == 4
    got = full.execute(f"SELECT block, metric, threshold, anchor, {cols}, rank_best, rank_worst "
                       "FROM agreement_without_anchor WHERE anchor IS NOT NULL ORDER BY ALL").fetchall()
    want = dropped.execute(f"SELECT block, metric, threshold, anchor, {cols}, rank_best, rank_worst "
                           "FROM agreement_section ORDER BY ALL").fetchall()
    assert got == want and len(got) > 40
    got = full.execute(f"SELECT block, metric, field, level, {cols} FROM agreement_without_anchor "
                       "WHERE field IS NOT NULL ORDER BY ALL").fetchall()
    want = dropped.execute(f"SELECT block, metric, field, level, {cols} FROM agreement_group ORDER BY ALL").fetchall()
    assert got == want and len(got) > 20


def test_anchor_share_counts_the_anchor_prompts_assessments(planted_pair):
    full, _, truth = planted_pair
    anchor = truth["anchor_prompt"]
    rows = full.execute("""
        WITH rel AS (SELECT anchor, max(grade) AS grade FROM section_relevance WHERE prompt_id = ? GROUP BY ALL)
        SELECT s.anchor, s.anchor_share, s.n_assessments, rel.anchor IS NOT NULL
        FROM agreement_section s LEFT JOIN rel ON rel.anchor = s.anchor AND rel.grade >= s.threshold
        WHERE s.block = 'world' AND s.metric = 'top'""", [anchor]).fetchall()
    n_anchor = full.execute("SELECT count(*) FROM assessments WHERE prompt_id = ? AND world_ranking <> 'A=B=C=D'",
                            [anchor]).fetchone()[0]
    assert n_anchor == 200 - full.execute("SELECT count(*) FROM assessments WHERE prompt_id = ? "
                                          "AND world_ranking = 'A=B=C=D'", [anchor]).fetchone()[0]
    assert any(has for *_, has in rows)
    for _, share, n, has in rows:
        assert share == pytest.approx(n_anchor / n if has else 0.0)


def test_sections_on_fewer_than_five_prompts_are_not_ranked(planted_pair):
    full, _, _ = planted_pair
    rows = full.execute("SELECT n_prompts, n_participants, rank, rank_best, rank_worst, rank_best_2w "
                        "FROM agreement_section").fetchall()
    few = [r for r in rows if r[0] < config.MIN_PROMPTS]
    assert few and all(r[2] is None and r[3] is None and r[5] is None for r in few)
    many = [r for r in rows if r[0] >= config.MIN_PROMPTS and r[1] >= config.MIN_PARTICIPANTS]
    assert many and all(r[2] is not None and r[5] is not None for r in many)


def test_world_and_personal_are_compared_on_the_same_assessments(planted_pair):
    full, _, _ = planted_pair
    # Independently: the planted personal ranking equals the world one, so on matched assessments they agree
    # exactly, while world over all its assessments differs from personal over its own.
    for metric in config.METRICS:
        row = full.execute("SELECT matched_world, matched_personal, matched_diff_low, matched_diff_high, n_matched "
                           "FROM agreement_overall WHERE block = 'personal' AND metric = ?", [metric]).fetchone()
        world_all = full.execute("SELECT estimate FROM agreement_overall WHERE block = 'world' AND metric = ?",
                                 [metric]).fetchone()[0]
        n_both = full.execute("SELECT count(*) FROM assessments WHERE personal_ranking IS NOT NULL "
                              "AND world_ranking <> 'A=B=C=D'").fetchone()[0]
        assert row[0] == row[1] and row[2] == row[3] == 0.0 and row[4] == n_both
        assert row[0] != world_all
        assert full.execute("SELECT matched_world FROM agreement_overall WHERE block = 'world' AND metric = ?",
                            [metric]).fetchone()[0] is None
