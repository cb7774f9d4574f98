"""The build's rubric stage: read and validate the rubric file, join it to the prompts, write the rubric tables
and their statistics. A source without the file gets the same tables, empty."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from core.config import RUBRIC_CONFIG, RUBRIC_FILE
from core.release.source import InputFile, Release, attach_rubrics, iter_records, ready_for_threads
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
    """The rubric file read and validated on a thread of its own, into its own Report, while the build reads,
    validates and stores the release.

    `load_dataset` parses in pyarrow, outside the GIL, so part of each read fits in the other's gaps (issue 17: the
    build's time over its reader floor, −7% at full scale; at 10x the validation holds the GIL and the gain is lost
    in the noise). The file is attached here, on the builder's thread, so `release.files` only changes before the
    thread starts; the thread then only reads.
    """

    def __init__(self, release: Release) -> None:
        self.error: BaseException | None = None
        self._item = attach_rubrics(release)
        if self._item is not None:
            ready_for_threads()
        self._report = Report()
        self._rows: list[RubricRow] = []
        self._thread = threading.Thread(target=self._run, args=(release,), name="rubric-read", daemon=True)
        self._thread.start()

    def _run(self, release: Release) -> None:
        try:
            self._rows = read_rows(release, self._item, self._report)
        except BaseException as exc:  # handed to the builder's thread by `result`, which raises it there
            self.error = exc

    def result(self, tables: dict[str, dict[str, list]], report: Report) -> Rubrics:
        """Wait for the read, add its counts to `report`, and join it to the prompts (or raise what it raised)."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        report.merge(self._report)
        rows, self._rows = self._rows, []  # the caller's Rubrics holds them now, and frees them after the write
        return join_rows(self._item, rows, tables, report)


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
