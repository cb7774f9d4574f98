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
          other_graded: int = 2) -> dict:
    """Write release and ranker tables into `con`; return the planted truth.

    Each prompt has a primary section (grade 5) whose planted rate q is the chance that a participant copies the
    ranker's strict ranking (agreement 1 on both metrics) rather than reversing it (agreement 0); each participant
    shifts q by a uniform ±0.15 (clustering). The true section value is the mean of q over the qualifying defined
    assessments; an anchor prompt is seen by everyone.
    """
    rng = np.random.default_rng(seed)
    anchors = [f"section_{i:02d}" for i in range(n_sections)]
    section_rate = np.linspace(0.3, 0.85, n_sections)
    primary = rng.integers(0, n_sections, n_prompts)
    q_prompt = section_rate[primary]
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
            "anchors": anchors, "n_assessments": len(assessments)}
