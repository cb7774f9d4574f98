"""Methodology and limitations: definitions, rules, ranker runs, published vs computed figures, data quality."""
import streamlit as st

from components import data, frame, tables
from core import config, privacy, published
from core.reads import figures
from views import methodology_notes

st.title("Methodology and limitations")

st.header("What the numbers mean")
st.markdown(f"""
- **Agreement (pairwise order).** For one assessment, take the pairs of the four responses that both the
  participant and the Model Spec Ranker put in a strict order (ties are skipped) and count the share ordered the
  same way. The estimate is the mean of these shares over assessments, so people who answered more prompts weigh
  more.
- **Agreement (top choice).** 1 when the participant's single first choice is the ranker's, else 0; assessments
  where either has a tied first place are left out.
- **World and personal.** Participants ranked the responses twice when asked: how the AI should respond *for
  everyone* (world) and *for them* (personal). Personal rankings exist for about a quarter of assessments.
- **Section relevance.** The ranker graded each conversation's relevance to each spec section from 1 to 5. A
  section's agreement uses the conversations graded at or above the threshold: {", ".join(map(str, config.THRESHOLDS))}
  (5 is the study's Figure 1).
- **95% confidence intervals.** Percentile intervals from a cluster bootstrap: participants are resampled with
  replacement ({config.BOOTSTRAP_B:,} resamples by default, fixed seed), because one person's answers are not
  independent of each other; the two-way interval resamples the prompts too (below). Ranks are CI-aware: a section
  ranks above another only if its whole interval lies above the other's, which gives each section a rank range.
- **Contestedness** of a prompt is 1 − Kendall's W (tie-corrected): 0 when everyone ranked alike.
""")
methodology = config.ROOT / "docs" / "methodology.md"
if methodology.is_file() and (box := frame.lazy_expander("The full methodology (docs/methodology.md)",
                                                        "open:methodology", icon=":material/description:")):
    box.markdown(methodology.read_text(encoding="utf-8"))  # our own document, not dataset text

st.header("Agreement with each other (the crowd reference)")
st.markdown("""
- **Agreement with the rest of the crowd.** For one assessment of a prompt, combine every *other* participant's
  ranking of that prompt (all of this participant's own assessments of it left out): each response gets the sum of
  its mid-ranks (a tie shares the mean of the places it spans), and a smaller sum is a better place. The share of
  response pairs ordered strictly by both that are ordered the same way; top choice compares single first choices.
  Chance: 50% (pairs), 25% (first choice). On a prompt where people split evenly, leaving one's own ranking out tips
  the rest against it, so such prompts read low.
- **Groups against everyone else.** A group's estimate uses its members' assessments; everyone else's uses the
  rest; the difference's 95% interval comes from the same participant resamples.
- **Unacceptable flags.** Of the assessments where the question was asked, the share that flagged at least one
  response. **For me against for everyone:** only on assessments with both rankings.
""")

st.header("How to produce a ranker run")
ranker_doc = config.ROOT / "docs" / "ranker.md"
if ranker_doc.is_file() and (box := frame.lazy_expander("The ranker reproduction (docs/ranker.md)", "open:ranker",
                                                       icon=":material/description:")):
    box.markdown(ranker_doc.read_text(encoding="utf-8"))  # our own document, not dataset text

methodology_notes.small_groups_and_intervals()

st.header("Ranker runs")
runs = data.read(figures.ranker_runs)
if runs.empty:
    st.markdown("This store has no ranker run; see `docs/ranker.md` for how to produce one.")
else:
    tables.markdown_table(frame.blanks_as_dash(runs))  # run metadata comes from each run's manifest.json

st.header("Published figures beside ours")
info = data.source_info()
counts = data.read(figures.counts).iloc[0]
comparison = published.shown(published.comparison(
    {k: int(counts[k]) for k in ("prompts", "participants", "assessments")},
    data.read(figures.demographic_counts), data.is_synthetic(info)))
hidden = int(comparison["suppressed"].sum())
mismatches = int((~comparison["suppressed"] & (comparison["note"] != "matches")).sum())
st.markdown(f"{len(comparison)} published figures (the dataset card's counts and the blog's demographic charts); "
            f"{mismatches} differ from what this site computes, each with its explanation"
            + (f"; {hidden} are not compared because the group has {privacy.SUPPRESSED_TEXT} here." if hidden
               else "."))
tables.markdown_table(frame.blanks_as_dash(comparison[published.SHOWN_COLUMNS]))

st.header("Data quality")
st.markdown("What the build found in the input files. Rejected rows are left out of every figure; flagged rows are "
            "kept and counted.")
# Small reference tables as Markdown: neither the interactive grid's code (1.2 MB) nor st.table's Arrow formatting
# (743 KB) is worth a first visit here. File names and examples come from the inputs: tables.markdown_text escapes.
tables.markdown_table(frame.blanks_as_dash(data.read(figures.build_report)))
tables.markdown_table(frame.blanks_as_dash(frame.short_hashes(data.read(figures.build_files))))
st.caption("SHA-256 of each input file, first 16 hex digits; the store's manifest table holds them in full.")

st.header("Limitations the study states")
st.markdown("\n".join(f"- {item}" for item in published.STUDY_LIMITATIONS))
st.markdown("And one of this site: the agreement figures are recomputed here from the released rankings and a "
            "ranker run; OpenAI did not publish per-section values, so they cannot be checked against the study's.")
frame.correction_section()
