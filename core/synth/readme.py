"""The synthetic release's README: HF `configs:` front matter, then a prominent SYNTHETIC notice."""

from __future__ import annotations

from core.config import HF_CONFIGS, RUBRIC_CONFIG, RUBRIC_FILE
from core.synth import ranker_run
from core.synth.dataset import Synthetic


def front_matter() -> str:
    lines = ["---", "configs:"]
    for config, file in {**HF_CONFIGS, RUBRIC_CONFIG: RUBRIC_FILE}.items():
        lines += [f"- config_name: {config}", "  data_files:", "  - split: train", f"    path: {file}"]
        if config == "comparisons":
            lines.append("  default: true")
    return "\n".join([*lines, "---", ""])


def render(data: Synthetic, counts: dict[str, int], truth: dict) -> str:
    n_comp = len(data.comparisons)
    n_ann = sum(len(r) for r in data.rows)
    sections = "\n".join(
        f"| `{anchor}` | {s['n_assessments']} | {s['pairwise']:.4f} | {s['top']:.4f} |"
        for anchor, s in truth["sections"].items()
    )
    files = "\n".join(f"| `{f}` | {n} |" for f, n in counts.items())
    return f"""{front_matter()}
# SYNTHETIC DATA: not the CA-1 release, not real results

> **Everything in this folder is synthetic.** It was written by a generator (`core/synth/`) to exercise the
> Collective Alignment Explorer. No real person wrote any of it, no real model produced any response or ranking,
> and no number computed from it says anything about real people or the real Model Spec Ranker.

Regenerate it byte for byte with:

```sh
python -m core sample --scale {data.scale} --seed {data.seed} --out <folder>
```

## What it is

The three CA-1 files follow the format of OpenAI's `collective-alignment-1` release as documented in the project's
schema notes: the same keys, nesting and key order, the same label wording and the same quirks.

| file | rows |
|---|---|
{files}

- {sum(p.in_comparisons for p in data.prompts)} prompts in `comparisons.jsonl`, {len(data.rows)} participants,
  {n_comp} assessments in `comparisons.jsonl` and the merged file, {n_ann} in `annotators.jsonl`.
- Quirks kept on purpose: representativeness level words in Unicode MATHEMATICAL SANS-SERIF BOLD (normalise with
  NFKC); ASCII apostrophes in subjectivity; `personal` / `unacceptable` equal to `[]` when not asked, while
  `"rating": []` means asked and nothing flagged; flags are sentences such as `"C is unacceptable"`; tie groups
  keep an unalphabetised order (`B>C>D=A`); about 2.4% all-tied `A=B=C=D`; repeated (prompt, annotator) pairs
  (the repeat carries identical ranking blocks); one anchor prompt seen by every participant; prompts and pairs
  that appear only in `annotators.jsonl`; multi-turn prompts with developer and earlier assistant turns;
  long-form questions only in each participant's first batch, at most 5; `ideal-model-behavior` with hyphens.
- `comparisons.jsonl` assessments carry no `conversation_id` (unconfirmed in the release);
  `annotators.jsonl` assessments do. `assistant_turn_share` = assistant turns / (user + assistant turns).
- At `--scale full` every published marginal of the release is reproduced exactly (prompts, participants,
  assessments, countries, demographic fields, labels, long-form share, repeats, anchor, annotator-only
  assessments, user-turn distribution); `10x` multiplies them by ten; `small` is this committed sample.

`conversation_rubrics.jsonl` follows `openai/coval`'s rubric file: one row per prompt rubric with
`conversation` (OpenAI's internal message shape: `author.role`, `content.parts`, `system` where the other files
say `developer`, sometimes an empty system turn), `coval_full` (pre-written items scored by everyone on the
prompt, and participants' own items scored only by their author) and `coval_core`. Its traps: about 10% of
prompts have no rubric, about 2% of rows match no prompt, some texts differ only in white space, about 2.5%
differ by one word, some criteria are in Spanish, Dutch or Japanese, a few are hostile text (formulas, HTML,
Markdown). The planted join and each pre-written item's expected mean weight are in `rubrics_planted_truth.json`.

## How it was generated (the planted structure)

Each prompt has a primary spec section (and sometimes a secondary one), a type (consensus, contested,
country-dependent, ordinary) and a planted reference order of the four responses. A participant's world
ranking follows the planted order with probability q (set by the section's planted level and the prompt's
type; for country-dependent prompts participants in the listed countries follow a different order), and is
otherwise a uniformly random order; a tie shape is drawn independently from a fixed distribution. Personal
rankings mostly equal the world ranking, with some reversals. Response texts describe their planted place.

The synthetic ranker run `rankers/{ranker_run.RUN_ID}/` ranks every prompt by its reference order and grades
relevance 5 for the primary section, 4 for the secondary and 1-3 elsewhere, so the true agreement is known.

## Planted truth (`rankers/{ranker_run.RUN_ID}/planted_truth.json`)

{truth["definition"]}

Overall (world, threshold 5 for sections): pairwise {truth["overall"]["pairwise"]:.4f},
top choice {truth["overall"]["top"]:.4f}, over {truth["overall"]["n_assessments"]} assessments.

| section | assessments | pairwise | top choice |
|---|---|---|---|
{sections}
"""
