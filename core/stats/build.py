"""Precompute every statistics table of the store: pull the columns once, compute in numpy, write back in bulk."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from core import config
from core.sqlfiles import sql_folder
from core.stats.agreement import run_tables
from core.stats.arrow import arrow_table
from core.stats.crowd_build import build_crowd
from core.stats.inputs import fetch_columns, load_coded
from core.stats.prompts import prompt_tables
from core.stats.variants import anchor_table

query = sql_folder(__file__)

RANKER_TABLES = ("ranker_runs", "ranker_rankings", "ranker_ranks", "section_relevance")
NUMPY_TABLES = (
    "agreement_overall",
    "agreement_section",
    "agreement_group",
    "agreement_section_group",
    "agreement_without_anchor",
    "anchor_prompts",
    "participant_agreement",
    "prompt_stats",
    "prompt_first_choice",
    "prompt_country_first_choice",
    "prompt_ranker",
)

Table = dict[str, np.ndarray]  # column name -> equal-length array (NaN / None = NULL)


def _table_exists(con, name: str) -> bool:
    return bool(con.execute(query("agg_table_exists"), {"name": name}).fetchall()[0][0])


def write_table(con, name: str, table: Table) -> None:
    """Append rows to one of the statistics tables created by agg_create_tables (name from NUMPY_TABLES)."""
    if name not in NUMPY_TABLES:
        raise KeyError(f"{name!r} is not a statistics table")
    if not table or len(next(iter(table.values()))) == 0:
        return
    frame = arrow_table(table)
    con.register("agg_frame", frame)
    try:
        con.execute(query(f"agg_insert_{name}"))
    finally:
        con.unregister("agg_frame")


def build_aggregates(
    con,
    bootstrap_b: int,
    seed: int,
    progress: Callable[[str], None] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Compute and (re)write every precomputed statistics table on an open write connection.

    Needs the release tables; the ranker tables may be empty or absent (then the agreement tables stay empty and
    the crowd-only tables are still filled). `progress`, when given, receives one short message per stage.
    `meanwhile`, when given, runs on the calling thread while the runs' agreement tables are computed.
    """

    def say(message: str) -> None:
        if progress is not None:
            progress(message)

    # OpenBLAS's idle workers spin for a while after every product, holding the second core: with its two threads
    # this stage used 4.1 CPU seconds for 2.3 s of wall time, and threads of its own (the agreement tables', the
    # partitions') gained nothing. With one BLAS thread the second core is free for them (issue 17).
    with threadpool_limits(limits=1, user_api="blas"):
        _build(con, bootstrap_b, seed, say, meanwhile)


def _build(con, bootstrap_b: int, seed: int, say: Callable[[str], None], meanwhile: Callable[[], None] | None) -> None:
    started = time.perf_counter()
    con.execute(query("agg_create_tables"))
    con.execute(query("agg_prompt_flags"))
    con.execute(query("agg_prompt_rank_distribution"))
    release = load_coded(con)
    say(f"statistics: loaded {len(release.prompt):,} assessments")

    crowd_runs: list[tuple[str, dict, dict]] = []
    if all(_table_exists(con, t) for t in RANKER_TABLES):
        for run_id in (str(r) for r in fetch_columns(con, "agg_ranker_runs")["run_id"]):
            ranker = fetch_columns(con, "agg_ranker_ranks", run_id=run_id)
            relevance = fetch_columns(con, "agg_section_relevance", run_id=run_id, min_grade=min(config.THRESHOLDS))
            crowd_runs.append((run_id, ranker, relevance))
    crowd_ready: Future = Future()

    def agreement() -> list[tuple[str, dict]]:
        return [
            (run_id, run_tables(run_id, release, crowd_ready.result, ranker, relevance, bootstrap_b, seed))
            for run_id, ranker, relevance in crowd_runs
        ]

    # The runs' tables are numpy work that mostly lets go of the GIL: computed on a second thread from the start,
    # they leave this one free for the per-prompt and crowd layer tables and the caller's `meanwhile` (the build
    # writes the rubric tables), which then cost little wall time (issue 17). Nothing is shared but read-only arrays
    # and the per-prompt tables, handed over once made; only this thread writes to the store.
    with ThreadPoolExecutor(1, thread_name_prefix="agreement") as pool:
        computing = pool.submit(agreement)
        try:
            write_table(con, "anchor_prompts", anchor_table(release))
            crowd = prompt_tables(release)
        except BaseException as exc:
            crowd_ready.set_exception(exc)  # the agreement thread, waiting for them, stops too
            raise
        crowd_ready.set_result(crowd)
        for name, table in crowd.tables.items():
            write_table(con, name, table)
        say("statistics: per-prompt tables written")
        build_crowd(con, release, crowd_runs, bootstrap_b, seed)
        say("statistics: crowd layer written")
        if meanwhile is not None:
            meanwhile()
        for run_id, tables in computing.result():
            for name, table in tables.items():
                write_table(con, name, table)
            say(f"statistics: run {run_id} written")
    say(f"statistics: done in {time.perf_counter() - started:.2f} s")
