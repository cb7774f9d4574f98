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
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.config import HF_CONFIGS, ROOT, RUBRIC_CONFIG, RUBRIC_FILE
from core.release.source import InputFile, Release, attach_rubrics, iter_records
from core.release.validate import Report, gc_paused
from core.rubrics import SUMMARY_KEYS, stats
from core.rubrics import join as joining
from core.rubrics.validate import RubricRow, register, validate_rubrics
from core.sqlfiles import sql_folder

if TYPE_CHECKING:
    import pyarrow as pa

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
# Every table the rubric stage stores: the rubric rows above, then their statistics.
STORED = (*TABLES, "rubric_item_stats", "rubric_item_country", "rubric_kind_shares")


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


# The release files validation reads after comparisons.jsonl, in its order: the rubric process loads them ahead.
LOAD_AHEAD = tuple(name for name in HF_CONFIGS if name != "comparisons")
JOIN_INPUTS = {
    "prompts": ("prompt_id",),
    "messages": ("prompt_id", "role", "content"),
    "annotators": ("annotator_id", "country"),
}


def join_inputs(tables: dict[str, dict[str, list]]) -> dict[str, dict[str, list]]:
    """The columns of the validated release that the join and the rubric statistics read, and no others."""
    return {table: {c: tables[table][c] for c in cols} for table, cols in JOIN_INPUTS.items()}


def stored_tables(rubrics: Rubrics, annotators: dict[str, list]) -> dict[str, pa.Table]:
    """Every rubric table as it will be stored (name -> Arrow table), computed in a scratch in-memory DuckDB that
    holds only the annotators' countries: `write` runs there, so the tables are the ones a store would get."""
    import duckdb
    import pyarrow as pa

    with duckdb.connect() as scratch:
        scratch.execute("CREATE TABLE annotators (annotator_id VARCHAR, country VARCHAR)")
        countries = pa.table({"annotator_id": annotators["annotator_id"], "country": annotators["country"]})
        scratch.from_arrow(countries).insert_into("annotators")
        write(scratch, rubrics)
        return {name: scratch.table(name).to_arrow_table() for name in STORED}


def insert(con, tables: dict[str, pa.Table]) -> None:
    """Create the rubric tables in the store and fill them with `stored_tables`' output."""
    con.execute(query("rubric_schema"))
    for name in STORED:
        if tables[name].num_rows:
            con.from_arrow(tables[name]).insert_into(name)


class BackgroundRead:
    """The rubric stage in a process of its own (`core.rubrics.reader`), beside the build: it first loads the
    release files the build validates last into the `datasets` cache, then reads and validates the rubric file while
    the build reads, validates and stores the release, then joins it to the prompts and makes the stored tables while
    the build computes its statistics.

    All of it is Python work that holds the GIL: on a thread of the build's process the read alone took 0.35 s of
    the main thread's time at full scale, and the join and the tables another 0.4 s (issue 17); in its own process
    it runs on the other core, and only Arrow tables come back. A process that cannot start or that dies is not the
    file's fault: its work is then done here, when its result is asked for (a file it did not load ahead is loaded
    by the build as it would have been).
    """

    def __init__(self, release: Release) -> None:
        self.error: BaseException | None = None
        self._release = release
        self.item = attach_rubrics(release)
        self._child: subprocess.Popen | None = None
        self._sent: threading.Thread | None = None
        self._ahead_told = False
        self._rows: list[RubricRow] | None = None  # the rows, when they were read here rather than in the process
        if self.item is not None:
            with contextlib.suppress(OSError):
                self._child = subprocess.Popen(
                    [sys.executable, "-m", "core.rubrics.reader"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    cwd=ROOT,
                )
                self._send(self._release)

    def close(self) -> None:
        """Stop the reading process if it still runs (a build that ended before it asked for the tables)."""
        if self._child is None:
            return
        if self._child.poll() is None:
            self._child.kill()
            self._child.wait()
        if self._sent is not None:
            self._sent.join()
        for pipe in (self._child.stdin, self._child.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def _send(self, message: object, last: bool = False) -> None:
        """Send a message from a thread, after the ones before it: the process reads each only when it needs it."""
        assert self._child is not None and self._child.stdin is not None
        pipe, before = self._child.stdin, self._sent

        def send() -> None:
            if before is not None:
                before.join()
            with contextlib.suppress(OSError, ValueError):  # a process that died early: its work is then done here
                pickle.dump(message, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                pipe.flush()
                if last:
                    pipe.close()

        self._sent = threading.Thread(target=send, name="rubric-send", daemon=True)
        self._sent.start()

    def load_ahead(self, release: Release) -> None:
        """Have the process load the opened release's later files into the `datasets` cache before its own read, so
        that the build's `load_dataset` of each finds it there (issue 17). Told once; `source.load_ahead` leaves a
        hub release alone."""
        if self._ahead_told:
            return
        self._ahead_told = True
        if self._child is not None:
            self._send((release, LOAD_AHEAD))

    def _answer(self) -> Any:
        """The process's next answer, or None when it gave none (it died: nothing it did counts)."""
        if self._child is None:
            return None
        assert self._child.stdout is not None
        try:
            return pickle.load(self._child.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            self.close()
            self._child = None
            return None

    def read(self, report: Report) -> None:
        """Wait until the file is read and validated and add its counts to `report`; raise what the read raised."""
        self.load_ahead(self._release)  # the process waits to be told, even when there is nothing to load
        try:
            outcome = self._answer()
            if outcome is None:
                own = Report()
                self._rows = read_rows(self._release, self.item, own)
                report.merge(own)
                return
            if isinstance(outcome, BaseException):
                raise outcome
            read_report, item = outcome
            vars(self.item).update(vars(item))  # how the process read the file: loader, notice, local path
            report.merge(read_report)
        except BaseException as exc:  # the builder tells a rubric failure from a write failure by identity
            self.error = exc
            raise

    def join(self, tables: dict[str, dict[str, list]]) -> None:
        """Hand the process what the join needs, at once: it joins and makes the stored tables as soon as its read is
        done, while the build goes on. Its outcome is taken by `tables`, after `read`."""
        self._inputs = join_inputs(tables)
        if self._child is not None:
            self.load_ahead(self._release)
            self._send(self._inputs, last=True)

    def tables(self, report: Report) -> dict[str, pa.Table]:
        """The stored rubric tables (name -> Arrow table); the join's outcomes and unknown annotators go in `report`."""
        try:
            outcome = self._answer()
            if outcome is not None:
                if isinstance(outcome, BaseException):
                    raise outcome
                joined, tables = outcome
                report.merge(joined)
                return tables
            if self._rows is None:  # the process died after its read had been counted: read again, uncounted
                self._rows = read_rows(self._release, self.item, Report())
            own = Report()
            out = stored_tables(join_rows(self.item, self._rows, self._inputs, own), self._inputs["annotators"])
            report.merge(own)
            return out
        except BaseException as exc:
            self.error = exc
            raise


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
