"""Write the synthetic release (three JSONL files and a README) and the ranker run, in the release format."""

from __future__ import annotations

import json
from pathlib import Path

from core.config import HF_CONFIGS, RUBRIC_FILE
from core.synth import ranker_run, rubrics
from core.synth.assessments import Assessment
from core.synth.dataset import Synthetic
from core.synth.prompts import Prompt


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _write_lines(path: Path, rows) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(_dumps(row))
            f.write("\n")
            n += 1
    return n


def _turns(prompt: Prompt) -> tuple[int, int]:
    roles = [m["role"] for m in prompt.messages]
    return roles.count("user"), roles.count("assistant")


def comparison_rows(prompts: list[Prompt], by_prompt: dict[int, list[Assessment]]):
    for p in prompts:
        if p.in_comparisons:
            yield {
                "prompt_id": p.prompt_id,
                "prompt": {"messages": p.messages},
                "responses": p.responses,
                "metadata": {"assessments": [a.record(False) for a in by_prompt[p.index]]},
            }


def annotator_rows(rows: list[list[Assessment]]):
    for row in rows:
        person = row[0].person
        yield {
            "annotator_id": person.annotator_id,
            "demographics": person.demographics,
            "assessments": [a.record(True) for a in row],
        }


def merged_rows(prompts: list[Prompt], by_prompt: dict[int, list[Assessment]]):
    for p in prompts:
        if not p.in_comparisons:
            continue
        users, assistants = _turns(p)
        for a in by_prompt[p.index]:
            yield {
                "prompt_id": p.prompt_id,
                "annotator_id": a.person.annotator_id,
                "demographics": a.person.demographics,
                "ranking_blocks": a.blocks,
                "importance": a.labels["importance"],
                "representativeness": a.labels["representativeness"],
                "subjectivity": a.labels["subjectivity"],
                "num_candidates": len(p.responses),
                "turns_user": users,
                "turns_assistant": assistants,
                "assistant_turn_share": assistants / (users + assistants),
            }


def write_release(out: Path, data: Synthetic) -> dict[str, int]:
    """The three release files; returns rows written per file."""
    out.mkdir(parents=True, exist_ok=True)
    by_prompt = data.by_prompt()
    files = {config: out / name for config, name in HF_CONFIGS.items()}
    return {
        files["comparisons"].name: _write_lines(files["comparisons"], comparison_rows(data.prompts, by_prompt)),
        files["annotators"].name: _write_lines(files["annotators"], annotator_rows(data.rows)),
        files["merged_comparison_annotators"].name: _write_lines(
            files["merged_comparison_annotators"], merged_rows(data.prompts, by_prompt)
        ),
    }


RUBRIC_TRUTH = "rubrics_planted_truth.json"


def write_rubrics(out: Path, data: Synthetic) -> tuple[int, dict]:
    """conversation_rubrics.jsonl (openai/coval's shape) and its planted truth; returns (rows, truth)."""
    rows, truth = rubrics.rubric_rows(data)
    n = _write_lines(out / RUBRIC_FILE, rows)
    (out / RUBRIC_TRUTH).write_text(
        json.dumps(truth, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    return n, truth


def write_ranker_run(out: Path, data: Synthetic) -> dict:
    """rankers/<run_id>/{manifest.json, rankings.jsonl, planted_truth.json}; returns the planted truth."""
    run_dir = out / "rankers" / ranker_run.RUN_ID
    run_dir.mkdir(parents=True, exist_ok=True)
    _write_lines(run_dir / "rankings.jsonl", ranker_run.rankings(data.prompts, data.seed))
    truth = ranker_run.planted_truth(data.prompts, data.comparisons)
    manifest = ranker_run.manifest(data.prompts, data.seed, data.scale)
    for name, obj in (("manifest.json", manifest), ("planted_truth.json", truth)):
        (run_dir / name).write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return truth
