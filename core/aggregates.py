"""Precompute every statistics table of the store: pull the columns once, compute in numpy, write back in bulk."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from core import config
from core.sql import query

# Fields agreement is broken down by, in the order the tables list them. `country` is ISO alpha-3.
GROUP_FIELDS = ("country", "age", "gender", "education_level", "generative_ai_usage", "ai_concern_level")
RANKER_TABLES = ("ranker_runs", "ranker_rankings", "ranker_ranks", "section_relevance")
NUMPY_TABLES = (
    "agreement_overall", "agreement_section", "agreement_group", "agreement_section_group",
    "participant_agreement", "prompt_stats", "prompt_first_choice", "prompt_country_first_choice", "prompt_ranker",
)

Table = dict[str, np.ndarray]  # column name -> equal-length array (NaN / None = NULL)


@dataclass
class Release:
    """The assessments as integer-coded numpy arrays (one entry per canonical assessment)."""

    prompt_ids: np.ndarray  # sorted unique prompt ids; `prompt` indexes into it
    prompt: np.ndarray
    participant_ids: np.ndarray  # sorted unique annotator ids; `participant` indexes into it
    participant: np.ndarray
    ranks: dict[str, np.ndarray]  # block -> n × 4 tie-group positions, 0 where the block was not asked
    groups: dict[str, tuple[np.ndarray, np.ndarray]]  # field -> (level code per participant, -1 unknown; levels)


def _column(values) -> np.ndarray:
    """A fetched column as a plain numpy array, NULL as None (strings) so masks never leak into the maths."""
    if isinstance(values, np.ma.MaskedArray):
        data = np.ma.getdata(values).astype(object)
        data[np.ma.getmaskarray(values)] = None
        return data
    return np.asarray(values)


def _fetch(con, name: str, **params) -> dict[str, np.ndarray]:
    result = con.execute(query(name), params) if params else con.execute(query(name))
    return {k: _column(v) for k, v in result.fetchnumpy().items()}


def load_release(con) -> Release:
    """Read assessments, their ranks and the participants' groups from the store."""
    rows = _fetch(con, "agg_assessments")
    prompt_ids, prompt = np.unique(rows["prompt_id"].astype(str), return_inverse=True)
    participant_ids, participant = np.unique(rows["annotator_id"].astype(str), return_inverse=True)
    ranks = {
        block: np.stack([rows[f"{block}_{x.lower()}"].astype(np.int64) for x in config.LETTERS], axis=1)
        for block in config.BLOCKS
    }
    people = _fetch(con, "agg_annotators")
    ids = people["annotator_id"].astype(str)
    # Participants without an annotators row keep unknown (-1) levels in every field.
    pos = np.searchsorted(ids, participant_ids)
    pos_ok = pos < len(ids)
    found = np.zeros(len(participant_ids), dtype=bool)
    found[pos_ok] = ids[pos[pos_ok]] == participant_ids[pos_ok]
    groups = {}
    for field in GROUP_FIELDS:
        values = people[field]
        known = np.array([v is not None and v != "" for v in values], dtype=bool)
        levels, codes = np.unique(values[known].astype(str), return_inverse=True)
        per_person = np.full(len(ids), -1, dtype=np.int64)
        per_person[known] = codes
        code = np.full(len(participant_ids), -1, dtype=np.int64)
        code[found] = per_person[pos[found]]
        groups[field] = (code, levels)
    return Release(prompt_ids, prompt.astype(np.int64), participant_ids, participant.astype(np.int64), ranks, groups)


def _table_exists(con, name: str) -> bool:
    return bool(con.execute(query("agg_table_exists"), {"name": name}).fetchall()[0][0])


def _arrow_column(values: np.ndarray) -> pa.Array:
    # NaN in a float column and None in an object column both mean NULL.
    if values.dtype.kind == "f":
        return pa.array(values, mask=np.isnan(values))
    # Lists, not object arrays: pyarrow would import pandas to convert those (half a second).
    return pa.array(values.tolist()) if values.dtype == object else pa.array(values)


def _arrow(table: Table) -> pa.Table:
    return pa.table({k: _arrow_column(np.asarray(v)) for k, v in table.items()})


def write_table(con, name: str, table: Table) -> None:
    """Append rows to one of the statistics tables created by agg_create_tables (name from NUMPY_TABLES)."""
    if name not in NUMPY_TABLES:
        raise KeyError(f"{name!r} is not a statistics table")
    if not table or len(next(iter(table.values()))) == 0:
        return
    frame = _arrow(table)
    con.register("agg_frame", frame)
    try:
        con.execute(query(f"agg_insert_{name}"))
    finally:
        con.unregister("agg_frame")


def build_aggregates(con, bootstrap_b: int, seed: int, progress: Callable[[str], None] | None = None) -> None:
    """Compute and (re)write every precomputed statistics table on an open write connection.

    Needs the release tables; the ranker tables may be empty or absent (then the agreement tables stay empty and
    the crowd-only tables are still filled). `progress`, when given, receives one short message per stage.
    """
    from core.agreement_stats import run_tables
    from core.prompt_stats import prompt_tables

    def say(message: str) -> None:
        if progress is not None:
            progress(message)

    started = time.perf_counter()
    con.execute(query("agg_create_tables"))
    con.execute(query("agg_prompt_flags"))
    con.execute(query("agg_prompt_rank_distribution"))
    release = load_release(con)
    say(f"statistics: loaded {len(release.prompt):,} assessments")

    crowd = prompt_tables(release)
    for name, table in crowd.tables.items():
        write_table(con, name, table)
    say("statistics: per-prompt tables written")

    runs: list[str] = []
    if all(_table_exists(con, t) for t in RANKER_TABLES):
        runs = [str(r) for r in _fetch(con, "agg_ranker_runs")["run_id"]]
    for run_id in runs:
        ranker = _fetch(con, "agg_ranker_ranks", run_id=run_id)
        relevance = _fetch(con, "agg_section_relevance", run_id=run_id, min_grade=min(config.THRESHOLDS))
        tables = run_tables(run_id, release, crowd, ranker, relevance, bootstrap_b, seed)
        for name, table in tables.items():
            write_table(con, name, table)
        say(f"statistics: run {run_id} written")
    say(f"statistics: done in {time.perf_counter() - started:.2f} s")
