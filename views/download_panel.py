"""Download panels: a site table in two tiers, or a filtered slice of assessments, each with its manifest."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components import data, inert, labels, state
from components.frame import lazy_expander
from core import config, exports, privacy
from core.reads import prompt_data as rp
from core.reads import slices

HF_URL = f"https://huggingface.co/datasets/{config.HF_REPO}"
EAGER_MAX_ROWS = 5_000  # larger tables are suppressed only when a download is clicked
GENERATED_KEEP = 4
_GENERATED: dict[tuple, pd.DataFrame] = {}
TIERS = {
    "view": ("What you see", "the rows of the current view (ranker run, question, measure, relevance, group)"),
    "full": ("Full data", (f"every row of the table; rows from fewer than {privacy.MIN_PARTICIPANTS} "
                           "participants are blank and flagged `suppressed`")),
}


def citation_text(info: dict[str, str]) -> str:
    """The dataset attribution as one line (for READMEs inside bundles)."""
    revision = info.get("resolved_commit") or info.get("revision") or "unknown revision"
    return (f'Data: OpenAI, "Collective Alignment 1" (openai/collective-alignment-1), Hugging Face, revision '
            f"{revision}, licensed CC BY 4.0. Statistics computed by the Collective Alignment Explorer.")


def _buttons(key: str, kind: str, view_slug: str, make_manifest: Callable[[], dict],
             make_df: Callable[[], pd.DataFrame], citation: str) -> None:
    """CSV, Parquet, manifest and ZIP buttons; files are generated only when clicked (deferred callables)."""
    stem = slices.file_stem(kind, view_slug)
    files = (
        ("csv", "CSV", lambda: exports.to_csv_bytes(make_df())),
        ("parquet", "Parquet", lambda: exports.to_parquet_bytes(make_df())),
        ("json", "Manifest (JSON)", lambda: exports.to_json_bytes(make_manifest())),
        ("zip", "ZIP bundle", lambda: slices.bundle_zip(make_df(), make_manifest(), stem, citation)),
    )
    with st.container(horizontal=True):
        for ext, text, payload in files:
            file_name = exports.download_name(f"{kind}_manifest" if ext == "json" else kind, view_slug, ext)
            st.download_button(text, payload, file_name=file_name, mime=exports.mime(ext), on_click="ignore",
                               icon=":material/download:", key=f"dl:{key}:{ext}")


def _ready(df: pd.DataFrame) -> Callable[[], pd.DataFrame]:
    """A table that is already suppressed (small enough to prepare on every run)."""
    return lambda: df


def _later(con, key: tuple, name: str, filters: dict | None) -> Callable[[], pd.DataFrame]:
    """A large table suppressed on first click (on the download thread), then kept for the other formats."""
    def make() -> pd.DataFrame:
        if key not in _GENERATED:
            while len(_GENERATED) >= GENERATED_KEEP:
                _GENERATED.pop(next(iter(_GENERATED)))
            _GENERATED[key] = slices.table(con.cursor(), name, filters)
        return _GENERATED[key]
    return make


def table_panel(name: str, view: state.View) -> None:
    """One site table: row counts for both tiers, then each tier's downloads and manifest."""
    spec = slices.TABLES[name]
    info = data.source_info()
    st.text(spec.description)
    view_filters = slices.view_filters(view.run, view.block, view.metric, view.threshold,
                                       view.group[0] if view.group else None)
    tier_filters = {"view": view_filters, "full": None}
    slugs = {"view": view.slug(), "full": "full"}
    for tier, (title, meaning) in TIERS.items():
        raw = data.read(slices.raw_table, name, tier_filters[tier])  # counted here, never shown
        filters = {k: v for k, v in view_filters.items() if k in spec.filters} if tier == "view" else {}
        stem = slices.file_stem(name, slugs[tier])
        with st.container(border=True):
            st.markdown(f"**{title}** — {meaning}.")
            if len(raw) <= EAGER_MAX_ROWS:
                df = data.read(slices.table, name, tier_filters[tier])
                hidden = int(df["suppressed"].sum()) if "suppressed" in df.columns else 0
                st.text(f"{len(df):,} rows" + (f", of which {hidden:,} suppressed" if hidden else "") + ".")
                make_df = _ready(df)
            else:
                st.text(f"{len(raw):,} rows (small groups are blanked when the file is generated).")
                chosen = tuple(sorted((tier_filters[tier] or {}).items()))
                key = (data.source_name(), info.get("built_at"), name, chosen)
                make_df = _later(data.connection(), key, name, tier_filters[tier])
            if raw.empty:
                continue

            def make_manifest(make_df=make_df, filters=filters, tier=tier, stem=stem) -> dict:
                return slices.manifest(kind=name, tier=tier, filters=filters, df=make_df(), source_manifest=info,
                                       file_stem=stem)

            _buttons(f"{name}:{tier}", name, slugs[tier], make_manifest, make_df, citation_text(info))
            if box := lazy_expander("Manifest", f"open:manifest:{tier}"):
                preview = slices.manifest(kind=name, tier=tier, filters=filters, source_manifest=info, file_stem=stem,
                                          df=pd.DataFrame(columns=slices.output_columns(name, list(raw.columns))),
                                          extra={"row_count": len(raw)})
                box.code(exports.to_json_bytes(preview).decode("utf-8"), language="json", wrap_lines=True)


def slice_panel(view: state.View) -> None:
    """Choose a slice of assessments; see its size; download it when it has enough participants."""
    st.text("Rows of the public release (one per assessment, with the participant's demographic answers), "
            "filtered as you choose. Rows are downloaded exactly as released (CSV text escaped as noted below).")
    levels = data.read(_levels)
    countries = data.read(rp.country_choices, 1)["country"].tolist()
    cols = st.columns(3)
    with cols[0]:
        block = st.selectbox("Question", [None, "world", "personal"], key="slice:block",
                             format_func=lambda b: "Both" if b is None else state.LABELS["block"][b])
        country = st.selectbox("Country", [None, *countries], key="slice:country",
                               format_func=lambda c: "All countries" if c is None
                               else f"{labels.country_name(c)} ({c})")
    with cols[1]:
        field = st.selectbox("Demographic field", [None, *config.DEMOGRAPHIC_FIELDS], key="slice:field",
                             format_func=lambda f: "None" if f is None else labels.FIELDS.get(f, f))
        level = None
        if field:
            level = st.selectbox("Group", levels.get(field, []), key=f"slice:level:{field}")
    with cols[2]:
        anchor = None
        if view.run:
            sections = data.read(rp.section_choices, view.run, view.threshold)
            titles = dict(zip(sections["anchor"], sections["title"], strict=True))
            anchor = st.selectbox(f"Spec section (relevance ≥ {view.threshold}, run {inert.label(view.run)})",
                                  [None, *sections["anchor"]], key="slice:anchor",
                                  format_func=lambda a: "All sections" if a is None else titles.get(a, a))
        typed = st.text_input("Prompt id", key="slice:prompt", max_chars=state.MAX_VALUE_CHARS,
                              placeholder="e.g. copied from a prompt page")
    prompt_id = (typed or "").strip() or None
    if prompt_id is not None and data.read(rp.prompt_header, prompt_id).empty:
        st.warning("No prompt with that id in this store; the prompt filter is ignored.", icon=":material/help:")
        prompt_id = None
    include = st.checkbox("Include free-text rationales", value=True, key="slice:rationales")
    chosen = slices.SliceFilter(run_id=view.run if anchor else None, anchor=anchor, threshold=view.threshold,
                                country=country, field=field if level else None, level=level, block=block,
                                prompt_id=prompt_id, include_rationales=include)
    summary = data.read(_summary, chosen)
    if summary.allowed:
        st.text(f"{summary.n_rows:,} assessments by {privacy.n_label(summary.n_participants)} "
                f"on {summary.n_prompts:,} prompts.")
    else:  # no counts: a refused slice's row count would itself reveal the small group's answers

        st.warning(summary.refused_reason, icon=":material/block:")
        return
    info = data.source_info()
    stem = slices.file_stem("assessments", chosen.slug())
    manifest = slices.manifest(kind="assessments", tier="slice", filters=chosen.described(),
                               df=pd.DataFrame(columns=slices.slice_columns(chosen)), source_manifest=info,
                               file_stem=stem, extra={"row_count": summary.n_rows,
                                                      "n_participants": summary.n_participants,
                                                      "n_prompts": summary.n_prompts})
    con = data.connection()
    _buttons("slice", "assessments", chosen.slug(), lambda: manifest,
             lambda: slices.assessments(con.cursor(), chosen), citation_text(info))
    if box := lazy_expander("Manifest", "open:manifest:slice"):
        box.code(exports.to_json_bytes(manifest).decode("utf-8"), language="json", wrap_lines=True)


def _levels(cur) -> dict[str, list[str]]:
    return slices.valid_levels(cur)


def _summary(cur, chosen: slices.SliceFilter) -> slices.SliceSummary:
    return slices.summary(cur, chosen)



def citation_block(info: dict[str, str], page_link: str, today: str) -> None:
    """The dataset's CC BY 4.0 attribution and how to cite the site, as copyable text and BibTeX."""
    revision = info.get("revision") or "unknown"
    commit = info.get("resolved_commit") or revision
    year = today[:4]
    st.markdown("**The dataset** (CC BY 4.0: reuse it freely, with attribution)")
    st.code(f'OpenAI. "Collective Alignment 1" (openai/collective-alignment-1). Hugging Face dataset, revision '
            f"{commit}. Licensed CC BY 4.0. {HF_URL}",
            language=None, wrap_lines=True)
    st.markdown("**This site** (plain text and BibTeX)")
    st.code(f"Collective Alignment Explorer, computed from OpenAI's collective-alignment-1 dataset (revision "
            f"{commit}, CC BY 4.0). {page_link} (accessed {today}).", language=None, wrap_lines=True)
    st.code(
        "@misc{ca_explorer_" + year + ",\n"
        "  title        = {Collective Alignment Explorer},\n"
        f"  howpublished = {{\\url{{{page_link}}}}},\n"
        f"  note         = {{Computed from OpenAI's collective-alignment-1 dataset, revision {commit}, CC BY 4.0. "
        f"Accessed {today}}},\n"
        f"  year         = {{{year}}}\n"
        "}\n"
        "@misc{openai_ca1,\n"
        "  author       = {{OpenAI}},\n"
        "  title        = {Collective Alignment 1 (collective-alignment-1)},\n"
        f"  howpublished = {{Hugging Face dataset, \\url{{{HF_URL}}}}},\n"
        f"  note         = {{Revision {commit}. CC BY 4.0}}\n"
        "}", language="bibtex")
    if data.is_synthetic(info):
        st.warning("This store holds the synthetic sample, not the real release: do not cite its numbers.",
                   icon=":material/science:")
