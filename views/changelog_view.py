"""Changelog widgets: the status summary, one entry (badges, word diff, rationale, evidence) and its data."""
from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import pandas as pd
import streamlit as st

from components import data, labels, later
from components.frame import lazy_expander, md_escape
from core import config, privacy
from core.changelog import entries as changelog
from core.changelog.entries import Changelog, ChangelogError, Entry, Quotation
from core.changelog.textdiff import Segment, word_diff
from core.reads import changelog_evidence
from views import rubric_view

STATUS_COLOURS = {"adopted": "green", "deferred": "orange", "set aside": "gray"}
STATUS_ICONS = {"adopted": ":material/check_circle:", "deferred": ":material/schedule:",
                "set aside": ":material/block:"}
STATUS_HELP = {
    "adopted": "The change is in a released version of the Model Spec.",
    "deferred": "Not adopted for now; the direction may be taken up later.",
    "set aside": "Not adopted, for reasons of principle or risk.",
}
EVIDENCE_COLOURS = {"confirmed": "blue", "inferred": "violet"}
TOP_PROMPTS = 5
PROMPT_TEXT_CHARS = 160

# Insertions are underlined and deletions struck through, so the diff does not rely on colour alone;
# the two colours (Okabe–Ito blue and vermilion) stay distinct for colour-blind readers.
DIFF_STYLE = (
    "<style>"
    ".cl-diff{line-height:1.7;white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 .5rem 0}"
    ".cl-diff ins{background:#d6eaf8;color:#00406b;text-decoration:underline;text-decoration-thickness:2px}"
    ".cl-diff del{background:#fbe0d3;color:#7a2e00;text-decoration:line-through}"
    "</style>"
)


@dataclass(frozen=True)
class Evidence:
    """The store's evidence for the changelog's sections, already through core.privacy (None: no ranker run)."""

    run: str | None
    agreement: pd.DataFrame | None = None
    countries: pd.DataFrame | None = None
    prompts: pd.DataFrame | None = None
    # The three frames split by section once, so each entry does not filter them again on every run.
    by_anchor: dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)
    threshold: int = config.THRESHOLDS[0]  # the relevance level the evidence (and the rubric view) uses

    def section(self, anchor: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(agreement row, country rows, prompt rows) of one section; empty frames when it has none."""
        if anchor in self.by_anchor:
            return self.by_anchor[anchor]
        return tuple(df.iloc[0:0] for df in (self.agreement, self.countries, self.prompts))


def _split(frames: tuple[pd.DataFrame, ...]) -> dict[str, tuple[pd.DataFrame, ...]]:
    parts = [{a: g.reset_index(drop=True) for a, g in df.groupby("anchor", sort=False)} for df in frames]
    anchors = {a for part in parts for a in part}
    return {a: tuple(part.get(a, df.iloc[0:0]) for part, df in zip(parts, frames, strict=True)) for a in anchors}


def diff_html(segments: list[Segment]) -> str:
    """The diff as HTML built only from escaped text: <ins>/<del> marks and nothing from the wording itself."""
    parts = []
    for op, text in segments:
        safe = html.escape(text, quote=True)
        if op == "insert":
            parts.append(f'<ins title="added">{safe}</ins>')
        elif op == "delete":
            parts.append(f'<del title="removed">{safe}</del>')
        else:
            parts.append(safe)
    return f'{DIFF_STYLE}<p class="cl-diff">{"".join(parts)}</p>'


def wording_segments(entry: Entry, titles: dict[str, str] | None = None) -> list[Segment]:
    """The entry's wording as diff segments: the change for an adopted entry, the unchanged rule otherwise."""
    before = changelog.readable(entry.before, titles)
    if entry.after is None:
        return [("equal", before)]
    return word_diff(before, changelog.readable(entry.after, titles))


def shown_agreement(df: pd.DataFrame) -> pd.DataFrame:
    """Section agreement rows with the small-group rule applied (rows are not parts of one total)."""
    return privacy.rule_of(changelog_evidence.section_agreement).apply(df)


def shown_countries(df: pd.DataFrame) -> pd.DataFrame:
    """Country rows with the small-group rule applied; each section's countries split one total."""
    return privacy.rule_of(changelog_evidence.section_country).apply(df)


def shown_prompts(df: pd.DataFrame, limit: int = TOP_PROMPTS) -> pd.DataFrame:
    """The most contested prompts per section among those with enough participants to show."""
    applied = privacy.rule_of(changelog_evidence.section_prompts).apply(df)
    visible = applied[~applied["suppressed"]]
    return visible.groupby("anchor", sort=False, group_keys=False).head(limit).reset_index(drop=True)


def summary(log: Changelog) -> None:
    """How many changes in each status, split by evidence level."""
    counts = log.status_counts()
    columns = st.columns(len(counts))
    for column, (status, by_evidence) in zip(columns, counts.items(), strict=True):
        total = sum(by_evidence.values())
        parts = [f"{by_evidence[level]} {level}" for level in ("confirmed", "inferred") if by_evidence[level]]
        column.metric(status.capitalize(), total, help=STATUS_HELP[status], border=True,
                      delta=", ".join(parts) or "none", delta_color="off", delta_arrow="off")


@st.fragment
def entries_view(entries: list[Entry], evidence: Evidence, titles: dict[str, str],
                 prompt_link: Callable[[str], str]) -> None:
    """The selected entries, drawn once the first screen is up (components.later): a fragment, so drawing them
    reruns only this part of the page."""
    if entries and later.shown("changelog:entries", f"Show the {len(entries)} changes"):
        for entry in entries:
            entry_view(entry, evidence, titles, prompt_link)


def entry_view(entry: Entry, evidence: Evidence, titles: dict[str, str],
               prompt_link: Callable[[str], str]) -> None:
    """One changelog entry, everything rendered from escaped or plain text."""
    with st.container(border=True):
        title = md_escape(entry.title)
        if entry.title_source == "project":
            title += " *(this project's description)*"
        st.markdown(f"### {title}")
        with st.container(horizontal=True):
            st.badge(entry.status.capitalize(), icon=STATUS_ICONS[entry.status],
                     color=STATUS_COLOURS[entry.status], help=STATUS_HELP[entry.status])
            st.badge(entry.evidence_label, color=EVIDENCE_COLOURS[entry.evidence])
            st.badge(f"Category: {entry.category}", color="gray")
        text = Paragraphs()
        text.add(small(_meta_line(entry, titles)))
        _wording(entry, titles, text)
        text.add(*_rationale(entry), *_evidence_level(entry))
        _data_evidence(entry, evidence, titles, prompt_link, text)
        text.add("**Sources:** " + " · ".join(f"[{md_escape(s.title)}]({_safe_url(s.url)})" for s in entry.sources))
        text.flush()


class Paragraphs:
    """Markdown paragraphs held back and sent as one st.markdown when a widget comes next or the entry ends.

    Each element costs the browser's main thread on a first visit (250 one-paragraph elements: +305 ms, the same
    text in one element: +144 ms), and an entry is mostly short static text between a few widgets.
    """

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def add(self, *blocks: str) -> None:
        self.blocks += [b for b in blocks if b]

    def flush(self) -> None:
        """Send the held paragraphs (call before drawing any widget, so the page keeps its order)."""
        if self.blocks:
            st.markdown("\n\n".join(self.blocks))
        self.blocks = []


def small(text: str) -> str:
    """Already-escaped Markdown as small grey text, as st.caption draws it, inside a larger Markdown element."""
    # A directive cannot span a blank line, so each paragraph gets its own.
    return "\n\n".join(f":small[:gray[{part}]]" for part in text.split("\n\n") if part.strip())


def _meta_line(entry: Entry, titles: dict[str, str]) -> str:
    version = entry.spec_version_before
    sections = ", ".join(
        f"[{md_escape(titles.get(a, a))}]({_safe_url(config.SPEC_PAGE_URL.format(version=version, anchor=a))})"
        for a in entry.sections
    )
    versions = (f"spec {entry.spec_version_before} → {entry.spec_version_after}" if entry.spec_version_after
                else f"rule as of spec {entry.spec_version_before}")
    return f"{md_escape(entry.id)} · {entry.date} · {versions} · section: {sections}"


def _wording(entry: Entry, titles: dict[str, str], text: Paragraphs) -> None:
    if entry.after is None:
        text.add(f"**No change was made.** The rule that stayed in force (spec {entry.spec_version_before}):")
    else:
        text.add(f"**What changed** between spec {entry.spec_version_before} and {entry.spec_version_after} "
                 "(added words underlined, removed words struck through):")
    text.flush()
    st.html(diff_html(wording_segments(entry, titles)))
    if entry.after is not None and (box := lazy_expander("Before and after as plain text", f"open:plain:{entry.id}")):
        box.caption(f"Before ({entry.spec_version_before})")
        box.text(changelog.readable(entry.before, titles))
        box.caption(f"After ({entry.spec_version_after})")
        box.text(changelog.readable(entry.after, titles))
    if entry.examples_added:
        text.add(small("Examples added to the section in the same release: "
                       + "; ".join(f"“{md_escape(t)}”" for t in entry.examples_added)))


def quotation_markdown(quotation: Quotation, lead: str | None = None) -> str:
    """An attributed quotation as Markdown: the words as a quote, then who said it, when, and a link to the source."""
    source = f"[source]({_safe_url(quotation.source_url)})"
    # The blank line after the quote ends it, so the attribution is not drawn inside the quote.
    return "\n\n".join([
        *([md_escape(lead) + ":"] if lead else []),
        f"> “{md_escape(' '.join(quotation.quote.split()))}”",
        small(f"— {md_escape(quotation.attribution)}, {quotation.date} · {source}"),
    ])


def blockquote(quotation: Quotation, lead: str | None = None) -> None:
    """An attributed quotation in one Markdown element (see quotation_markdown)."""
    st.markdown(quotation_markdown(quotation, lead))


def _rationale(entry: Entry) -> list[str]:
    if entry.rationale is None:
        out = ["**Stated rationale:** none published. OpenAI's post does not tie this edit to the study, "
               "so there is no reason in its words to quote."]
    else:
        out = ["**Stated rationale**", quotation_markdown(entry.rationale, lead=entry.rationale.context)]
    if entry.status_note:
        out.append(small(f"Why “{entry.status}”: {md_escape(entry.status_note)} (this project's reading)"))
    return out


def _evidence_level(entry: Entry) -> list[str]:
    text = f"**Evidence:** {md_escape(entry.evidence_label)}."
    if entry.confidence:
        text += (f" This project's confidence that the edit came from the collective-alignment study: "
                 f"**{entry.confidence}**.")
    return [text, small(f"This project's note: {md_escape(entry.notes)}") if entry.notes else ""]


def _data_evidence(entry: Entry, evidence: Evidence, titles: dict[str, str],
                   prompt_link: Callable[[str], str], text: Paragraphs) -> None:
    text.add("**What this data shows**")
    if evidence.run is None:
        text.add(small("This data store has no Model Spec Ranker run, so there is no crowd-versus-spec agreement "
                       "to show for this section."))
        return
    for anchor in entry.sections:
        name = md_escape(titles.get(anchor, anchor))
        row, countries, prompts = evidence.section(anchor)
        if row.empty:
            text.add(small(f"“{name}”: the selected ranker run rated no prompts relevant to this section at "
                           "this relevance threshold, so there is no agreement figure for it."))
            continue
        r = row.iloc[0]
        # The sentence is this module's own words around the escaped section name, so it can be Markdown.
        text.add(privacy.estimate_sentence(f"“{name}”", r["estimate"], r["ci_low"], r["ci_high"],
                                           r["n_participants"]), small(_rank_line(r)))
        _countries(countries, f"open:countries:{entry.id}:{anchor}", text)
        _prompts(prompts, prompt_link, f"open:prompts:{entry.id}:{anchor}", text)
        if rubric_view.available():
            text.flush()
            key = f"open:rubrics:{entry.id}:{anchor}"
            box = lazy_expander("What people said a good answer must do on these prompts (rubrics)", key)
            if box is not None:
                with box:
                    rubric_view.section_panel(evidence.run, anchor, evidence.threshold, key=key)


def _rank_line(r: pd.Series) -> str:
    """Where the section ranks by agreement ("" when its figure is hidden)."""
    if r["suppressed"]:
        return ""
    if pd.isna(r["rank"]):
        return (f"Not ranked: this figure rests on {int(r['n_prompts'])} relevant prompt(s), fewer than "
                f"{config.MIN_PROMPTS}, so it says little about the section's kind of conversation.")
    return (f"Ranked {int(r['rank'])} of {int(r['n_ranked'])} sections by agreement "
            f"(between {int(r['rank_best'])} and {int(r['rank_worst'])} once the 95% CIs are "
            f"considered) · {int(r['n_prompts'])} relevant prompts.")


def country_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The by-country table as shown: suppressed rows say so instead of a number."""
    privacy.assert_applied(rows)
    return pd.DataFrame({
        "Country": [labels.country_name(c) for c in rows["country"]],
        "Agreement": [privacy.pct(v) for v in rows["estimate"]],
        "95% CI": ["–" if s else privacy.ci_text(lo, hi)[7:] for s, lo, hi in
                   zip(rows["suppressed"], rows["ci_low"], rows["ci_high"], strict=True)],
        "Participants": [privacy.n_label(n) for n in rows["n_participants"]],
    })


def _countries(rows: pd.DataFrame, key: str, text: Paragraphs) -> None:
    if rows.empty:
        return
    text.flush()
    if box := lazy_expander("Agreement by country of residence on this section's prompts", key):
        box.dataframe(country_table(rows), hide_index=True)


def prompt_table(rows: pd.DataFrame, prompt_link: Callable[[str], str]) -> pd.DataFrame:
    """The contested-prompts table as shown, with a link to each prompt's page."""
    privacy.assert_applied(rows)
    text = rows["first_user_text"].fillna("").astype(str)
    return pd.DataFrame({
        "Prompt": [t if len(t) <= PROMPT_TEXT_CHARS else t[:PROMPT_TEXT_CHARS - 1] + "…" for t in text],
        "Contestedness": rows["contestedness"].round(2),
        "Participants": [privacy.n_label(n) for n in rows["n_participants"]],
        "Open": [prompt_link(str(p)) for p in rows["prompt_id"]],
    })


def _prompts(rows: pd.DataFrame, prompt_link: Callable[[str], str], key: str, text: Paragraphs) -> None:
    if rows.empty:
        text.add(small("No relevant prompt has enough participants to list."))
        return
    text.flush()
    box = lazy_expander(f"Its {len(rows)} most contested relevant prompts", key)
    if box is None:
        return
    box.caption("Contestedness 0 = everyone ranked alike, 1 = no agreement.")
    box.dataframe(
        prompt_table(rows, prompt_link), hide_index=True,
        column_config={"Open": st.column_config.LinkColumn("Open", display_text="Open prompt"),
                       "Prompt": st.column_config.TextColumn("Prompt", width="large")},
    )


def _safe_url(url: str) -> str:
    """A URL made safe inside a Markdown link target (our data, but parentheses and spaces would break it)."""
    return quote(url, safe=":/?#=&%.-_~+@")


def correction_note() -> None:
    """How a reader proposes a correction."""
    st.subheader("How to propose a correction")
    st.markdown(
        "If an entry is wrong or a source is missing, open an issue in the project's repository describing the "
        "entry id (for example `CA-C4`), what should change, and the source that shows it: the post or spec "
        "release, with a link. Entries labelled *inferred* become *confirmed* only when a published OpenAI "
        "source states the change came from the collective-alignment process. How entries are sourced is "
        "described in `docs/changelog.md`."
    )


def category_legend(log: Changelog) -> None:
    """The categories in OpenAI's own definitions."""
    if not log.category_definitions:
        return
    st.subheader("What the categories mean")
    st.markdown("\n\n".join([
        *(quotation_markdown(quotation, lead=f"A {name}, in OpenAI's words, is a change made")
          for name, quotation in log.category_definitions.items()),
        small("“Not stated” means the post gives no category for the change."),
    ]))


def changelog_or_error() -> Changelog | None:
    """The changelog, or None after telling the visitor in plain words that it could not be read."""
    try:
        return load_changelog()
    except ChangelogError as exc:
        st.error("The changelog data could not be read, so the list of changes cannot be shown.",
                 icon=":material/error:")
        st.text(str(exc))
        return None


@st.cache_data(show_spinner=False)
def load_changelog() -> Changelog:
    """The validated changelog (raises core.changelog.ChangelogError when the file is bad)."""
    return changelog.load()


def load_evidence(run: str | None, block: str, metric: str, threshold: int, anchors: tuple[str, ...]) -> Evidence:
    """The store's evidence for these sections under the selected view, through the privacy rules."""
    if run is None:
        return Evidence(run=None)
    return _evidence(run, block, metric, threshold, anchors, str(data.store_file()))


@st.cache_data(max_entries=64, show_spinner=False)
def _evidence(run: str, block: str, metric: str, threshold: int, anchors: tuple[str, ...], store: str) -> Evidence:
    # Cached with the privacy rules applied (keyed by the store file too): a new visitor's first run of the
    # page re-applied them to the same frames, a fifth of the page's run time.
    frames = (shown_agreement(data.read(changelog_evidence.section_agreement, run, block, metric, threshold, anchors)),
              shown_countries(data.read(changelog_evidence.section_country, run, block, metric, threshold, anchors)),
              shown_prompts(data.read(changelog_evidence.section_prompts, run, block, threshold, anchors)))
    return Evidence(run, *frames, by_anchor=_split(frames), threshold=threshold)
