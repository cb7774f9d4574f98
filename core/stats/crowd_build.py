"""Write the crowd layer's tables during the statistics stage: works with or without any ranker run."""

from __future__ import annotations

import numpy as np

from core.sqlfiles import sql_folder
from core.stats.arrow import arrow_table
from core.stats.crowd import measure_values
from core.stats.crowd_ranker import run_table
from core.stats.crowd_tables import group_tables, prompt_table
from core.stats.inputs import CodedAssessments, fetch_columns

query = sql_folder(__file__)

CROWD_TABLES = ("crowd_overall", "crowd_group", "crowd_prompt", "crowd_ranker")


def _write(con, name: str, table: dict[str, np.ndarray]) -> None:
    if name not in CROWD_TABLES:
        raise KeyError(f"{name!r} is not a crowd table")
    if not table or len(next(iter(table.values()))) == 0:
        return
    con.register("crowd_frame", arrow_table(table))
    try:
        con.execute(query(f"crowd_insert_{name}"))
    finally:
        con.unregister("crowd_frame")


def build_crowd(con, release: CodedAssessments, runs: list[tuple[str, dict, dict]], b: int, seed: int) -> None:
    """Create and fill the crowd tables; `runs` holds (run id, ranker ranks, relevance) as the agreement stage read them."""
    con.execute(query("crowd_create_tables"))
    flag_columns = fetch_columns(con, "crowd_flags")
    values = measure_values(release, flag_columns)
    for name, table in group_tables(values, release, b, seed).items():
        _write(con, name, table)
    _write(con, "crowd_prompt", prompt_table(values, release))
    for run_id, ranker, relevance in runs:
        _write(con, "crowd_ranker", run_table(run_id, values, release, ranker, relevance, b, seed))
