"""`python -m core stats`: print overall and per-section agreement exactly as stored in a built store."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from core import config
from core.rubrics import SUMMARY_KEYS
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

NOTE = (
    "Prints the raw stored numbers, including groups under the public small-group minimum "
    f"({config.MIN_PARTICIPANTS} participants) that the site hides: a researcher's tool, nothing is recomputed."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = f"{parser.description} {NOTE}"
    parser.add_argument("--db", type=Path, required=True, help="built store (.duckdb), opened read-only")
    parser.add_argument("--run", default=None, help="ranker run id (default: the only run in the store)")
    parser.add_argument("--block", choices=config.BLOCKS, default="world", help="ranking block (default world)")
    parser.add_argument("--metric", choices=config.METRICS, default="pairwise", help="agreement metric")
    parser.add_argument(
        "--threshold",
        type=int,
        choices=config.THRESHOLDS,
        default=config.THRESHOLDS[0],
        help="minimum relevance grade for a section's prompts (default 5, as published)",
    )
    parser.add_argument(
        "--interval",
        choices=INTERVALS,
        default="participants",
        help="which 95%% interval to print: resampling participants only (default, as before), or participants and "
        "prompts (two-way: also the uncertainty from which prompts were asked; docs/methodology.md)",
    )
    parser.add_argument("--format", choices=("json", "table"), default="json", help="output format")
    parser.add_argument(
        "--rubrics",
        action="store_true",
        help="print the rubric join summary instead (conversation_rubrics.jsonl as read, and where its rows joined)",
    )
    parser.add_argument(
        "--crowd",
        action="store_true",
        help="the crowd's agreement with itself, overall and per group against everyone else (needs no ranker run; "
        "groups under the small-group minimum are null with a reason)",
    )


INTERVALS = ("participants", "two-way")


def _pick(record: dict, interval: str) -> dict:
    """The record with ci_low / ci_high set to the chosen interval (the other pair dropped)."""
    low, high = record.pop("ci_low_2w", None), record.pop("ci_high_2w", None)
    if interval == "two-way":
        record["ci_low"], record["ci_high"] = low, high
    return record


def _number(value):
    """JSON-safe number: NaN (no estimate) becomes null."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _records(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [{k: _number(v) for k, v in zip(names, row)} for row in cursor.fetchall()]


def read_stats(con, run: str | None, block: str, metric: str, threshold: int, interval: str = "participants") -> dict:
    """The stored figures as the JSON document the command prints; ValueError when the run is unclear."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    runs = [r["run_id"] for r in _records(con.execute(query("stats_runs")))]
    if run is None:
        if len(runs) != 1:
            listed = ", ".join(runs) if runs else "none"
            raise ValueError(f"choose a run with --run; runs in this store: {listed}")
        run = runs[0]
    elif run not in runs:
        raise ValueError(f"no run {run!r} in this store; runs: {', '.join(runs) or 'none'}")
    params = {"run_id": run, "block": block, "metric": metric}
    overall = [_pick(r, interval) for r in _records(con.execute(query("stats_overall"), params))]
    sections = [
        _pick(r, interval) for r in _records(con.execute(query("stats_sections"), {**params, "threshold": threshold}))
    ]
    empty = {"estimate": None, "ci_low": None, "ci_high": None, "n_participants": 0, "n_assessments": 0, "n_prompts": 0}
    return {"run": run, "interval": interval, "overall": overall[0] if overall else empty, "sections": sections}


NO_RUBRICS = (
    "this store has no rubrics: its source had no conversation_rubrics.jsonl (CA-1, or a local copy without "
    "the file), or it was built before rubrics were read; build from openai/coval to get them"
)


def read_rubrics(con) -> dict:
    """The rubric join summary as stored by the build; all zero, with a note, on a store without rubrics."""
    found = {}
    if con.execute(query("stats_has_rubrics")).fetchone()[0]:
        found = dict(con.execute(query("stats_rubrics")).fetchall())
    doc: dict = {"rubrics": {k: int(found.get(k, 0)) for k in SUMMARY_KEYS}}
    if not found:
        doc["note"] = NO_RUBRICS
    return doc


def format_rubrics(doc: dict) -> str:
    """Plain-text table of the rubric join summary."""
    lines = ["rubric join (conversation_rubrics.jsonl as read)", ""]
    lines += [f"{key:<24} {value:>9,}" for key, value in doc["rubrics"].items()]
    if "note" in doc:
        lines += ["", f"note: {doc['note']}"]
    return "\n".join(lines)


def _cell(value, digits: int = 4) -> str:
    return "—" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))


def format_table(doc: dict, block: str, metric: str, threshold: int) -> str:
    """Plain-text table of the same figures."""
    header = (
        f"{'section':<44} {'estimate':>9} {'ci_low':>8} {'ci_high':>8} {'n_part':>7} {'n_assess':>9} {'n_prompt':>8}"
    )
    o = doc["overall"]
    resampled = "participants and prompts" if doc.get("interval") == "two-way" else "participants"
    lines = [
        f"run {doc['run']} · block {block} · metric {metric} · sections at relevance ≥ {threshold}",
        f"95% intervals resample {resampled}",
        NOTE,
        "",
        header,
        "-" * len(header),
        (
            f"{'(overall)':<44} {_cell(o['estimate']):>9} {_cell(o['ci_low']):>8} {_cell(o['ci_high']):>8} "
            f"{o['n_participants']:>7} {o['n_assessments']:>9} {_cell(o.get('n_prompts')):>8}"
        ),
    ]
    for s in doc["sections"]:
        lines.append(
            f"{s['anchor'][:44]:<44} {_cell(s['estimate']):>9} {_cell(s['ci_low']):>8} "
            f"{_cell(s['ci_high']):>8} {s['n_participants']:>7} {s['n_assessments']:>9} {_cell(s['n_prompts']):>8}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from core.store import StoreError, damage, open_store

    try:
        con = open_store(args.db)
    except StoreError as exc:  # missing or corrupt: the message names the command that rebuilds it
        print(str(exc), file=sys.stderr)
        return 2
    if args.rubrics:
        with con:
            rubrics = read_rubrics(con)
        print(json.dumps(rubrics, indent=2) if args.format == "json" else format_rubrics(rubrics))
        return 0
    if args.crowd:
        from core.commands.stats_crowd import format_crowd, read_crowd

        with con:
            crowd_doc = read_crowd(con, args.block, args.metric)
        print(json.dumps(crowd_doc, indent=2) if args.format == "json" else format_crowd(crowd_doc))
        return 0
    with con:
        try:
            doc = read_stats(con, args.run, args.block, args.metric, args.threshold, args.interval)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        except Exception as exc:
            problem = damage(exc, args.db)
            if problem is None:
                raise
            print(str(problem), file=sys.stderr)  # damaged data blocks: the rebuild command, no traceback
            return 2
    if args.format == "json":
        print(json.dumps(doc, indent=2))
    else:
        print(format_table(doc, args.block, args.metric, args.threshold))
    return 0
