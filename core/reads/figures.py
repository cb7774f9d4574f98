"""Read functions for the site pages: `(cursor, ...) -> DataFrame`, each one named SQL file with bound values."""

from __future__ import annotations

import duckdb
import pandas as pd

from core import privacy
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

Cursor = duckdb.DuckDBPyConnection


def _df(cur: Cursor, name: str, **params: object) -> pd.DataFrame:
    return cur.execute(query(name), params or None).df()


def manifest(cur: Cursor) -> pd.DataFrame:
    """The store manifest (key, value)."""
    return _df(cur, "site_manifest")


def counts(cur: Cursor) -> pd.DataFrame:
    """One row: participants, countries, prompts, assessments."""
    return _df(cur, "site_counts")


def ranker_runs(cur: Cursor) -> pd.DataFrame:
    """Ranker runs, default first."""
    return _df(cur, "site_ranker_runs")


@privacy.declares(privacy.Rule())
def agreement_overall(cur: Cursor, run: str, block: str, metric: str) -> pd.DataFrame:
    """Zero or one row of overall agreement."""
    return _df(cur, "site_agreement_overall", run=run, block=block, metric=metric)


@privacy.declares(privacy.Rule())
def agreement_sections(
    cur: Cursor, run: str, block: str, metric: str, threshold: int, prompts: str = "all"
) -> pd.DataFrame:
    """Agreement per section, highest estimate first; prompts="without-anchor" leaves the anchor prompt out."""
    name = "site_agreement_sections_without_anchor" if prompts == "without-anchor" else "site_agreement_sections"
    return _df(cur, name, run=run, block=block, metric=metric, threshold=threshold)


@privacy.declares(privacy.Rule(value_cols=()))
def anchor_prompts(cur: Cursor) -> pd.DataFrame:
    """The anchor prompt(s) every participant saw (n_participants is everyone, never a small group)."""
    return _df(cur, "site_anchor_prompts")


def spec_sections(cur: Cursor, run: str) -> pd.DataFrame:
    """Sections of the spec version the run used."""
    return _df(cur, "site_spec_sections", run=run)


@privacy.declares(privacy.Rule(partition_cols=("field",)))
def agreement_group(cur: Cursor, run: str, block: str, metric: str) -> pd.DataFrame:
    """Agreement for every level of every demographic field."""
    return _df(cur, "site_agreement_group", run=run, block=block, metric=metric)


@privacy.declares(privacy.Rule(partition_cols=("anchor",)))
def agreement_section_group(cur: Cursor, run: str, block: str, metric: str, threshold: int, field: str) -> pd.DataFrame:
    """Agreement per section and level of one field."""
    return _df(
        cur, "site_agreement_section_group", run=run, block=block, metric=metric, threshold=threshold, field=field
    )


@privacy.declares(privacy.Rule(value_cols=("contestedness", "crowd_ranker_pairwise")))
def section_prompts(cur: Cursor, run: str, block: str, threshold: int, anchor: str, limit: int = 10) -> pd.DataFrame:
    """A section's relevant prompts, most contested first."""
    return _df(cur, "site_section_prompts", run=run, block=block, threshold=threshold, anchor=anchor, limit=limit)


@privacy.declares(privacy.Rule(partition_cols=("field",), value_cols=()))
def demographic_counts(cur: Cursor) -> pd.DataFrame:
    """Participants per level of each demographic field."""
    return _df(cur, "site_demographic_counts")


def country_labels(cur: Cursor) -> pd.DataFrame:
    """ISO alpha-3 code and the released label."""
    return _df(cur, "site_country_labels")


@privacy.declares(privacy.Rule(value_cols=("country_divergence",)))
def country_divergence(cur: Cursor, block: str, limit: int = 10) -> pd.DataFrame:
    """Prompts where countries' first choices diverge most."""
    return _df(cur, "site_country_divergence", block=block, limit=limit)


def build_report(cur: Cursor) -> pd.DataFrame:
    """Data-quality findings of the build."""
    return _df(cur, "site_build_report")


def build_files(cur: Cursor) -> pd.DataFrame:
    """Input files with row counts and checksums."""
    return _df(cur, "site_build_files")
