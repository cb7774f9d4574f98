"""The build's rubric stage: read and validate the rubric file, join it to the prompts, write the rubric tables
and their statistics. A source without the file gets the same tables, empty."""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from core.config import ROOT, RUBRIC_CONFIG, RUBRIC_FILE
from core.release.source import InputFile, Release, attach_rubrics, iter_records
from core.release.validate import Report, gc_paused
from core.rubrics import SUMMARY_KEYS, stats
from core.rubrics import join as joining
from core.rubrics.validate import RubricRow, register, validate_rubrics
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

STATUS_KEYS = {
    joining.EXACT: "matched_exact",
    joining.TOLERANT: "matched_tolerant",
    joining.AMBIGUOUS: "ambiguous",
    joining.UNMATCHED: "unmatched",
}
STATUS_CHECKS = {
    joining.EXACT: "rubric_joined_exact",
    joining.TOLERANT: "rubric_joined_tolerant",
    joining.AMBIGUOUS: "rubric_ambiguous",
    joining.UNMATCHED: "rubric_unmatched",
}
TABLES = ("rubric_conversations", "rubric_items", "rubric_scores", "rubric_core", "rubric_summary")


@dataclass
class Rubrics:
    """What the rubric stage read: accepted rows, where each joined, and the summary counts."""

    present: bool
    rows: list[RubricRow] = field(default_factory=list)
    joins: list[joining.Join] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMMARY_KEYS, 0))


def read_rows(release: Release, item: InputFile | None, report: Report) -> list[RubricRow]:
    """The attached rubric file's accepted rows (none without the file); every rejection counted in `report`."""
    register(report)
    if item is None:
        return []
    if item.blank_lines:
        report.add(RUBRIC_FILE, "blank_lines", None, f"{item.blank_lines} blank lines", count=item.blank_lines)
    with gc_paused():
        rows = validate_rubrics(iter_records(release, RUBRIC_CONFIG), report)
    if item.loader_notice:
        report.add(RUBRIC_FILE, "loader_fallback", None, item.loader_notice)
    return rows


def join_rows(
    item: InputFile | None, rows: list[RubricRow], tables: dict[str, dict[str, list]], report: Report
) -> Rubrics:
    """Join the rows to the release's prompts by their text; join outcomes and unknown annotators go in `report`."""
    register(report)
    prompt_ids = tables["prompts"]["prompt_id"]
    if item is None:
        out = Rubrics(present=False)
        out.summary["prompts_without_rubric"] = 0
        return out
    joins = joining.join([r.key for r in rows], joining.prompt_keys(tables["messages"]))
    known = set(tables["annotators"]["annotator_id"])
    unknown = Counter(a for r in rows for i in r.items for a, _ in i.scores if a not in known)
    if unknown:
        report.add(
            RUBRIC_FILE, "rubric_unknown_annotator", None, f"{len(unknown)} annotator ids", sum(unknown.values())
        )
    for row, j in zip(rows, joins, strict=True):
        detail = f"conversation {row.conversation_id}"
        if j.status != joining.EXACT:
            detail += f": score {j.score if j.score is None else round(j.score, 4)}"
            detail += f", runner-up {j.runner_up_prompt_id} ({j.runner_up_score and round(j.runner_up_score, 4)})"
            detail += f"; {j.reason}" if j.reason else ""
        report.add(RUBRIC_FILE, STATUS_CHECKS[j.status], row.line, detail)
    joined = {j.prompt_id for j in joins if j.prompt_id is not None}
    without = [p for p in prompt_ids if p not in joined]
    if without:
        report.add(RUBRIC_FILE, "prompt_without_rubric", None, f"e.g. prompt {without[0]}", len(without))
    summary = dict.fromkeys(SUMMARY_KEYS, 0)
    summary["rubric_rows"] = len(rows)
    for j in joins:
        summary[STATUS_KEYS[j.status]] += 1
    summary["prompts_without_rubric"] = len(without)
    summary["items"] = sum(len(r.items) for r in rows)
    summary["scores"] = sum(len(i.scores) for r in rows for i in r.items)
    return Rubrics(present=True, rows=rows, joins=joins, summary=summary)


class BackgroundRead:
    """The rubric file read and validated in a process of its own (`core.rubrics.reader`), into its own Report,
    while the build reads, validates and stores the release.

    Reading it is Python work that holds the GIL: on a thread of the build's process it took 0.35 s of the main
    thread's time at full scale (issue 17); in its own process it runs on the other core. A process that cannot
    start or that dies is not the file's fault: the file is then read here, when the result is asked for.
    """

    def __init__(self, release: Release) -> None:
        self.error: BaseException | None = None
        self._release = release
        self.item = attach_rubrics(release)
        self._child: subprocess.Popen | None = None
        if self.item is not None:
            with contextlib.suppress(OSError):
                self._child = subprocess.Popen(
                    [sys.executable, "-m", "core.rubrics.reader"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    cwd=ROOT,
                )
                self._sent = threading.Thread(target=self._send, name="rubric-send", daemon=True)
                self._sent.start()

    def close(self) -> None:
        """Stop the reading process if it still runs (a build that ended before it asked for the rows)."""
        if self._child is None:
            return
        if self._child.poll() is None:
            self._child.kill()
            self._child.wait()
        self._sent.join()
        if self._child.stdout is not None:
            self._child.stdout.close()

    def _send(self) -> None:
        child = self._child
        assert child is not None and child.stdin is not None
        with contextlib.suppress(OSError):  # a child that died early: `result` reads the file here instead
            child.stdin.write(pickle.dumps(self._release, protocol=pickle.HIGHEST_PROTOCOL))
        with contextlib.suppress(OSError):
            child.stdin.close()

    def _from_child(self) -> tuple[list[RubricRow], Report] | None:
        """The child's rows and report, or None when it gave none (it then read nothing that counts)."""
        if self._child is None:
            return None
        assert self._child.stdout is not None
        with self._child.stdout:
            out = self._child.stdout.read()
        self._child.wait()
        self._sent.join()
        if self._child.returncode != 0 or not out:
            return None
        outcome = pickle.loads(out)
        if isinstance(outcome, BaseException):
            raise outcome
        rows, report, item = outcome
        vars(self.item).update(vars(item))  # how the child read the file: loader, notice, local path
        return rows, report

    def result(self, tables: dict[str, dict[str, list]], report: Report) -> Rubrics:
        """Wait for the read, add its counts to `report`, and join it to the prompts (or raise what it raised)."""
        try:
            read = self._from_child()
            if read is None:
                own = Report()
                read = read_rows(self._release, self.item, own), own
        except BaseException as exc:  # the builder tells a rubric read failure from a write failure by identity
            self.error = exc
            raise
        rows, read_report = read
        report.merge(read_report)
        return join_rows(self.item, rows, tables, report)


def columns(rubrics: Rubrics) -> dict[str, dict[str, list]]:
    """Column lists of the five stored rubric tables."""
    conv: dict[str, list] = {k: [] for k in _COLUMNS["rubric_conversations"]}
    items: dict[str, list] = {k: [] for k in _COLUMNS["rubric_items"]}
    scores: dict[str, list] = {k: [] for k in _COLUMNS["rubric_scores"]}
    core: dict[str, list] = {k: [] for k in _COLUMNS["rubric_core"]}
    for n, (row, j) in enumerate(zip(rubrics.rows, rubrics.joins, strict=True)):
        for k, v in (
            ("rubric_row", n),
            ("source_line", row.line),
            ("conversation_id", row.conversation_id),
            ("n_turns", row.n_turns),
            ("first_user_text", row.first_user_text),
            ("status", j.status),
            ("prompt_id", j.prompt_id),
            ("match_score", j.score),
            ("runner_up_prompt_id", j.runner_up_prompt_id),
            ("runner_up_score", j.runner_up_score),
            ("reason", j.reason or None),
            ("n_items", len(row.items)),
            ("n_core", len(row.core)),
        ):
            conv[k].append(v)
        for item in row.items:
            items["rubric_row"].append(n)
            items["item_index"].append(item.index)
            items["rubric_item_id"].append(item.rubric_item_id)
            items["prompt_id"].append(j.prompt_id)
            items["criterion"].append(item.criterion)
            # No authorship field exists: an item scored by exactly one person was written by that person.
            items["kind"].append("own" if len(item.scores) == 1 else "prewritten")
            items["n_scores"].append(len(item.scores))
            scores["rubric_row"].extend([n] * len(item.scores))
            scores["item_index"].extend([item.index] * len(item.scores))
            scores["annotator_id"].extend(a for a, _ in item.scores)
            scores["score"].extend(s for _, s in item.scores)
        core["rubric_row"].extend([n] * len(row.core))
        core["prompt_id"].extend([j.prompt_id] * len(row.core))
        core["position"].extend(range(len(row.core)))
        core["criterion"].extend(row.core)
    summary: dict[str, list] = {"key": list(rubrics.summary), "value": list(rubrics.summary.values())}
    return {
        "rubric_conversations": conv,
        "rubric_items": items,
        "rubric_scores": scores,
        "rubric_core": core,
        "rubric_summary": summary,
    }


_COLUMNS = {
    "rubric_conversations": (
        "rubric_row",
        "source_line",
        "conversation_id",
        "n_turns",
        "first_user_text",
        "status",
        "prompt_id",
        "match_score",
        "runner_up_prompt_id",
        "runner_up_score",
        "reason",
        "n_items",
        "n_core",
    ),
    "rubric_items": ("rubric_row", "item_index", "rubric_item_id", "prompt_id", "criterion", "kind", "n_scores"),
    "rubric_scores": ("rubric_row", "item_index", "annotator_id", "score"),
    "rubric_core": ("rubric_row", "prompt_id", "position", "criterion"),
}


def _insert(con, table: str, frame: pd.DataFrame | dict[str, list]) -> None:
    import pyarrow as pa

    data = frame if isinstance(frame, pd.DataFrame) else pa.table(frame)
    if len(data):
        con.from_arrow(
            pa.Table.from_pandas(data, preserve_index=False) if isinstance(data, pd.DataFrame) else data
        ).insert_into(table)


def write(con, rubrics: Rubrics) -> None:
    """Create the rubric tables, fill them, then compute and write the rubric statistics."""
    con.execute(query("rubric_schema"))
    for table, cols in columns(rubrics).items():
        if table != "rubric_summary" or rubrics.present:  # no summary rows: the source had no rubric file
            _insert(con, table, cols)
    scores = con.execute(query("rubric_item_scores")).df()
    items, country = stats.item_tables(scores)
    if len(items):
        _insert(con, "rubric_item_stats", items[_STAT_COLUMNS["rubric_item_stats"]])
        _insert(con, "rubric_item_country", country[_STAT_COLUMNS["rubric_item_country"]])
        _insert(con, "rubric_kind_shares", stats.kind_shares(items, scores))


_STAT_COLUMNS = {
    "rubric_item_stats": [
        "prompt_id",
        "rubric_row",
        "item_index",
        "kind",
        "criterion",
        "n_participants",
        "mean_weight",
        "ci_low",
        "ci_high",
        "sd",
        "share_positive",
        "share_negative",
        "country_spread",
        "country_spread_pair",
        "n_countries_eligible",
    ],
    "rubric_item_country": [
        "prompt_id",
        "rubric_row",
        "item_index",
        "country",
        "n_participants",
        "mean_weight",
        "ci_low",
        "ci_high",
    ],
}
