"""Downloadable data: the site's tables (suppressed) and filtered slices of assessments, with their manifests."""

from __future__ import annotations

import io
import zipfile
from dataclasses import asdict, dataclass, field

import pandas as pd

from core import exports, privacy
from core.config import BLOCKS, DEMOGRAPHIC_FIELDS, GROUP_FIELDS, METRICS, THRESHOLDS
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

SLICE_COLUMNS = (
    "assessment_id",
    "prompt_id",
    "annotator_id",
    "country",
    "country_of_residence",
    "age",
    "gender",
    "education_level",
    "generative_ai_usage",
    "ai_concern_level",
    "world_ranking",
    "world_top",
    "world_rationale",
    "personal_ranking",
    "personal_top",
    "personal_rationale",
    "unacceptable_asked",
    "unacceptable_letters",
    "unacceptable_rationale",
    "importance",
    "subjectivity",
    "representativeness",
    "is_duplicate_pair",
)
RATIONALE_COLUMNS = ("world_rationale", "personal_rationale", "unacceptable_rationale")
BLOCK_COLUMNS = {
    "world": ("world_ranking", "world_top", "world_rationale"),
    "personal": ("personal_ranking", "personal_top", "personal_rationale"),
}


TWO_WAY = ("ci_low_2w", "ci_high_2w")
RANKS_2W = ("rank_best_2w", "rank_worst_2w")
DIFFS = ("diff_low", "diff_high", "p_diff")
DIFFS_2W = ("diff_low_2w", "diff_high_2w", "p_diff_2w")
MATCHED = ("tied_pair_share", "matched_world", "matched_personal", "matched_diff_low", "matched_diff_high")


@dataclass(frozen=True)
class TableSpec:
    """A site table offered for download and how the small-group rules apply to it."""

    name: str  # file-name part and SQL suffix (slice_table_<name>.sql)
    title: str
    description: str
    filters: tuple[str, ...]  # view keys the SQL takes: run, block, metric, threshold, field, prompt_id
    n_cols: tuple[str, ...] = ()  # the row is suppressed when any of these counts is < the minimum
    numeric_values: tuple[str, ...] = ()  # blanked with the row
    text_values: tuple[str, ...] = ()  # values from participants that are text (e.g. a crowd order)
    partition_cols: tuple[str, ...] | None = None  # see core.privacy.apply
    # (value, count) pairs: a value computed from fewer people than the row's n_cols is hidden on its own count
    own_counts: tuple[tuple[str, str], ...] = ()


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "agreement_overall",
            "Overall agreement",
            "Crowd-vs-ranker agreement over all prompts.",
            ("run", "block", "metric"),
            ("n_participants",),
            ("estimate", "ci_low", "ci_high", *TWO_WAY, *MATCHED),
        ),
        TableSpec(
            "agreement_section",
            "Agreement by spec section",
            "Agreement per section at each relevance threshold.",
            ("run", "block", "metric", "threshold"),
            ("n_participants",),
            (
                "estimate",
                "ci_low",
                "ci_high",
                "rank",
                "rank_best",
                "rank_worst",
                "tie_group",
                *TWO_WAY,
                *RANKS_2W,
                *DIFFS,
                *DIFFS_2W,
                "anchor_share",
            ),
        ),
        TableSpec(
            "agreement_group",
            "Agreement by group",
            "Agreement per country and demographic group.",
            ("run", "block", "metric", "field"),
            ("n_participants",),
            ("estimate", "ci_low", "ci_high", *TWO_WAY, *DIFFS, *DIFFS_2W, "tied_pair_share"),
            partition_cols=("run_id", "block", "metric", "field"),
        ),
        TableSpec(
            "agreement_section_group",
            "Agreement by section and group",
            "Agreement per section for each country and demographic group.",
            ("run", "block", "metric", "threshold", "field"),
            ("n_participants",),
            ("estimate", "ci_low", "ci_high", *DIFFS),
            partition_cols=("run_id", "block", "metric", "threshold", "anchor", "field"),
        ),
        TableSpec(
            "agreement_without_anchor",
            "Agreement without the anchor prompt",
            "Overall, per group and per section, leaving out the prompt every participant saw.",
            ("run", "block", "metric"),
            ("n_participants",),
            ("estimate", "ci_low", "ci_high", *TWO_WAY, "rank_best", "rank_worst", *RANKS_2W),
        ),
        TableSpec(
            "prompt_stats",
            "Prompt statistics",
            "Contestedness, Borda scores and country divergence per prompt.",
            ("block", "prompt_id"),
            ("n_participants",),
            (
                "n_single_top",
                "top_entropy",
                "kendall_w",
                "contestedness",
                "borda_A",
                "borda_B",
                "borda_C",
                "borda_D",
                "country_divergence",
                "personal_world_divergence",
            ),
            ("crowd_order", "country_divergence_pair"),
            # The world row's divergence comes from the participants who also ranked for themselves.
            own_counts=(("personal_world_divergence", "n_personal_participants"),),
        ),
        TableSpec(
            "prompt_first_choice",
            "First choices per prompt",
            "Share of first choices per response with Wilson CIs.",
            ("block", "prompt_id"),
            ("n_participants", "n_single_top"),
            ("share", "ci_low", "ci_high"),
        ),
        TableSpec(
            "prompt_country_first_choice",
            "First choices by country",
            "Each country's first choices per prompt (countries under the minimum suppressed).",
            # Shares are computed from the participants with a single first choice: that count must pass too.
            ("block", "prompt_id"),
            ("n_participants", "n_single_top"),
            ("share",),
            partition_cols=("prompt_id", "block", "letter"),
        ),
        TableSpec(
            "prompt_rank_distribution",
            "Rank distribution per prompt",
            "How often each response got each place.",
            ("block", "prompt_id"),
            ("n_participants",),
            (),
        ),
        TableSpec(
            "prompt_flags",
            "Unacceptable flags per prompt",
            "How often each response was flagged unacceptable, of the participants asked.",
            ("prompt_id",),
            ("n_participants", "n_asked"),
            ("n_flagged", "share"),
        ),
        TableSpec(
            "prompt_ranker",
            "Ranker vs crowd per prompt",
            "The ranker's ranking beside the crowd's Borda order.",
            ("run", "block", "prompt_id"),
            ("n_participants",),
            ("crowd_ranker_pairwise", "mean_agreement"),
            ("crowd_order", "top_differs"),
        ),
        TableSpec(
            "demographic_counts",
            "Participants by group",
            "Participants per level of each demographic field.",
            ("field",),
            ("n_participants",),
            (),
            partition_cols=("field",),
        ),
        # Rubrics (conversation_rubrics.jsonl, docs/data-model.md "Rubrics"); empty tables on stores without them.
        TableSpec(
            "rubric_items",
            "Rubric criteria and their weights",
            "Each pre-written rubric criterion per prompt: mean weight (-10 to +10) with its 95% t interval.",
            ("prompt_id",),
            ("n_participants",),
            ("mean_weight", "ci_low", "ci_high", "sd", "share_positive", "share_negative"),
        ),
        TableSpec(
            "rubric_item_country",
            "Rubric weights by country",
            "Each pre-written criterion's mean weight per country of the participants who scored it.",
            ("prompt_id",),
            ("n_participants",),
            ("mean_weight", "ci_low", "ci_high"),
            partition_cols=("prompt_id", "rubric_row", "item_index"),
        ),
        TableSpec(
            "rubric_own_items",
            "Criteria participants wrote",
            "Criteria written by participants (scored by exactly one person) with the author's weight; hidden on "
            "prompts with fewer than 10 participants.",
            ("prompt_id",),
            ("n_prompt_participants",),
            ("weight",),
            ("criterion",),
        ),
        TableSpec(
            "rubric_core",
            "Core rubric criteria",
            "OpenAI's distilled core criteria per prompt (positive form, no weights).",
            ("prompt_id",),
        ),
        TableSpec(
            "rubric_kind_shares",
            "Rubric criteria: positive or negative",
            "How often pre-written and participants' own criteria carry a positive or negative weight.",
            (),
            ("n_participants",),
            ("share_positive", "ci_low", "ci_high", "share_scores_negative"),
        ),
        TableSpec(
            "rubric_join",
            "Rubric join",
            "Where each row of conversation_rubrics.jsonl joined: exactly, tolerantly (with its score), ambiguous "
            "or unmatched.",
            (),
        ),
        TableSpec("build_report", "Build report", "Data-quality findings of the build (no participant values).", ()),
        TableSpec("build_files", "Build input files", "Input files with row counts and checksums.", ()),
    )
}


def _params(spec: TableSpec, view: dict | None) -> dict:
    view = view or {}
    return {k: view.get(k) for k in spec.filters}


def suppress(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Apply core.privacy to a table: rows from too few participants lose every value, text included."""
    if not spec.n_cols:
        return df.reset_index(drop=True)
    basis = "_n_basis"
    work = df.copy()
    work[basis] = work[list(spec.n_cols)].apply(pd.to_numeric, errors="coerce").min(axis=1, skipna=False)
    # A partition column missing from the frame was fixed by the query (e.g. one prompt): the rest still split it.
    partition = None if spec.partition_cols is None else [c for c in spec.partition_cols if c in work.columns]
    out = privacy.apply(work, n_col=basis, value_cols=list(spec.numeric_values), partition_cols=partition)
    hidden = out["suppressed"]
    for col in spec.n_cols:  # counts used as the basis are not in privacy's count list in every table
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
        out.loc[hidden, col] = pd.NA
    for col in spec.text_values:
        out[col] = out[col].astype("object")
        out.loc[hidden, col] = None
    for value, count in spec.own_counts:
        if value in out.columns and count in out.columns:
            n = pd.to_numeric(out[count], errors="coerce")
            few = hidden | n.isna() | (n < privacy.MIN_PARTICIPANTS)
            out[value] = pd.to_numeric(out[value], errors="coerce").astype("float64")
            out.loc[few, value] = float("nan")
            out[count] = n.astype("Int64")
            out.loc[few, count] = pd.NA
    return out.drop(columns=basis)


def raw_table(cur, name: str, view: dict | None = None) -> pd.DataFrame:
    """A site table as stored, NOT suppressed: for row counts only, never for showing or downloading."""
    spec = TABLES[name]
    return cur.execute(query(f"slice_table_{name}"), _params(spec, view) or None).df()


def table(cur, name: str, view: dict | None = None) -> pd.DataFrame:
    """A site table, suppressed; `view` None gives full data, else the filters of the current view."""
    return suppress(raw_table(cur, name, view), TABLES[name])


def output_columns(name: str, raw_columns: list[str]) -> list[str]:
    """Columns of the downloaded table: the stored ones plus core.privacy's flags where it applies."""
    return [*raw_columns, "suppressed", "reliability"] if TABLES[name].n_cols else list(raw_columns)


# --- Slices of assessments -------------------------------------------------------------------------------


class SliceRefused(Exception):
    """A slice that may not be downloaded; the message is plain words for the reader."""


@dataclass(frozen=True)
class SliceFilter:
    """Filters of an assessment slice; None means no filter. Values must be validated against the store."""

    run_id: str | None = None
    anchor: str | None = None
    threshold: int = THRESHOLDS[0]
    country: str | None = None
    field: str | None = None
    level: str | None = None
    block: str | None = None
    prompt_id: str | None = None
    include_rationales: bool = True

    def __post_init__(self) -> None:
        if self.field is not None and self.field not in DEMOGRAPHIC_FIELDS:
            raise ValueError(f"unknown demographic field {self.field!r}")
        if (self.field is None) != (self.level is None):
            raise ValueError("a demographic filter needs both a field and a level")
        if self.block is not None and self.block not in BLOCKS:
            raise ValueError(f"unknown block {self.block!r}")
        if self.anchor is not None and self.run_id is None:
            raise ValueError("a section filter needs the ranker run whose relevance grades define it")
        if self.threshold not in THRESHOLDS:
            raise ValueError(f"threshold must be one of {THRESHOLDS}")

    def sql_params(self) -> dict:
        return {
            "run_id": self.run_id,
            "anchor": self.anchor,
            "threshold": self.threshold,
            "country": self.country,
            "field": self.field,
            "level": self.level,
            "block": self.block,
            "prompt_id": self.prompt_id,
        }

    def described(self) -> dict:
        """The filters for the manifest (only those set, plus the rationale choice)."""
        out = {k: v for k, v in asdict(self).items() if v is not None and k not in ("threshold", "include_rationales")}
        if self.anchor is not None:
            out["threshold"] = self.threshold
        out["include_rationales"] = self.include_rationales
        return out

    def slug(self) -> str:
        """File-name fragment built from the (validated) filter values."""
        parts = [
            self.block,
            self.country,
            self.level and f"{self.field}-{self.level}",
            self.anchor and f"{self.anchor}-t{self.threshold}",
            self.prompt_id,
        ]
        return exports.slug(*[p for p in parts if p]) if any(parts) else "all"


@dataclass
class SliceSummary:
    """How big a slice is, and whether it may be downloaded; a refused slice carries no counts (None)."""

    n_rows: int | None
    n_participants: int | None
    n_prompts: int | None
    refused_reason: str | None = field(default=None)

    @property
    def allowed(self) -> bool:
        return self.refused_reason is None


def summary(cur, f: SliceFilter) -> SliceSummary:
    """Counts of a slice before anything is generated; refuses slices under the participant minimum."""
    row = cur.execute(query("slice_summary"), f.sql_params()).fetchone()
    n_rows, n_part, n_prompts = (int(x) for x in row)
    reason = None
    if n_rows == 0:
        reason = "No assessments match these filters."
    elif privacy.is_suppressed(n_part):
        reason = (
            f"This selection has {privacy.SUPPRESSED_TEXT}, so it is not offered for download. "
            "Widen the filters (fewer conditions) to reach at least "
            f"{privacy.MIN_PARTICIPANTS} participants."
        )
    if n_rows and reason is not None:
        # A refused slice's counts would be its own small-group figures (country + one field = one person's rows).
        return SliceSummary(None, None, None, reason)
    return SliceSummary(n_rows, n_part, n_prompts, reason)


def assessments(cur, f: SliceFilter) -> pd.DataFrame:
    """The public release rows of a slice; raises SliceRefused for slices under the participant minimum."""
    s = summary(cur, f)
    if not s.allowed:
        raise SliceRefused(s.refused_reason)
    df = cur.execute(query("slice_assessments"), f.sql_params()).df()
    return df[slice_columns(f)]


def slice_columns(f: SliceFilter) -> list[str]:
    """Columns of a slice: the other question's columns go with a block filter, rationales when not wanted."""
    drop: set[str] = set()
    if f.block is not None:
        drop |= set(BLOCK_COLUMNS[next(b for b in BLOCKS if b != f.block)])
    if not f.include_rationales:
        drop |= set(RATIONALE_COLUMNS)
    return [c for c in SLICE_COLUMNS if c not in drop]


def valid_levels(cur) -> dict[str, list[str]]:
    """Released levels of each demographic field usable as a slice filter."""
    df = cur.execute(query("slice_levels")).df()
    return {f: sorted(df.loc[df["field"] == f, "level"].dropna().astype(str).unique()) for f in DEMOGRAPHIC_FIELDS}


def prompt_exists(cur, prompt_id: str) -> bool:
    """True when the prompt id is in the store."""
    return cur.execute(query("slice_prompt_ids"), {"prompt_id": prompt_id}).fetchone() is not None


# --- Manifests, names and bundles ----------------------------------------------------------------------------


def manifest(
    *,
    kind: str,
    tier: str,
    filters: dict,
    df: pd.DataFrame,
    source_manifest: dict[str, str],
    file_stem: str,
    extra: dict | None = None,
) -> dict:
    """The manifest of one download: core.exports' provenance plus what this file holds."""
    m = exports.manifest_dict(filters, source_manifest, privacy.rules())
    m.update(
        {
            "table": kind,
            "tier": tier,
            "row_count": len(df),
            "columns": [str(c) for c in df.columns],
            "files": {ext: f"{file_stem}.{ext}" for ext in ("csv", "parquet")},
            "rules_applied": {
                "min_participants": privacy.MIN_PARTICIPANTS,
                "complementary_suppression": privacy.rules()["complementary_suppression"],
                "csv_formula_escaping": exports.ESCAPING_NOTE,
            },
        }
    )
    if "suppressed" in df.columns:
        m["rows_suppressed"] = int(df["suppressed"].sum())
    m.update(extra or {})
    return m


def file_stem(kind: str, view_slug: str) -> str:
    """`ca1_<kind>_<view>` from whitelisted parts (core.exports.download_name checks them)."""
    return exports.download_name(kind, view_slug, "csv")[: -len(".csv")]


def bundle_zip(df: pd.DataFrame, manifest_obj: dict, stem: str, citation: str) -> bytes:
    """A ZIP of the CSV, the Parquet file, manifest.json and a README with the escaping note and citation."""
    synthetic = manifest_obj.get("synthetic") is True
    warning = (
        [
            "SYNTHETIC SAMPLE - NOT REAL DATA. Every value in this bundle was computed from generated data that only "
            "imitates the format of OpenAI's CA-1 release. Do not quote it."
        ]
        if synthetic
        else []
    )
    readme = "\n\n".join(
        [
            *warning,
            f"{stem}: {manifest_obj.get('row_count')} rows ({manifest_obj.get('tier')}).",
            exports.ESCAPING_NOTE,
            (
                f"Values from fewer than {privacy.MIN_PARTICIPANTS} participants are blank and flagged "
                "in the `suppressed` column where the table has one."
            ),
            citation,
        ]
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{stem}.csv", exports.to_csv_bytes(df))
        z.writestr(f"{stem}.parquet", exports.to_parquet_bytes(df))
        z.writestr("manifest.json", exports.to_json_bytes(manifest_obj))
        z.writestr("README.txt", readme + "\n")
    return buf.getvalue()


def view_filters(
    run: str | None,
    block: str | None,
    metric: str | None,
    threshold: int | None,
    field_name: str | None = None,
    prompt_id: str | None = None,
) -> dict:
    """The current view as table filters, checked against the fixed vocabularies."""
    if block is not None and block not in BLOCKS:
        raise ValueError(f"unknown block {block!r}")
    if metric is not None and metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    if field_name is not None and field_name not in GROUP_FIELDS:
        raise ValueError(f"unknown field {field_name!r}")
    return {
        "run": run,
        "block": block,
        "metric": metric,
        "threshold": threshold,
        "field": field_name,
        "prompt_id": prompt_id,
    }
