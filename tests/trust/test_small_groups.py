"""Small groups: no value from fewer than 10 participants anywhere, under many filters, checked against counts
computed here from the raw assessments (independent of core/privacy.py), and no recovery by subtraction."""
from __future__ import annotations

import io
import itertools
import json
import re

import duckdb
import pandas as pd
import pytest

from components import nav
from core.reads import slices
from tests import markdown_tables
from tests.trust.support import count, exceptions_of, site_on, texts_of

MIN = 10
FIELDS = ("country", "age", "gender", "education_level", "generative_ai_usage", "ai_concern_level")
BLOCKS, METRICS, THRESHOLDS = ("world", "personal"), ("pairwise", "top"), (5, 4, 3)
CROWD_DOWNLOADS = ("ca1_crowd_", "ca1_prompt_crowd", "ca1_prompt_country_vs_rest", "ca1_ranker_and_crowd")
N_TEXT = re.compile(r"(\d[\d,]*) (participants|asked)")


def _strict_pairs(ranking: str) -> bool:
    """True when a ranking orders at least one pair strictly (written here, not with core.rankings)."""
    return ranking is not None and ">" in ranking


class Truth:
    """Participant counts of any cell, straight from the store's raw assessments and annotators tables."""

    def __init__(self, con) -> None:
        self.a = con.execute(
            "SELECT a.assessment_id, a.prompt_id, a.annotator_id, a.world_ranking, a.personal_ranking, a.world_top, "
            "a.personal_top, a.unacceptable_asked, n.country, n.age, n.gender, n.education_level, "
            "n.generative_ai_usage, n.ai_concern_level FROM assessments a LEFT JOIN annotators n USING (annotator_id)"
        ).df()
        self.people = con.execute(f"SELECT annotator_id, {', '.join(FIELDS)} FROM annotators").df()
        self.grades = con.execute("SELECT run_id, prompt_id, anchor, grade FROM section_relevance").df()
        self.ranked = con.execute("SELECT run_id, prompt_id FROM ranker_rankings WHERE ranking IS NOT NULL").df()
        self.runs = sorted(self.ranked["run_id"].unique())
        self._cache: dict = {}

    def _base(self, run, block, metric, need_top, asked) -> pd.DataFrame:
        key = ("base", run, block, metric, need_top, asked)
        if key not in self._cache:
            a = self.a
            ranking, top = f"{block or 'world'}_ranking", f"{block or 'world'}_top"
            if block is not None:
                a = a[a[ranking].notna()]
            if run is not None:
                a = a[a["prompt_id"].isin(self.ranked.loc[self.ranked["run_id"] == run, "prompt_id"])]
            if metric == "pairwise":
                a = a[a[ranking].map(_strict_pairs)]
            elif metric == "top" or need_top:
                a = a[a[top].notna()]
            if asked:
                a = a[a["unacceptable_asked"]]
            self._cache[key] = a
        return self._cache[key]

    def _counts(self, base_key: tuple, scope: tuple, by: tuple[str, ...]) -> pd.Series | int:
        """Distinct participants of the base frame within a section scope, grouped by `by` (cached)."""
        key = ("counts", base_key, scope, by)
        if key not in self._cache:
            a = self._base(*base_key)
            if scope:
                run, anchor, threshold = scope
                g = self.grades
                keep = g[(g["run_id"] == run) & (g["anchor"] == anchor) & (g["grade"] >= int(threshold))]
                a = a[a["prompt_id"].isin(keep["prompt_id"])]
            self._cache[key] = (a.groupby(list(by))["annotator_id"].nunique() if by
                                else int(a["annotator_id"].nunique()))
        return self._cache[key]

    def n(self, *, run=None, block=None, metric=None, threshold=None, anchor=None, field=None, level=None,
          prompt_id=None, country=None, need_top=False, asked=False) -> int:
        """Distinct participants behind one cell (assessments filtered by every condition given)."""
        base_key = (run, block, metric, need_top, asked)
        scope = (run, anchor, threshold) if anchor is not None else ()
        by, at = [], []
        for col, value in (("prompt_id", prompt_id), ("country", country), (field, level)):
            if col is not None and value is not None:
                by.append(col)
                at.append(value)
        counts = self._counts(base_key, scope, tuple(by))
        if not by:
            return counts
        return int(counts.get(tuple(at) if len(at) > 1 else at[0], 0))

    def level_size(self, field: str, level: str) -> int:
        return int((self.people[field] == level).sum())


@pytest.fixture(scope="module")
def db(small_store):
    con = duckdb.connect(str(small_store.db_path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def truth(db) -> Truth:
    return Truth(db)


def _shown(df: pd.DataFrame) -> pd.DataFrame:
    return df[~df["suppressed"].astype(bool)] if "suppressed" in df.columns else df


def _none(value):
    return None if value is None or (isinstance(value, float) and value != value) else value


def _row_truth(t: Truth, row: dict, ctx: dict) -> int:
    """The participant count behind one row of a site table, from its key columns and the view it came from."""
    def get(k):
        return row.get(k, ctx.get(k))
    kind = ctx["kind"]
    if kind == "demographic_counts" or kind.startswith("participants_by_"):
        field = row.get("field") or kind.removeprefix("participants_by_")
        return t.level_size(field, row.get("level", row.get("name")))
    common = {"block": get("block"), "prompt_id": get("prompt_id")}
    if kind in ("prompt_first_choice",):
        return t.n(**common, need_top=True)
    if kind == "prompt_country_first_choice":
        return t.n(**common, country=row["country"], need_top=True)
    if kind in ("prompt_rank_distribution", "prompt_stats", "prompt_list", "country_divergence", "prompt_ranker",
                "prompt_importance", "prompt_subjectivity", "section_prompts"):
        return t.n(**common)
    if kind == "prompt_flags":
        return t.n(prompt_id=get("prompt_id"), asked=True)
    # Agreement tables: run, block, metric, and optionally section and group.
    # agreement_without_anchor holds overall and group rows with NULL anchor/level; its counts leave the anchor prompt
    # out, so the full count checked here is an upper bound (tests/test_two_way.py checks them exactly).
    field = _none(row.get("field", ctx.get("field")))
    level = _none(row.get("level", ctx.get("level")))
    anchor = _none(row.get("anchor", ctx.get("anchor")))
    return t.n(run=get("run_id") or ctx.get("run"), block=get("block"), metric=get("metric"),
               threshold=get("threshold") if anchor else None, anchor=anchor,
               field=field if level is not None else None, level=level)


def check_frame(t: Truth, df: pd.DataFrame, ctx: dict, where: str) -> tuple[int, list[str]]:
    """Every shown row must come from at least MIN participants; returns (rows checked, violations)."""
    bad = []
    rows = _shown(df).to_dict("records")
    for row in rows:
        n = _row_truth(t, row, ctx)
        if n < MIN:
            keys = {k: row[k] for k in ("anchor", "field", "level", "name", "country", "prompt_id", "letter")
                    if k in row}
            bad.append(f"{where}: {keys} shown from {n} participants")
    return len(rows), bad


def check_partition(t: Truth, cells: list[tuple[int, bool]], total_shown: bool, where: str) -> list[str]:
    """Try to recover hidden cells by subtracting the shown ones from the shown total."""
    hidden = [n for n, suppressed in cells if suppressed]
    if not total_shown or not hidden:
        return []
    recovered = sum(hidden)  # = total - sum(shown): exactly what a reader can compute
    if len(hidden) == 1 and hidden[0] < MIN:
        return [f"{where}: one hidden cell of {hidden[0]} participants = total minus the shown cells"]
    if recovered < MIN:
        return [f"{where}: hidden cells together hold {recovered} participants, recoverable by subtraction"]
    return []


# ---------------------------------------------------------------- the data functions, every combination


def test_every_table_under_every_filter_combination(db, truth):
    """slices.table (the downloads page's function) for every run, block, metric, threshold and field."""
    views = [None] + [
        slices.view_filters(run, block, metric, threshold, field)
        for run, block, metric, threshold, field in itertools.product(truth.runs, BLOCKS, METRICS, THRESHOLDS,
                                                                      (None, *FIELDS))
    ]
    problems, rows, combos = [], 0, 0
    for name, spec in slices.TABLES.items():
        if not spec.n_cols:
            continue
        seen = set()
        for view in views:
            params = tuple(sorted((k, (view or {}).get(k)) for k in spec.filters))
            if params in seen:
                continue
            seen.add(params)
            df = slices.table(db.cursor(), name, view)
            ctx = {"kind": name, **{k: v for k, v in (view or {}).items() if v is not None}}
            n, bad = check_frame(truth, df, ctx, f"table {name} {dict(params)}")
            rows, combos, problems = rows + n, combos + 1, problems + bad
    count("small_groups_table_filter_combinations", combos)
    count("small_groups_table_rows_checked", rows)
    assert not problems, problems[:15]


def test_complementary_suppression_cannot_be_undone_by_subtraction(db, truth):
    problems, partitions = [], 0
    counts = slices.table(db.cursor(), "demographic_counts")
    for field, part in counts.groupby("field"):
        cells = [(truth.level_size(field, lv), s) for lv, s in zip(part["level"], part["suppressed"])]
        problems += check_partition(truth, cells, True, f"participants by {field}")
        partitions += 1
    overall = slices.table(db.cursor(), "agreement_overall")
    groups = slices.table(db.cursor(), "agreement_group")
    for (run, block, metric, field), part in groups.groupby(["run_id", "block", "metric", "field"]):
        total = overall[(overall["run_id"] == run) & (overall["block"] == block) & (overall["metric"] == metric)]
        cells = [(truth.n(run=run, block=block, metric=metric, field=field, level=lv), s)
                 for lv, s in zip(part["level"], part["suppressed"])]
        problems += check_partition(truth, cells, not total["suppressed"].all(), f"{run} {block} {metric} {field}")
        partitions += 1
    sections = slices.table(db.cursor(), "agreement_section")
    shown_sections = {tuple(r) for r in _shown(sections)[["run_id", "block", "metric", "threshold", "anchor"]]
                      .itertuples(index=False)}
    by_section = slices.table(db.cursor(), "agreement_section_group")
    for key, part in by_section.groupby(["run_id", "block", "metric", "threshold", "anchor", "field"]):
        run, block, metric, threshold, anchor, field = key
        cells = [(truth.n(run=run, block=block, metric=metric, threshold=threshold, anchor=anchor, field=field,
                          level=lv), s) for lv, s in zip(part["level"], part["suppressed"])]
        problems += check_partition(truth, cells, key[:5] in shown_sections, f"section {key}")
        partitions += 1
    first = slices.table(db.cursor(), "prompt_first_choice")
    shown_first = {tuple(r) for r in _shown(first)[["prompt_id", "block", "letter"]].itertuples(index=False)}
    by_country = slices.table(db.cursor(), "prompt_country_first_choice")
    for (prompt_id, block, letter), part in by_country.groupby(["prompt_id", "block", "letter"]):
        cells = [(truth.n(prompt_id=prompt_id, block=block, country=c, need_top=True), s)
                 for c, s in zip(part["country"], part["suppressed"])]
        problems += check_partition(truth, cells, (prompt_id, block, letter) in shown_first,
                                    f"prompt {prompt_id[:8]} {block} {letter} by country")
        partitions += 1
    count("small_groups_partitions_tried_by_subtraction", partitions)
    assert not problems, problems[:15]


def test_slices_of_assessments_under_the_minimum_are_refused(db, truth):
    """The slice download's own gate, for every country, every demographic level and prompts near the minimum."""
    levels = slices.valid_levels(db.cursor())
    countries = sorted(truth.people["country"].dropna().unique())
    near = truth.a.groupby("prompt_id")["annotator_id"].nunique()
    prompts = list(near[(near >= 6) & (near <= 12)].index[:30])
    filters = [slices.SliceFilter(country=c) for c in countries]
    filters += [slices.SliceFilter(field=f, level=lv) for f, lvs in levels.items() for lv in lvs]
    filters += [slices.SliceFilter(prompt_id=p, block=b) for p in prompts for b in BLOCKS]
    filters += [slices.SliceFilter(country=c, field="gender", level="Female") for c in countries[:6]]
    problems = []
    for f in filters:
        s = slices.summary(db.cursor(), f)
        a = truth.a
        if f.country:
            a = a[a["country"] == f.country]
        if f.field:
            a = a[a[f.field] == f.level]
        if f.prompt_id:
            a = a[a["prompt_id"] == f.prompt_id]
        if f.block == "personal":
            a = a[a["personal_ranking"].notna()]
        n = a["annotator_id"].nunique()
        if s.allowed and n < MIN:
            problems.append(f"slice {f.described()} offered with {n} participants")
        if s.allowed:
            df = slices.assessments(db.cursor(), f)
            if df["annotator_id"].nunique() < MIN:
                problems.append(f"slice {f.described()} file holds {df['annotator_id'].nunique()} participants")
        else:
            with pytest.raises(slices.SliceRefused):
                slices.assessments(db.cursor(), f)
    count("small_groups_slice_filters_tried", len(filters))
    assert not problems, problems[:15]


def test_the_checks_catch_a_weakened_rule(db, truth, monkeypatch):
    """With the minimum lowered to 3 in core.privacy, the same checks must report violations."""
    from core import privacy

    monkeypatch.setattr(privacy, "MIN_PARTICIPANTS", 3)
    view = slices.view_filters(truth.runs[0], "world", "pairwise", 5, "country")
    _, bad = check_frame(truth, slices.table(db.cursor(), "agreement_group", view), {"kind": "agreement_group"},
                         "weakened")
    assert bad
    counts = slices.table(db.cursor(), "demographic_counts")
    part = counts[counts["field"] == "gender"]
    cells = [(truth.level_size("gender", lv), s) for lv, s in zip(part["level"], part["suppressed"])]
    assert check_partition(truth, cells, True, "weakened") or not any(part["suppressed"])


# ---------------------------------------------------------------- the pages, through AppTest


def _page_views(truth: Truth, db) -> list[tuple[str, dict, dict]]:
    """(page, query, context) for the walk: every page under many filters, each country and level, prompts."""
    run = truth.runs[0]
    groups = [f"{f}:{lv}" for f in FIELDS for lv in sorted(truth.people[f].dropna().unique())]
    sections = db.execute("SELECT anchor FROM agreement_section WHERE run_id = ? AND block = 'world' AND "
                          "metric = 'pairwise' AND threshold = 5 ORDER BY n_participants LIMIT 6", [run]).df()
    near = truth.a.groupby("prompt_id")["annotator_id"].nunique()
    prompts = [p for n in (7, 8, 10, 11) for p in list(near[near == n].index[:2])]
    # Prompts where some country sits right at the minimum: the country split is on the edge there.
    per_country = truth.a.groupby(["prompt_id", "country"])["annotator_id"].nunique()
    edge = per_country[(per_country >= 9) & (per_country <= 11)].reset_index()["prompt_id"].unique()
    prompts += [p for p in edge if p not in prompts][:6]
    # ...and where a country has 10+ participants but fewer than 10 with a single first choice.
    tops = truth.a[truth.a["world_top"].notna()].groupby(["prompt_id", "country"])["annotator_id"].nunique()
    gap = ((per_country >= MIN) & (tops.reindex(per_country.index, fill_value=0) < MIN))
    prompts += [p for p in gap[gap].reset_index()["prompt_id"].unique() if p not in prompts][:3]
    views = []
    for block, metric in itertools.product(BLOCKS, METRICS):
        views.append((nav.by_url_path("").path, {"block": block, "metric": metric}, {}))
        views.append((nav.by_url_path("sections").path, {"block": block, "metric": metric, "threshold": "3"}, {}))
        views.append((nav.by_url_path("people").path, {"block": block, "metric": metric}, {}))
    views += [(nav.by_url_path("").path, {"group": g}, {}) for g in groups]
    views += [(nav.by_url_path("sections").path, {"group": g, "threshold": t}, {}) for g in groups[:: 3] for t in ("5", "3")]
    views += [(nav.by_url_path("sections").path, {"section": a, "threshold": "5"}, {"anchor": a}) for a in sections["anchor"]]
    views += [(nav.by_url_path("people").path, {"field": f}, {}) for f in FIELDS]
    views += [(nav.by_url_path("people").path, {"breakdown": f}, {}) for f in FIELDS if f != "country"]
    views += [(nav.by_url_path("people").path, {"country": c}, {}) for c in ("USA", "MEX", "NLD", "GBR", "IND", "GRC")]
    views += [(nav.by_url_path("prompts").path, {"country": c}, {}) for c in ("USA", "MEX", "ZAF")]
    views += [(nav.by_url_path("prompts").path, {"prompt": p, "block": b}, {}) for p in prompts for b in BLOCKS]
    views += [(nav.by_url_path("downloads").path, {"table": name, "group": g}, {})
              for name in ("agreement_group", "agreement_section_group", "demographic_counts")
              for g in ("gender:Prefer not to say", "country:GRC")]
    views += [(nav.by_url_path("methodology").path, {}, {}), (nav.by_url_path("changelog").path, {}, {})]
    return views


def _download_frames(runner) -> list[tuple[str, pd.DataFrame, dict]]:
    """(file name, Parquet frame, manifest filters) of every Parquet download drawn in the last run."""
    out, manifests = [], {}
    for d in runner.downloads:
        if d.file_name.endswith(".json"):
            manifests[d.file_name.replace("_manifest_", "_", 1)[: -len(".json")]] = json.loads(d.data())
    for d in runner.downloads:
        if d.file_name.endswith(".parquet"):
            stem = d.file_name[: -len(".parquet")]
            out.append((d.file_name, pd.read_parquet(io.BytesIO(d.data())), manifests.get(stem, {})))
    return out


def _ctx_for(file_name: str, query: dict, extra: dict, manifest: dict, run: str) -> dict:
    kind = file_name.split("_", 1)[1]
    for known in sorted([*list(slices.TABLES), "sections", "section_countries", "agreement_by", "participants_by", "country_divergence", "prompt_list", "prompt_importance", "prompt_subjectivity"], key=len, reverse=True):
        if kind.startswith(known):
            kind = known
            break
    filters = {**(manifest.get("filters") or {}), **{k: v for k, v in query.items() if k in ("block", "metric")}}
    ctx = {"kind": kind, "run": filters.get("run") or run, "block": filters.get("block", "world"),
           "metric": filters.get("metric", "pairwise"), "threshold": int(filters.get("threshold") or 5),
           "prompt_id": filters.get("prompt_id") or query.get("prompt"), **extra}
    group = filters.get("group")
    if kind == "sections" and group:
        ctx["field"], ctx["level"] = group if isinstance(group, list | tuple) else str(group).split(":", 1)
    if kind == "agreement_by":
        ctx["kind"] = "agreement_by_field"
        ctx["field"] = file_name.split("agreement_by_", 1)[1].split("_synthetic", 1)[0]
    if kind == "section_countries":
        ctx["field"] = "country"
    if kind == "participants_by":
        ctx["kind"] = "participants_by_" + file_name.split("participants_by_", 1)[1].rsplit("_", 1)[0]
    return ctx


def test_every_page_and_download_under_many_filters(small_store, site_runner, truth, db):
    views = _page_views(truth, db)
    run = truth.runs[0]
    problems, frames, rows, texts_checked = [], 0, 0, 0
    with site_on(small_store):
        for page, query, extra in views:
            site_runner.downloads.clear()
            at = site_runner.open(page, query, expand=True)
            where = f"{page} {query}"
            problems += [f"{where}: {e[:200]}" for e in exceptions_of(at)]
            for text in texts_of(at):
                for number, what in N_TEXT.findall(text):
                    texts_checked += 1
                    if int(number.replace(",", "")) < MIN and "fewer than" not in text[:text.find(number)][-15:]:
                        problems.append(f"{where}: text shows {number} {what}: {text[:120]!r}")
            # Interactive, static and Markdown tables alike.
            for df in [*(t.value for t in [*at.dataframe, *at.table]), *markdown_tables.tables_of(at)]:
                if "n_participants" in df.columns:
                    n = pd.to_numeric(df["n_participants"], errors="coerce").dropna()
                    if (n < MIN).any():
                        problems.append(f"{where}: a table shows n_participants {sorted(n[n < MIN])[:5]}")
                frames += 1
            for name, df, manifest in _download_frames(site_runner):
                if name.startswith(("ca1_build_", "ca1_assessments_")):
                    continue
                if name.startswith(CROWD_DOWNLOADS):  # counts of crowd measures: checked in tests/test_crowd.py
                    continue
                ctx = _ctx_for(name, query, extra, manifest, run)
                if ctx["kind"] == "sections" and "anchor" in extra and "anchor" not in df.columns:
                    continue
                if ctx["kind"] == "section_countries":
                    ctx["anchor"] = extra.get("anchor") or query.get("section")
                    df = df.assign(field="country")
                if ctx["kind"] == "agreement_by_field":
                    df = df.assign(field=ctx["field"])
                n, bad = check_frame(truth, df, ctx, f"{where} download {name}")
                rows, frames, problems = rows + n, frames + 1, problems + bad
    count("small_groups_page_views_walked", len(views))
    count("small_groups_frames_checked_on_pages", frames)
    count("small_groups_download_rows_checked_on_pages", rows)
    count("small_groups_texts_with_counts_checked", texts_checked)
    assert not problems, problems[:15]
