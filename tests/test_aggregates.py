"""build_aggregates on stores with known answers: a hand-worked one, a planted one, no runs, and the sample."""
from __future__ import annotations

import itertools
import json
import math

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from core import config
from core.commands.stats import read_stats
from core.stats import bootstrap
from core.stats.build import build_aggregates
from core.stats.prompts import order_strings
from tests.planted_store import plant

B = 200

# Three participants, two prompts. P1: the three rankings of the Kendall's W example; P2: a reversal and an all-tie.
HAND_ASSESSMENTS = [
    # id, prompt, participant, world, personal, unacceptable letters (None: not asked)
    (0, "P1", "u1", "A>B>C>D", "B>A>C>D", "AC"),
    (1, "P1", "u2", "A>B=C>D", "A>B=C>D", ""),
    (2, "P1", "u3", "B>A>C=D", None, None),
    (3, "P2", "u1", "D>C>B>A", None, None),
    (4, "P2", "u2", "A=B=C=D", None, None),
]
HAND_PEOPLE = {"u1": ("USA", "Female"), "u2": ("USA", "Male"), "u3": ("MEX", "Male")}
HAND_RANKER = {"P1": "A>B>C>D", "P2": "A>B>C>D"}
HAND_RELEVANCE = [("P1", "s1", 5), ("P2", "s2", 5), ("P1", "s2", 3)]


def _ranks(text: str) -> dict[str, int]:
    return {x: pos for pos, group in enumerate(text.split(">"), 1) for x in group.split("=")}


def _create(con, name: str, columns: dict[str, list]) -> None:
    con.from_arrow(pa.table(columns)).create(name)


def hand_store(with_run: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    a = HAND_ASSESSMENTS
    _create(con, "assessments", {
        "assessment_id": [r[0] for r in a], "prompt_id": [r[1] for r in a], "annotator_id": [r[2] for r in a],
        "unacceptable_asked": [r[5] is not None for r in a], "unacceptable_letters": [r[5] for r in a]})
    rows = [(r[0], block, x, p) for r in a for block, text in (("world", r[3]), ("personal", r[4])) if text
            for x, p in _ranks(text).items()]
    _create(con, "assessment_ranks", dict(zip(["assessment_id", "block", "letter", "rank"], map(list, zip(*rows)))))
    people = list(HAND_PEOPLE)
    _create(con, "annotators", {
        "annotator_id": people, "country": [HAND_PEOPLE[p][0] for p in people],
        "gender": [HAND_PEOPLE[p][1] for p in people], "age": ["25-34"] * 3,
        "education_level": [None] * 3, "generative_ai_usage": ["Never"] * 3, "ai_concern_level": ["x"] * 3})
    _create(con, "prompts", {"prompt_id": ["P1", "P2"]})
    if with_run:
        _create(con, "ranker_runs", {"run_id": ["r1"]})
        _create(con, "ranker_rankings", {"run_id": ["r1", "r1"], "prompt_id": ["P1", "P2"],
                                         "ranking": [HAND_RANKER["P1"], HAND_RANKER["P2"]]})
        rr = [("r1", p, x, k) for p, t in HAND_RANKER.items() for x, k in _ranks(t).items()]
        _create(con, "ranker_ranks", dict(zip(["run_id", "prompt_id", "letter", "rank"], map(list, zip(*rr)))))
        _create(con, "section_relevance", {"run_id": ["r1"] * 3, "prompt_id": [r[0] for r in HAND_RELEVANCE],
                                           "anchor": [r[1] for r in HAND_RELEVANCE],
                                           "grade": [r[2] for r in HAND_RELEVANCE]})
    build_aggregates(con, B, seed=1)
    return con


def one(con, sql: str, *params):
    """The single row of a test query as a dict."""
    cur = con.execute(sql, list(params))
    rows = cur.fetchall()
    assert len(rows) == 1, rows
    return dict(zip([d[0] for d in cur.description], rows[0]))


@pytest.fixture(scope="module")
def hand():
    return hand_store()


def test_hand_overall_and_sections(hand):
    # Pairwise per assessment: u1 P1 1, u2 P1 1 (BC tied), u3 P1 4/5 (AB reversed, CD tied), u1 P2 0, u2 P2 undefined.
    o = one(hand, "SELECT * FROM agreement_overall WHERE block='world' AND metric='pairwise'")
    assert o["estimate"] == pytest.approx(2.8 / 4)
    assert (o["n_participants"], o["n_assessments"]) == (3, 4)
    assert o["ci_low"] <= o["estimate"] <= o["ci_high"]
    top = one(hand, "SELECT * FROM agreement_overall WHERE block='world' AND metric='top'")
    assert top["estimate"] == pytest.approx(2 / 4) and top["n_assessments"] == 4
    s1 = one(hand, "SELECT * FROM agreement_section WHERE block='world' AND metric='pairwise' AND threshold=5 "
                   "AND anchor='s1'")
    assert s1["estimate"] == pytest.approx(2.8 / 3) and s1["n_prompts"] == 1 and s1["n_participants"] == 3
    s2 = {r[0]: r[1:] for r in hand.execute(
        "SELECT threshold, estimate, n_assessments, n_prompts FROM agreement_section "
        "WHERE block='world' AND metric='pairwise' AND anchor='s2'").fetchall()}
    assert s2[5] == (0.0, 1, 1)
    assert s2[4] == (0.0, 1, 1)
    assert s2[3][0] == pytest.approx(0.7) and s2[3][1:] == (4, 2)
    # Under the participant minimum nothing is ranked.
    assert hand.execute("SELECT count(rank) FROM agreement_section").fetchall()[0][0] == 0


def test_hand_groups_and_participants(hand):
    rows = dict(hand.execute("SELECT field || ':' || level, estimate FROM agreement_group "
                             "WHERE block='world' AND metric='pairwise'").fetchall())
    assert rows["gender:Female"] == pytest.approx(0.5)  # u1: 1 and 0
    assert rows["gender:Male"] == pytest.approx(0.9)  # u2: 1; u3: 0.8
    assert rows["country:USA"] == pytest.approx(2 / 3) and rows["country:MEX"] == pytest.approx(0.8)
    assert not any(k.startswith("education_level:") for k in rows)  # unknown levels are not a group
    sg = one(hand, "SELECT * FROM agreement_section_group WHERE block='world' AND metric='pairwise' AND threshold=3 "
                   "AND anchor='s2' AND field='country' AND level='USA'")
    assert sg["estimate"] == pytest.approx(2 / 3) and (sg["n_participants"], sg["n_assessments"]) == (2, 3)
    mine = dict(hand.execute("SELECT annotator_id, mean_agreement FROM participant_agreement "
                             "WHERE block='world' AND metric='pairwise'").fetchall())
    assert mine == pytest.approx({"u1": 0.5, "u2": 1.0, "u3": 0.8})


def test_hand_personal_block(hand):
    # Personal rankings on P1 only: u1 B>A>C>D (pairwise 5/6, top 0), u2 A>B=C>D (1, 1).
    o = one(hand, "SELECT * FROM agreement_overall WHERE block='personal' AND metric='pairwise'")
    assert o["estimate"] == pytest.approx((5 / 6 + 1) / 2) and o["n_assessments"] == 2


def test_hand_prompt_stats(hand):
    p1 = one(hand, "SELECT * FROM prompt_stats WHERE prompt_id='P1' AND block='world'")
    assert p1["kendall_w"] == pytest.approx(23 / 28) and p1["contestedness"] == pytest.approx(5 / 28)
    assert p1["crowd_order"] == "A>B>C>D"
    assert (p1["borda_A"], p1["borda_B"], p1["borda_C"], p1["borda_D"]) == pytest.approx((8 / 3, 6.5 / 3, 1, 0.5 / 3))
    expected_entropy = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)) / math.log(4)
    assert p1["top_entropy"] == pytest.approx(expected_entropy) and p1["n_single_top"] == 3
    # 1 of u1's 6 strict world pairs reversed, none of u2's 5.
    assert p1["personal_world_divergence"] == pytest.approx(1 / 11) and p1["n_personal_assessments"] == 2
    assert p1["country_divergence"] is None and p1["n_countries_eligible"] == 0
    p2 = one(hand, "SELECT * FROM prompt_stats WHERE prompt_id='P2' AND block='world'")
    assert p2["crowd_order"] == "D>C>B>A" and p2["n_single_top"] == 1 and p2["top_entropy"] == 0
    first = dict(hand.execute("SELECT letter, n_first FROM prompt_first_choice WHERE prompt_id='P1' "
                              "AND block='world'").fetchall())
    assert first == {"A": 2, "B": 1, "C": 0, "D": 0}
    flags = dict(hand.execute("SELECT letter, share FROM prompt_flags WHERE prompt_id='P1'").fetchall())
    assert flags == {"A": 0.5, "B": 0.0, "C": 0.5, "D": 0.0}
    dist = hand.execute("SELECT n FROM prompt_rank_distribution WHERE prompt_id='P1' AND block='world' "
                        "AND letter='C' AND rank=2").fetchall()
    assert dist == [(1,)]  # only u2's tie group B=C sits at position 2 for C


def test_hand_prompt_ranker(hand):
    p1 = one(hand, "SELECT * FROM prompt_ranker WHERE prompt_id='P1' AND block='world'")
    assert p1["crowd_ranker_pairwise"] == 1.0 and p1["top_differs"] is False
    assert p1["mean_agreement"] == pytest.approx(2.8 / 3) and p1["n_assessments"] == 3
    p2 = one(hand, "SELECT * FROM prompt_ranker WHERE prompt_id='P2' AND block='world'")
    assert p2["crowd_ranker_pairwise"] == 0.0 and p2["top_differs"] is True and p2["n_participants"] == 1


def test_order_strings_formats_every_row_and_skips_missing_ones():
    order = np.array([[1, 2, 3, 4], [0, 0, 0, 0], [2, 1, 1, 3], [1, 2, 3, 4], [1, 1, 1, 1], [4, 3, 2, 1]])
    assert order_strings(order).tolist() == ["A>B>C>D", None, "B=C>A>D", "A>B>C>D", "A=B=C=D", "D>C>B>A"]
    assert order_strings(np.zeros((0, 4), dtype=np.int64)).tolist() == []


def test_zero_runs_fill_crowd_tables_only():
    con = hand_store(with_run=False)
    for table in ("agreement_overall", "agreement_section", "agreement_group", "agreement_section_group",
                  "participant_agreement", "prompt_ranker"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == 0, table
    assert con.execute("SELECT count(*) FROM prompt_stats").fetchall()[0][0] == 3  # P1, P2 world; P1 personal
    assert con.execute("SELECT kendall_w FROM prompt_stats WHERE prompt_id='P1' AND block='world'").fetchall()[0][0] \
        == pytest.approx(23 / 28)


def test_rebuild_replaces_rather_than_appends(hand):
    before = hand.execute("SELECT count(*) FROM agreement_section_group").fetchall()[0][0]
    build_aggregates(hand, B, seed=1)
    assert hand.execute("SELECT count(*) FROM agreement_section_group").fetchall()[0][0] == before


@pytest.fixture(scope="module")
def planted():
    con = duckdb.connect()
    truth = plant(con, n_people=300, n_prompts=240, per_person=12, n_sections=20, seed=1)
    build_aggregates(con, 500, seed=7)
    return con, truth


def test_planted_sections_recovered_inside_their_intervals(planted):
    con, truth = planted
    rows = con.execute("SELECT anchor, threshold, metric, estimate, ci_low, ci_high, n_participants "
                       "FROM agreement_section WHERE block='world'").fetchall()
    assert len(rows) == 2 * 3 * 20
    for anchor, threshold, _, est, lo, hi, n in rows:
        assert n >= config.MIN_PARTICIPANTS
        # Tolerance for every section: within one full interval width (about four standard errors).
        assert abs(est - truth["sections"][(anchor, threshold)]) <= hi - lo
        assert lo <= est <= hi
    # Coverage over the 20 threshold-5 sections, whose prompt sets are disjoint (but for the anchor prompt), so
    # their misses are close to independent; the planted design makes both metrics equal, so count one.
    top5 = [r for r in rows if r[1] == 5 and r[2] == "top"]
    covered = sum(lo <= truth["sections"][(a, t)] <= hi for a, t, _, _, lo, hi, _ in top5)
    assert covered >= 0.85 * len(top5)
    o = con.execute("SELECT estimate, ci_low, ci_high FROM agreement_overall WHERE block='world'").fetchall()
    for est, lo, hi in o:
        assert abs(est - truth["overall"]) < 2 * (hi - lo)


def test_planted_section_ranking_respects_intervals(planted):
    con, _ = planted
    rows = con.execute("SELECT anchor, estimate, ci_low, ci_high, rank, rank_best, rank_worst, tie_group "
                       "FROM agreement_section WHERE block='world' AND metric='top' AND threshold=5 "
                       "ORDER BY estimate DESC").fetchall()
    assert [r[4] for r in rows] == list(range(1, 21))
    # Planted rates rise from 0.3 to 0.85 with the section number: the lowest is section_00.
    assert rows[-1][0] == "section_00"
    for _, _, lo, hi, rank, best, worst, _ in rows:
        above = sum(1 for r in rows if r[2] > hi)
        below = sum(1 for r in rows if r[3] < lo)
        assert (best, worst) == (1 + above, len(rows) - below)
        assert best <= rank <= worst
    groups = [r[7] for r in rows]
    assert groups == sorted(groups) and groups[0] == 1
    for prev, nxt in itertools.pairwise(rows):
        overlap = nxt[3] >= prev[2]
        assert (nxt[7] == prev[7]) == overlap


def test_planted_country_divergence_matches_a_direct_count(planted):
    con, _ = planted
    # The anchor prompt p0000 is seen by all 300 participants; recount its first choices per country in SQL.
    rows = con.execute("""
        SELECT p.country, r.letter, count(*) AS n
        FROM assessment_ranks r JOIN assessments a USING (assessment_id) JOIN annotators p USING (annotator_id)
        WHERE a.prompt_id = 'p0000' AND r.block = 'world' AND r.rank = 1 AND p.country IS NOT NULL
          AND a.assessment_id IN (SELECT assessment_id FROM assessment_ranks WHERE block = 'world' AND rank = 1
                                  GROUP BY assessment_id HAVING count(*) = 1)
        GROUP BY ALL""").fetchall()
    people = dict(con.execute("""SELECT p.country, count(DISTINCT a.annotator_id) FROM assessments a
        JOIN annotators p USING (annotator_id) WHERE a.prompt_id = 'p0000' GROUP BY ALL""").fetchall())
    dist: dict[str, np.ndarray] = {}
    for country, letter, n in rows:
        dist.setdefault(country, np.zeros(4))["ABCD".index(letter)] += n
    eligible = sorted(c for c in dist if people[c] >= config.MIN_PARTICIPANTS)
    best = max(((0.5 * np.abs(dist[a] / dist[a].sum() - dist[b] / dist[b].sum()).sum(), f"{a}–{b}")
                for i, a in enumerate(eligible) for b in eligible[i + 1:]), key=lambda x: x[0])
    got = one(con, "SELECT country_divergence, country_divergence_pair, n_countries_eligible FROM prompt_stats "
                   "WHERE prompt_id='p0000' AND block='world'")
    assert got["n_countries_eligible"] == len(eligible) >= 2
    assert got["country_divergence"] == pytest.approx(best[0]) and got["country_divergence_pair"] == best[1]


@pytest.mark.parametrize("table, field", [("agreement_section", None), ("agreement_section_group", "country"),
                                          ("agreement_section_group", "age")])
def test_planted_intervals_equal_the_entry_by_entry_bootstrap(planted, table, field):
    # Rebuild each estimate's (estimate, participant) entries straight from the tables and bootstrap them with the
    # general routine. Top-choice agreement is 0/1, so every sum is a whole number and must match exactly.
    con, _ = planted
    group = f"p.{field}" if field else "'all'"
    entries = con.execute(f"""
        WITH rel AS (SELECT prompt_id, anchor, max(grade) AS grade FROM section_relevance GROUP BY ALL),
        v AS (SELECT a.prompt_id, a.annotator_id,
                     CASE WHEN a.world_ranking = 'A=B=C=D' THEN NULL WHEN a.world_ranking = r.ranking THEN 1.0
                          ELSE 0.0 END AS value
              FROM assessments a JOIN ranker_rankings r USING (prompt_id))
        SELECT rel.anchor, {group} AS level, v.annotator_id, sum(v.value)::DOUBLE AS num, count(v.value) AS cnt
        FROM v JOIN rel USING (prompt_id) JOIN annotators p USING (annotator_id)
        WHERE rel.grade >= 4 AND v.value IS NOT NULL AND {group} IS NOT NULL
        GROUP BY ALL ORDER BY ALL""").fetchall()
    people = sorted({r[0] for r in con.execute("SELECT annotator_id FROM assessments").fetchall()})
    keys = sorted({(r[0], r[1]) for r in entries})
    estimate = np.array([keys.index((r[0], r[1])) for r in entries])
    cluster = np.array([people.index(r[2]) for r in entries])
    num, cnt = np.array([r[3] for r in entries]), np.array([r[4] for r in entries], dtype=float)
    low, high = bootstrap.cluster_ratio_intervals(estimate, cluster, num, cnt, len(keys), len(people), 500, seed=7)
    where = "AND field = ?" if field else ""
    stored = {(r[0], r[1] if field else "all"): r[2:] for r in con.execute(
        f"SELECT anchor, {'level' if field else 'NULL'}, estimate, ci_low, ci_high, n_participants FROM {table} "
        f"WHERE block = 'world' AND metric = 'top' AND threshold = 4 {where}", [field] if field else []).fetchall()}
    assert set(stored) == set(keys) and len(keys) >= 20
    for i, key in enumerate(keys):
        mine = estimate == i
        assert stored[key] == (num[mine].sum() / cnt[mine].sum(), low[i], high[i], mine.sum()), key


def test_group_intervals_from_the_group_alone_equal_the_product_over_everyone():
    # Groups bootstrap only their own participants; the exact integer sums make that identical, to the bit, to
    # zeroing everyone else and multiplying over the whole study. Values are sums of sixtieths, not whole numbers.
    from core.stats.agreement import _intervals

    rng = np.random.default_rng(4)
    people, b = 300, 400
    cnt = rng.integers(0, 6, (5, people)).astype(float)
    num = rng.integers(0, 61, (5, people)) * cnt / 60
    members = np.zeros((people, 4))
    members[:, 0] = 1
    members[np.arange(people), 1 + rng.integers(0, 3, people)] = rng.random(people) < 0.9  # some unknown
    members[:, 3] *= np.arange(people) < 8  # a group of at most 8: some replicates draw none of it
    n_ass = cnt @ members
    w = bootstrap.resample_counts(people, b, 5)
    out = _intervals(num, cnt, n_ass, members, w, overall_of=np.zeros(5, dtype=int))
    low, high = out["low"], out["high"]
    for r, m in itertools.product(range(5), range(4)):
        want = bootstrap.ratio_intervals(num[r:r + 1] * members[:, m], cnt[r:r + 1] * members[:, m], w)
        assert (low[r, m], high[r, m]) == (want[0][0], want[1][0]) or (n_ass[r, m] == 0 and np.isnan(low[r, m]))
    # The difference of a group from everyone else, replicate by replicate, straight from the definition.
    for r, m in itertools.product(range(5), range(1, 4)):
        inside, outside = members[:, m], 1 - members[:, m]
        group = (num[r] * inside) @ w / ((cnt[r] * inside) @ w)
        rest = (num[r] * outside) @ w / ((cnt[r] * outside) @ w)
        d = group - rest
        d = d[np.isfinite(d)]
        assert out["diff_low"][r, m] == pytest.approx(np.quantile(d, 0.025), abs=1e-12)
        assert out["diff_high"][r, m] == pytest.approx(np.quantile(d, 0.975), abs=1e-12)
        p = min(1.0, 2 * (1 + min((d <= 0).sum(), (d >= 0).sum())) / (1 + len(d)))
        assert out["p_diff"][r, m] == pytest.approx(p)
    # Rows of everyone compare with the overall row (row 0), which has no difference of its own.
    everyone = num @ w / (cnt @ w)
    assert np.isnan(out["diff_low"][0, 0])
    assert out["diff_high"][3, 0] == pytest.approx(np.quantile(everyone[3] - everyone[0], 0.975), abs=1e-12)


def test_stats_command_reads_the_stored_rows(planted):
    con, _ = planted
    doc = read_stats(con, None, "world", "top", 4)
    assert doc["run"] == "planted-run" and len(doc["sections"]) == 20
    stored = one(con, "SELECT estimate, n_assessments FROM agreement_overall WHERE block='world' AND metric='top'")
    assert doc["overall"]["estimate"] == stored["estimate"]
    assert set(doc["sections"][0]) == {"anchor", "estimate", "ci_low", "ci_high", "n_participants", "n_assessments",
                                       "n_prompts"}
    two = read_stats(con, None, "world", "top", 4, "two-way")
    stored = con.execute("SELECT anchor, ci_low, ci_high, ci_low_2w, ci_high_2w FROM agreement_section "
                         "WHERE block='world' AND metric='top' AND threshold=4").fetchall()
    by_anchor = {r[0]: r[1:] for r in stored}
    for one_s, two_s in zip(doc["sections"], two["sections"], strict=True):
        assert (one_s["ci_low"], one_s["ci_high"]) == by_anchor[one_s["anchor"]][:2]
        assert (two_s["ci_low"], two_s["ci_high"]) == by_anchor[two_s["anchor"]][2:]
    assert two["interval"] == "two-way" and doc["interval"] == "participants"
    with pytest.raises(ValueError, match="interval"):
        read_stats(con, None, "world", "top", 4, "prompts")
    assert [s["estimate"] for s in doc["sections"]] == sorted((s["estimate"] for s in doc["sections"]), reverse=True)
    with pytest.raises(ValueError, match="planted-run"):
        read_stats(con, "missing", "world", "top", 4)
    json.dumps(doc)  # serialisable as printed


TRUTH = config.SAMPLE_DIR / "rankers" / "synthetic-msr-v1" / "planted_truth.json"


@pytest.mark.skipif(not TRUTH.is_file(), reason="the synthetic sample with its planted run is not generated yet")
def test_sample_store_recovers_the_planted_section_agreement(tmp_path):
    from core.store.builder import build

    db = tmp_path / "sample.duckdb"
    build("sample", db_path=db, bootstrap_b=400, seed=3)
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    con = duckdb.connect(str(db), read_only=True)
    checked, covered = 0, 0
    for metric in config.METRICS:
        doc = read_stats(con, truth["run_id"], truth["block"], metric, truth["threshold"])
        assert doc["overall"]["ci_low"] <= truth["overall"][metric] <= doc["overall"]["ci_high"]
        for s in doc["sections"]:
            if s["n_participants"] < config.MIN_PARTICIPANTS or s["anchor"] not in truth["sections"]:
                continue
            true = truth["sections"][s["anchor"]][metric]
            checked += 1
            covered += s["ci_low"] <= true <= s["ci_high"]
            # Tolerance: a section estimate from ≥ 10 participants stays within 0.15 of its truth.
            assert abs(s["estimate"] - true) < 0.15, (s, true)
    assert checked >= 20
    assert covered >= 0.85 * checked, (covered, checked)


def test_meanwhile_runs_once_on_the_calling_thread_while_the_runs_compute_and_changes_no_figure(hand):
    import threading

    tables = ("agreement_overall", "agreement_section_group", "agreement_without_anchor", "crowd_group")
    before = {t: hand.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    calls = []
    build_aggregates(hand, B, seed=1, meanwhile=lambda: calls.append(threading.current_thread()))
    assert calls == [threading.main_thread()]
    after = {t: hand.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    assert after == before and all(before.values())


def test_an_error_in_meanwhile_stops_the_stage_with_that_error(hand):
    def fail() -> None:
        raise RuntimeError("the rubric write failed")

    with pytest.raises(RuntimeError, match="rubric write failed"):
        build_aggregates(hand, B, seed=1, meanwhile=fail)


def test_a_failure_in_the_per_prompt_tables_stops_the_stage_and_the_thread_waiting_for_them(hand, monkeypatch):
    # The runs' agreement starts before the per-prompt tables exist and waits for them at its end: their failure
    # must reach it too, or the stage would wait for ever.
    import core.stats.build as stage

    def broken(release):
        raise ArithmeticError("per-prompt tables failed")

    monkeypatch.setattr(stage, "prompt_tables", broken)
    with pytest.raises(ArithmeticError, match="per-prompt tables failed"):
        build_aggregates(hand, B, seed=1)
