"""`python -m core build`: load, validate and store a source, then print the build report."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import traceback
from pathlib import Path

from core import config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        default=os.environ.get(config.SOURCE_ENV, config.DEFAULT_SOURCE),
        help="hf, sample, auto (default; hub when it answers, else sample) or a directory path",
    )
    parser.add_argument("--db", type=Path, default=None, help="store file (default: data/build/ca_<source>.duckdb)")
    parser.add_argument("--bootstrap", type=int, default=config.BOOTSTRAP_B, help="bootstrap replicates B")
    parser.add_argument("--seed", type=int, default=config.BOOTSTRAP_SEED, help="bootstrap seed")
    parser.add_argument("--revision", default=None, help=f"hub revision (default {config.HF_REVISION})")
    parser.add_argument(
        "--progress-file", type=Path, default=None, help="also write progress as JSON here (the site's child build)"
    )


def run(args: argparse.Namespace) -> int:
    from core.release.source import SourceError
    from core.store import StoreError, build

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr)
        if args.progress_file is not None:
            from core.store.child import write_progress

            write_progress(args.progress_file, fraction, message)

    def interrupted(signum, frame):
        # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so the build removes its temporary files.
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)

    try:
        result = build(
            args.source,
            db_path=args.db,
            bootstrap_b=args.bootstrap,
            seed=args.seed,
            progress=progress,
            revision=args.revision,
        )
    except (SourceError, StoreError) as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        print("The previous store, if any, was left unchanged.", file=sys.stderr)
        return 2
    except Exception as exc:
        traceback.print_exc()
        print(f"build failed unexpectedly ({exc.__class__.__name__}: {exc}).", file=sys.stderr)
        print("The previous store, if any, was left unchanged.", file=sys.stderr)
        return 1
    print(format_report(result))
    return 0


def format_report(result) -> str:
    """The build report as plain text: files, findings with first examples, reconciliation, timings, path."""
    lines = [f"Source: {result.source.label}", f"  {result.source.reason}"]
    if result.resolved_commit:
        lines.append(f"  resolved commit {result.resolved_commit}")
    lines += [f"  notice: {n}" for n in result.notices]
    lines += ["", f"{'file':<40} {'input':>8} {'accepted':>9} {'rejected':>9}  loader"]
    for row in result.files:
        lines.append(
            f"{row['file']:<40} {row['input_rows']:>8,} {row['accepted']:>9,} {row['rejected']:>9,}  {row['loader']}"
        )
    for row in result.assessment_counts:
        name = f"  assessments in {row['file']}"
        lines.append(f"{name:<40} {row['input_assessments']:>8,} {row['accepted']:>9,} {row['rejected']:>9,}")
    lines += ["", "Findings (severity, file, check, count):"]
    for row in result.report:
        lines.append(f"  {row['severity']:<8} {row['file']:<40} {row['check']:<32} {row['count']:>7,}")
        for example in json.loads(row["examples"] or "[]")[:3]:
            where = f"line {example['line']}: " if example.get("line") is not None else ""
            lines.append(f"             {where}{example.get('detail', '')}")
    reconciliation = [r for r in result.report if r["check"] in RECONCILIATION]
    lines += ["", "Reconciliation against comparisons.jsonl (canonical):"]
    if reconciliation:
        lines += [f"  {r['file']}: {r['check']} = {r['count']:,}" for r in reconciliation]
    else:
        lines.append("  annotators.jsonl and the merged file agree with comparisons.jsonl")
    rows = result.table_rows
    lines += [
        "",
        "Stored: "
        + ", ".join(
            f"{t} {rows.get(t, 0):,}" for t in ("prompts", "annotators", "assessments", "annotator_only_assessments")
        ),
    ]
    lines.append(_rubric_line(result))
    lines += [
        "Timing: "
        + ", ".join(f"{k} {v:.2f}s" for k, v in result.stage_seconds.items())
        + f" (total {result.seconds:.2f}s)",
        f"Store: {result.db_path}",
    ]
    return "\n".join(lines)


def _rubric_line(result) -> str:
    """Where the rubric rows joined (read back from the report's counts); says so when there was no rubric file."""
    counts = {r["check"]: r["count"] for r in result.report if r["file"] == "conversation_rubrics.jsonl"}
    read = next((r for r in result.files if r["file"] == "conversation_rubrics.jsonl"), None)
    if read is None:
        return "Rubrics: none (the source has no conversation_rubrics.jsonl)"
    parts = [
        f"{counts.get('rubric_joined_exact', 0):,} joined exactly",
        f"{counts.get('rubric_joined_tolerant', 0):,} tolerantly",
        f"{counts.get('rubric_ambiguous', 0):,} ambiguous",
        f"{counts.get('rubric_unmatched', 0):,} unmatched",
        f"{counts.get('prompt_without_rubric', 0):,} prompts without a rubric",
    ]
    return f"Rubrics: {read['accepted']:,} rows: " + ", ".join(parts) + " (python -m core stats --rubrics)"


RECONCILIATION = (
    "annotator_only_assessment",
    "missing_from_annotators",
    "annotators_assessment_mismatch",
    "assessment_count_mismatch",
    "merged_not_in_comparisons",
    "missing_from_merged",
    "merged_assessment_mismatch",
    "merged_demographics_mismatch",
    "merged_features_mismatch",
    "unknown_annotator",
)
