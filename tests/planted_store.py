"""Build a small DuckDB store with planted crowd-versus-ranker agreement whose true section values are known."""
from __future__ import annotations

import itertools

import duckdb
import numpy as np
import pyarrow as pa

LETTERS = "ABCD"
COUNTRIES = ["USA", "MEX", "ZAF", "NLD", "CHL", "GBR", "IND", "KEN", "JPN", None]
COUNTRY_WEIGHTS = [0.36, 0.14, 0.13, 0.12, 0.08, 0.07, 0.04, 0.03, 0.02, 0.01]
PERMUTATIONS = [">".join(p) for p in itertools.permutations(LETTERS)]


def _ranks(ranking: str) -> dict[str, int]:
    return {x: pos for pos, group in enumerate(ranking.split(">"), 1) for x in group.split("=")}


def _reverse(ranking: str) -> str:
    return ">".join(reversed(ranking.split(">")))


def plant(con: duckdb.DuckDBPyConnection, *, n_people: int = 300, n_prompts: int = 120, per_person: int = 12,
          n_sections: int = 6, seed: int = 1, with_run: bool = True, all_tied_rate: float = 0.03,
          other_graded: int = 2, prompt_effect: float = 0.0, rates: tuple[float, float] = (0.3, 0.85)) -> dict:
    """Write release and ranker tables into `con`; return the planted truth.

    Each prompt has a primary section (grade 5) whose planted rate q is the chance that a participant copies the
    ranker's strict ranking (agreement 1 on both metrics) rather than reversing it (agreement 0); each participant
    shifts q by a uniform ±0.15 (clustering). The true section value is the mean of q over the qualifying defined
    assessments; an anchor prompt is seen by everyone. With `prompt_effect` > 0 each prompt's rate is its section's
    plus a uniform ±prompt_effect draw: prompts are then a sample, and `section_rate` (the mean over prompts a new
    study would draw) is the truth a two-way interval should cover, where the per-prompt truths are what a
    participant-only interval covers.
    """
    rng = np.random.default_rng(seed)
    anchors = [f"section_{i:02d}" for i in range(n_sections)]
    section_rate = np.linspace(*rates, n_sections)
    primary = rng.integers(0, n_sections, n_prompts)
    q_prompt = section_rate[primary] + (rng.uniform(-prompt_effect, prompt_effect, n_prompts) if prompt_effect else 0)
    ranker = [PERMUTATIONS[i] for i in rng.integers(0, len(PERMUTATIONS), n_prompts)]
    prompt_ids = [f"p{i:04d}" for i in range(n_prompts)]
    people = [f"u{i:04d}" for i in range(n_people)]
    shift = rng.uniform(-0.15, 0.15, n_people)

    relevance = []  # (prompt index, section index, grade)
    for p in range(n_prompts):
        relevance.append((p, int(primary[p]), 5))
        for s in rng.choice(np.delete(np.arange(n_sections), primary[p]), other_graded, replace=False):
            relevance.append((p, int(s), int(rng.integers(1, 5))))

    assessments, ranks = [], []
    defined_q = []  # (prompt index, q) per defined assessment, for the truth
    for u, person in enumerate(people):
        seen = np.r_[0, rng.choice(np.arange(1, n_prompts), per_person - 1, replace=False)]
        for k, p in enumerate(seen):
            tied = rng.random() < all_tied_rate
            if tied:
                world = "A=B=C=D"
            else:
                copy = rng.random() < q_prompt[p] + shift[u]
                world = ranker[p] if copy else _reverse(ranker[p])
                defined_q.append((p, q_prompt[p]))
            personal = world if k < 5 else None
            aid = len(assessments)
            flags = "".join(x for x in LETTERS if rng.random() < 0.2) if personal else None
            assessments.append((aid, prompt_ids[p], person, world, personal, personal is not None, flags))
            for block, ranking in (("world", world), ("personal", personal)):
                if ranking:
                    ranks += [(aid, block, x, r) for x, r in _ranks(ranking).items()]

    countries = rng.choice(len(COUNTRIES), n_people, p=COUNTRY_WEIGHTS)
    annotators = pa.table({
        "annotator_id": people,
        "country": [COUNTRIES[c] for c in countries],
        "age": rng.choice(["18-24", "25-34", "35-44", "45+"], n_people).tolist(),
        "gender": rng.choice(["Male", "Female", "Non-binary"], n_people, p=[0.5, 0.47, 0.03]).tolist(),
        "education_level": rng.choice(["Graduate degree", "College or university degree"], n_people).tolist(),
        "generative_ai_usage": rng.choice(["Never", "Several times a day"], n_people).tolist(),
        "ai_concern_level": rng.choice(["More excited than concerned", "Equally excited and concerned"],
                                       n_people).tolist(),
    })
    cols = list(zip(*assessments))
    tables = {
        "annotators": annotators,
        "prompts": pa.table({"prompt_id": prompt_ids}),
        "assessments": pa.table({
            "assessment_id": list(cols[0]), "prompt_id": list(cols[1]), "annotator_id": list(cols[2]),
            "world_ranking": list(cols[3]), "personal_ranking": list(cols[4]),
            "unacceptable_asked": list(cols[5]), "unacceptable_letters": list(cols[6]),
        }),
        "assessment_ranks": pa.table(dict(zip(["assessment_id", "block", "letter", "rank"], map(list, zip(*ranks))))),
    }
    if with_run:
        run = "planted-run"
        tables["ranker_runs"] = pa.table({"run_id": [run], "spec_version": ["2025-04-11"]})
        tables["ranker_rankings"] = pa.table({"run_id": [run] * n_prompts, "prompt_id": prompt_ids,
                                              "ranking": ranker})
        rr = [(run, prompt_ids[p], x, r) for p in range(n_prompts) for x, r in _ranks(ranker[p]).items()]
        tables["ranker_ranks"] = pa.table(dict(zip(["run_id", "prompt_id", "letter", "rank"], map(list, zip(*rr)))))
        tables["section_relevance"] = pa.table({
            "run_id": [run] * len(relevance), "prompt_id": [prompt_ids[p] for p, _, _ in relevance],
            "anchor": [anchors[s] for _, s, _ in relevance], "grade": [g for _, _, g in relevance]})
    for name, table in tables.items():
        con.from_arrow(table).create(name)

    # Truth per (anchor, threshold): mean q over defined assessments of prompts graded >= threshold.
    weight = np.zeros(n_prompts)
    for p, _ in defined_q:
        weight[p] += 1
    truth = {}
    for t in (5, 4, 3):
        for s, anchor in enumerate(anchors):
            qualifying = np.zeros(n_prompts, dtype=bool)
            for p, sec, g in relevance:
                if sec == s and g >= t:
                    qualifying[p] = True
            w = weight * qualifying
            truth[(anchor, t)] = float((w * q_prompt).sum() / w.sum()) if w.sum() else None
    overall = float((weight * q_prompt).sum() / weight.sum())
    return {"run_id": "planted-run" if with_run else None, "sections": truth, "overall": overall,
            "anchors": anchors, "n_assessments": len(assessments),
            "section_rate": dict(zip(anchors, section_rate.tolist())), "anchor_prompt": prompt_ids[0]}


CROWD_COUNTRIES = {"USA": 0.85, "MEX": 0.62, "ZAF": 0.8, "NLD": 0.8, "GBR": 0.9}
CROWD_FLAG_RATE = {"USA": 0.3, "MEX": 0.3, "ZAF": 0.7, "NLD": 0.3, "GBR": 0.3}
CROWD_DIFFERS = {"Male": 0.2, "Female": 0.6}


def plant_crowd(con: duckdb.DuckDBPyConnection, *, n_people: int = 400, n_prompts: int = 60, per_person: int = 15,
                seed: int = 3) -> dict:
    """Write release tables whose crowd structure is planted; return the expected value of every crowd measure.

    Every prompt has a strict reference order. A participant from country c copies it with probability
    CROWD_COUNTRIES[c], else ranks it exactly reversed; with about 100 rankings per prompt and every country's rate
    above one half, the rest of the crowd always orders the prompt as the reference, so an assessment's agreement
    with the crowd is 1 when copied and 0 when reversed, pairwise and top choice alike: its expected value is the
    country's rate. The first five assessments of everyone are long form: one or more responses are flagged with
    the country's CROWD_FLAG_RATE, and the personal ranking swaps the world ranking's first two with the gender's
    CROWD_DIFFERS rate (pairwise agreement 5/6 when swapped, top choice 0).
    """
    rng = np.random.default_rng(seed)
    countries = list(CROWD_COUNTRIES)
    country = [countries[i] for i in rng.integers(0, len(countries), n_people)]
    gender = [list(CROWD_DIFFERS)[i] for i in rng.integers(0, 2, n_people)]
    reference = [PERMUTATIONS[i] for i in rng.integers(0, len(PERMUTATIONS), n_prompts)]
    people = [f"c{i:04d}" for i in range(n_people)]
    prompt_ids = [f"q{i:04d}" for i in range(n_prompts)]
    assessments, ranks, truth_rows = [], [], []
    for u, person in enumerate(people):
        for k, p in enumerate(rng.choice(n_prompts, per_person, replace=False)):
            q = CROWD_COUNTRIES[country[u]]
            world = reference[p] if rng.random() < q else _reverse(reference[p])
            personal, flags = None, None
            if k < 5:
                swap = rng.random() < CROWD_DIFFERS[gender[u]]
                letters = world.split(">")
                personal = ">".join([letters[1], letters[0], *letters[2:]]) if swap else world
                flags = ("C" if rng.random() < CROWD_FLAG_RATE[country[u]] else "")
            aid = len(assessments)
            assessments.append((aid, prompt_ids[p], person, world, personal, personal is not None, flags))
            truth_rows.append((u, q))
            for block, ranking in (("world", world), ("personal", personal)):
                if ranking:
                    ranks += [(aid, block, x, r) for x, r in _ranks(ranking).items()]
    cols = list(zip(*assessments))
    tables = {
        "annotators": pa.table({
            "annotator_id": people, "country": country, "gender": gender, "age": ["25-34"] * n_people,
            "education_level": ["Graduate degree"] * n_people, "generative_ai_usage": ["Never"] * n_people,
            "ai_concern_level": ["Not sure / No answer"] * n_people}),
        "prompts": pa.table({"prompt_id": prompt_ids}),
        "assessments": pa.table({
            "assessment_id": list(cols[0]), "prompt_id": list(cols[1]), "annotator_id": list(cols[2]),
            "world_ranking": list(cols[3]), "personal_ranking": list(cols[4]),
            "unacceptable_asked": list(cols[5]), "unacceptable_letters": list(cols[6])}),
        "assessment_ranks": pa.table(dict(zip(["assessment_id", "block", "letter", "rank"], map(list, zip(*ranks))))),
    }
    for name, table in tables.items():
        con.from_arrow(table).create(name)
    rates = np.array([q for _, q in truth_rows])
    who = np.array([u for u, _ in truth_rows])
    in_country = {c: np.array([country[u] == c for u in who]) for c in countries}
    long_form = np.array(cols[5])
    flag_rate = np.array([CROWD_FLAG_RATE[country[u]] for u in who])
    differs = np.array([CROWD_DIFFERS[gender[u]] for u in who])
    in_gender = {g: np.array([gender[u] == g for u in who]) for g in CROWD_DIFFERS}
    return {
        "agreement": float(rates.mean()),
        "agreement_country": {c: float(rates[m].mean()) for c, m in in_country.items()},
        "agreement_rest": {c: float(rates[~m].mean()) for c, m in in_country.items()},
        "flagged": float(flag_rate[long_form].mean()),
        "flagged_country": {c: float(flag_rate[long_form & m].mean()) for c, m in in_country.items()},
        "differs": float(differs[long_form].mean()),
        "differs_gender": {g: float(differs[long_form & m].mean()) for g, m in in_gender.items()},
        "personal_world_pairwise": float((1 - differs[long_form] / 6).mean()),
    }
