"""Ingest ranker run directories into the store: validate each run, bulk-insert the spec and ranker tables."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import config
from core.ranker import format as fmt
from core.rankings.grammar import format_ranking, parse_ranking, top_choice
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

MAX_EXAMPLES = 5
MAX_DETAIL = 200
TABLES = ("spec_sections", "ranker_runs", "ranker_rankings", "ranker_ranks", "section_relevance")

# check -> (severity, description); names carry a ranker_ prefix so they never clash with release checks.
CHECKS = {
    "ranker_manifest_invalid": (
        "rejected",
        "Run skipped: manifest.json missing, unreadable or not in the ca-ranker-run/1 format.",
    ),
    "ranker_duplicate_run": ("rejected", "Run skipped: another directory already supplied this run_id."),
    "ranker_results_missing": ("rejected", "Run skipped: rankings.jsonl is missing."),
    "ranker_malformed_line": ("rejected", "Line is not a JSON object."),
    "ranker_truncated_line": ("rejected", "Last line is half-written (no newline, not JSON): a crash mid-write."),
    "ranker_missing_field": ("rejected", "Line lacks one of prompt_id, ranking, relevance, rationale, usage, error."),
    "ranker_bad_prompt_id": ("rejected", "prompt_id is not a non-empty string."),
    "ranker_invalid_ranking": ("rejected", "Line without error whose ranking does not follow the release grammar."),
    "ranker_bad_relevance": ("flagged", "relevance is not an object; the ranking is kept without grades."),
    "ranker_invalid_grade": ("flagged", "Relevance grade that is not an integer 1-5; that grade is dropped."),
    "ranker_unknown_anchor": (
        "flagged",
        "Relevance grade for an anchor the run's spec version does not have; dropped.",
    ),
    "ranker_missing_relevance": ("flagged", "Successful line that grades only some of the spec's sections."),
    "ranker_duplicate_prompt": ("flagged", "A second successful line for the same prompt; the first one is kept."),
    "ranker_superseded_line": ("info", "Failed attempt followed by a later line for the same prompt (a resumed run)."),
    "ranker_prompt_not_in_store": ("flagged", "Prompt id not found in this store (kept; counted out of n_matched)."),
    "ranker_counts_mismatch": ("flagged", "manifest counts differ from the lines; the tables use the lines."),
    "ranker_spec_unknown": ("flagged", "Sections of the run's spec version are not available; anchors not checked."),
    "ranker_spec_checksum": ("flagged", "spec_sha256 differs from the pinned checksum of that spec version."),
    "ranker_run_ingested": ("info", "Run ingested (count = prompts with a line)."),
}


@dataclass
class _Report:
    counts: dict = field(default_factory=lambda: defaultdict(int))
    examples: dict = field(default_factory=lambda: defaultdict(list))

    def add(self, file: str, check: str, line: int | None, detail: str, count: int = 1) -> None:
        self.counts[file, check] += count
        if len(self.examples[file, check]) < MAX_EXAMPLES:
            self.examples[file, check].append({"line": line, "detail": detail[:MAX_DETAIL]})

    def rows(self) -> list[dict]:
        return [
            {
                "file": file,
                "check": check,
                "severity": CHECKS[check][0],
                "count": count,
                "description": CHECKS[check][1],
                "examples": json.dumps(self.examples[file, check], ensure_ascii=False),
            }
            for (file, check), count in self.counts.items()
        ]


@dataclass
class _Rows:
    """Column-wise rows per table, inserted in one go at the end."""

    tables: dict = field(default_factory=lambda: {name: defaultdict(list) for name in TABLES})

    def add(self, table: str, **values) -> None:
        for column, value in values.items():
            self.tables[table][column].append(value)

    def extend(self, table: str, **columns) -> None:
        """Many rows at once, column by column (a prompt's ranks and grades: one call, not one per row)."""
        for column, values in columns.items():
            self.tables[table][column].extend(values)


def find_run_dirs(root: Path = config.RANKERS_DIR) -> list[Path]:
    """Run directories under `root` (any folder holding a manifest.json or rankings.jsonl), sorted."""
    if not root.is_dir():
        return []
    markers = (fmt.MANIFEST_FILE, fmt.RESULTS_FILE)
    return sorted(p for p in root.iterdir() if p.is_dir() and any((p / name).exists() for name in markers))


def shipped_sections() -> list[dict]:
    """Sections of the default spec version from the shipped CSV (document order)."""
    with config.SECTIONS_CSV.open(encoding="utf-8", newline="") as handle:
        return [
            {
                "anchor": r["anchor"],
                "title": r["title"],
                "level": int(r["level"]),
                "parent": r["parent"] or None,
                "chapter": r["chapter"],
                "position": position,
            }
            for position, r in enumerate(csv.DictReader(handle))
        ]


def _sections_for(version: str) -> list[dict] | None:
    """Sections of a spec version: shipped for the default, else from the local cache only (a build never downloads)."""
    if version == config.SPEC_DEFAULT_VERSION:
        return shipped_sections()
    from core.ranker.spec import SpecError, fetch_pinned, parse_sections

    def offline(url: str) -> bytes:
        raise OSError("not cached (the build does not download)")

    try:
        text = fetch_pinned(version, download=offline).decode("utf-8")
    except SpecError:
        return None
    return [
        {
            "anchor": s.anchor,
            "title": s.title,
            "level": s.level,
            "parent": s.parent,
            "chapter": s.chapter,
            "position": s.position,
        }
        for s in parse_sections(text)
    ]


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _grades(record: dict, anchors: set[str] | None, file: str, line: int, report: _Report) -> dict[str, int]:
    relevance = record["relevance"]
    if not isinstance(relevance, dict):
        report.add(file, "ranker_bad_relevance", line, f"relevance is {type(relevance).__name__}")
        return {}
    if (
        anchors is not None
        and relevance.keys() <= anchors
        and all(grade.__class__ is int and 1 <= grade <= 5 for grade in relevance.values())
    ):
        grades = dict(relevance)  # the usual line: every grade valid, so _checked_grades would keep them all
    else:
        grades = _checked_grades(relevance, anchors, file, line, report)
    if anchors is not None and record["error"] is None and len(grades) < len(anchors):
        report.add(
            file, "ranker_missing_relevance", line, f"{len(anchors) - len(grades)} of {len(anchors)} sections ungraded"
        )
    return grades


def _checked_grades(relevance: dict, anchors: set[str] | None, file: str, line: int, report: _Report) -> dict[str, int]:
    grades: dict[str, int] = {}
    for anchor, grade in relevance.items():
        if anchors is not None and anchor not in anchors:
            report.add(file, "ranker_unknown_anchor", line, f"{anchor!r}")
        elif _int_or_none(grade) is None or not 1 <= grade <= 5:
            report.add(file, "ranker_invalid_grade", line, f"{anchor}: {grade!r}")
        else:
            grades[anchor] = grade
    return grades


def _accepted_lines(path: Path, file: str, report: _Report) -> list[tuple[int, dict]]:
    """Lines that pass the line-level checks, with their line numbers."""
    accepted = []
    for line in fmt.read_lines(path):
        record = line.record
        if record is None:
            check = "ranker_malformed_line" if line.complete else "ranker_truncated_line"
            report.add(file, check, line.number, line.problem or "")
            continue
        missing = [key for key in fmt.RESULT_KEYS if key not in record]
        if missing:
            report.add(file, "ranker_missing_field", line.number, f"lacks {missing}")
            continue
        if not isinstance(record["prompt_id"], str) or not record["prompt_id"]:
            report.add(file, "ranker_bad_prompt_id", line.number, repr(record["prompt_id"])[:80])
            continue
        if record["error"] is None and not fmt.is_ok(record):
            report.add(file, "ranker_invalid_ranking", line.number, repr(record["ranking"])[:80])
            continue
        accepted.append((line.number, record))
    return accepted


def _choose(lines: list[tuple[int, dict]], file: str, report: _Report) -> dict[str, tuple[int, dict]]:
    """One line per prompt: its first successful line, else its last line (failed attempts before a resume)."""
    chosen: dict[str, tuple[int, dict]] = {}
    for number, record in lines:
        prompt_id = record["prompt_id"]
        previous = chosen.get(prompt_id)
        if previous is None:
            chosen[prompt_id] = (number, record)
        elif previous[1]["error"] is None:
            if record["error"] is None:
                report.add(file, "ranker_duplicate_prompt", number, f"{prompt_id} already ranked on line {previous[0]}")
            else:
                report.add(
                    file, "ranker_superseded_line", number, f"{prompt_id}: failure after success on line {previous[0]}"
                )
        else:
            report.add(file, "ranker_superseded_line", previous[0], f"{prompt_id}: retried on line {number}")
            chosen[prompt_id] = (number, record)
    return chosen


def _ingest_run(run_dir: Path, state: dict, rows: _Rows, report: _Report) -> None:
    label = f"rankers/{run_dir.name}"
    manifest_file, results_file = f"{label}/{fmt.MANIFEST_FILE}", f"{label}/{fmt.RESULTS_FILE}"
    try:
        manifest = fmt.read_manifest(run_dir)
    except ValueError as exc:
        report.add(manifest_file, "ranker_manifest_invalid", None, str(exc))
        return
    run_id = manifest["run_id"]
    if run_id in state["run_ids"]:
        report.add(manifest_file, "ranker_duplicate_run", None, f"run_id {run_id!r} already ingested")
        return
    results_path = run_dir / fmt.RESULTS_FILE
    if not results_path.is_file():
        report.add(results_file, "ranker_results_missing", None, f"{results_path} not found")
        return
    state["run_ids"].add(run_id)

    version = str(manifest["spec_version"])
    if version not in state["sections"]:
        state["sections"][version] = _sections_for(version)
        for section in state["sections"][version] or []:
            rows.add("spec_sections", spec_version=version, **section)
    sections = state["sections"][version]
    anchors = {s["anchor"] for s in sections} if sections is not None else None
    if anchors is None:
        report.add(manifest_file, "ranker_spec_unknown", None, f"spec_version {version!r}")
    pin = config.SPEC_VERSIONS.get(version)
    if pin and manifest["spec_sha256"] != pin["sha256"]:
        report.add(manifest_file, "ranker_spec_checksum", None, f"{manifest['spec_sha256']!r} != {pin['sha256']}")

    chosen = _choose(_accepted_lines(results_path, results_file, report), results_file, report)
    n_ok = n_matched = 0
    for prompt_id, (number, record) in chosen.items():
        ok = record["error"] is None
        n_ok += ok
        if prompt_id in state["prompt_ids"]:
            n_matched += 1
        else:
            report.add(results_file, "ranker_prompt_not_in_store", number, prompt_id)
        ranks = parse_ranking(record["ranking"]) if ok else None
        usage = record["usage"] if isinstance(record["usage"], dict) else {}
        rows.add(
            "ranker_rankings",
            run_id=run_id,
            prompt_id=prompt_id,
            ranking=format_ranking(ranks) if ranks else None,
            top=top_choice(ranks) if ranks else None,
            rationale=record["rationale"] if isinstance(record["rationale"], str) else None,
            prompt_tokens=_int_or_none(usage.get("prompt_tokens")),
            completion_tokens=_int_or_none(usage.get("completion_tokens")),
            error=None if ok else str(record["error"]),
        )
        if ranks:
            letters = sorted(ranks)
            rows.extend(
                "ranker_ranks",
                run_id=[run_id] * len(letters),
                prompt_id=[prompt_id] * len(letters),
                letter=letters,
                rank=[ranks[letter] for letter in letters],
            )
        # A failed line's relevance is not trusted: the reply that carried it was rejected.
        grades = _grades(record, anchors, results_file, number, report) if ok else {}
        if grades:
            rows.extend(
                "section_relevance",
                run_id=[run_id] * len(grades),
                prompt_id=[prompt_id] * len(grades),
                anchor=list(grades),
                grade=list(grades.values()),
            )

    n_prompts = len(chosen)
    stated = manifest["counts"]
    if (stated.get("ok"), stated.get("failed")) != (n_ok, n_prompts - n_ok):
        report.add(
            manifest_file,
            "ranker_counts_mismatch",
            None,
            f"manifest says ok={stated.get('ok')} failed={stated.get('failed')}; "
            f"lines give ok={n_ok} failed={n_prompts - n_ok}",
        )
    dataset = manifest["dataset"]
    rows.add(
        "ranker_runs",
        run_id=run_id,
        ranker_name=_str(manifest["ranker_name"]),
        model=_str(manifest["model"]),
        base_url_host=_str(manifest["base_url_host"]),
        spec_version=version,
        spec_sha256=_str(manifest["spec_sha256"]),
        template_version=_str(manifest["template_version"]),
        created_at=_str(manifest["created_at"]),
        synthetic=manifest["synthetic"] is True,
        parameters=json.dumps(manifest["parameters"], sort_keys=True),
        n_prompts=n_prompts,
        n_ok=n_ok,
        n_failed=n_prompts - n_ok,
        n_matched=n_matched,
        dataset_source=_str(dataset["source"]),
        dataset_revision=_str(dataset.get("revision")),
        dataset_resolved_commit=_str(dataset.get("resolved_commit")),
    )
    report.add(results_file, "ranker_run_ingested", None, f"{run_id}: {n_ok} ok, {n_prompts - n_ok} failed", n_prompts)


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _insert(con, table: str, columns: dict) -> None:
    import pyarrow as pa

    if not columns or not next(iter(columns.values())):
        return
    con.register("ranker_new_rows", pa.table(dict(columns)))
    try:
        con.execute(query(f"ranker_insert_{table}"))
    finally:
        con.unregister("ranker_new_rows")


def ingest_runs(con, run_dirs: list[Path]) -> list[dict]:
    """(Re)create the spec and ranker tables on a write connection, load the runs, return build_report rows.

    Needs the release `prompts` table (to count matched prompt ids). A broken run is skipped with a report row;
    nothing here raises on bad run content. `examples` in the rows is a JSON string, as in build_report.
    """
    report = _Report()
    rows = _Rows()
    con.execute(query("ranker_create_tables"))
    state: dict[str, Any] = {
        "run_ids": set(),
        "prompt_ids": {r[0] for r in con.execute(query("ranker_prompt_ids")).fetchall()},
        "sections": {config.SPEC_DEFAULT_VERSION: shipped_sections()},
    }
    for section in state["sections"][config.SPEC_DEFAULT_VERSION]:
        rows.add("spec_sections", spec_version=config.SPEC_DEFAULT_VERSION, **section)
    for run_dir in run_dirs:
        _ingest_run(Path(run_dir), state, rows, report)
    for table in TABLES:
        _insert(con, table, rows.tables[table])
    return report.rows()
