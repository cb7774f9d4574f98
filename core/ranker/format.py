"""The shared on-disk format of a ranker run (`manifest.json` + `rankings.jsonl`): constants, reading, writing."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from core import jsonline

RUN_FORMAT = "ca-ranker-run/1"
MANIFEST_FILE = "manifest.json"
RESULTS_FILE = "rankings.jsonl"
MANIFEST_KEYS = (
    "format",
    "run_id",
    "ranker_name",
    "model",
    "base_url_host",
    "spec_version",
    "spec_sha256",
    "template_version",
    "created_at",
    "synthetic",
    "dataset",
    "parameters",
    "counts",
)
COUNT_KEYS = ("prompts", "ok", "failed")
RESULT_KEYS = ("prompt_id", "ranking", "relevance", "rationale", "usage", "error")


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line number in rankings.jsonl
    record: dict | None  # None when the line is not a JSON object
    problem: str | None  # why `record` is None
    complete: bool  # False for a last line without its newline (a crash mid-write)


def read_lines(path: Path) -> list[Line]:
    """Every non-blank line of a results file, parsed where possible; never raises on bad content."""
    data = path.read_bytes()
    lines: list[Line] = []
    chunks = data.split(b"\n")
    for index, chunk in enumerate(chunks):
        if not chunk.strip():
            continue
        complete = index < len(chunks) - 1
        try:
            record = jsonline.loads(chunk, at_file_start=index == 0)
        except jsonline.LineError as exc:
            lines.append(Line(index + 1, None, f"{exc.code}: {exc.detail}", complete))
            continue
        if not isinstance(record, dict):
            lines.append(Line(index + 1, None, f"a JSON {type(record).__name__}, not an object", complete))
            continue
        lines.append(Line(index + 1, record, None, complete))
    return lines


def is_ok(record: dict) -> bool:
    """A result that counts as done: no error and a ranking in the release grammar."""
    from core.rankings.grammar import RankingError, parse_ranking

    if record.get("error") is not None:
        return False
    try:
        parse_ranking(record.get("ranking"))
    except RankingError:
        return False
    return True


def result_line(record: dict) -> bytes:
    """One JSONL line, keys in the shared order; ensure_ascii keeps it a single physical line whatever the text."""
    return (json.dumps({key: record[key] for key in RESULT_KEYS}) + "\n").encode("utf-8")


def append_line(fd: int, line: bytes) -> None:
    """Append with a single write on an O_APPEND descriptor (looping only if the OS writes short)."""
    view = memoryview(line)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_manifest(run_dir: Path, manifest: dict) -> None:
    """Replace manifest.json atomically, so a crash leaves the old or the new one, never half of each."""
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise ValueError(f"manifest lacks {missing}")
    temporary = run_dir / (MANIFEST_FILE + ".tmp")
    temporary.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    temporary.replace(run_dir / MANIFEST_FILE)


def read_manifest(run_dir: Path) -> dict:
    """The run's manifest; raises ValueError naming what is wrong with it."""
    path = run_dir / MANIFEST_FILE
    try:
        manifest = jsonline.loads(path.read_bytes(), at_file_start=True)
    except FileNotFoundError:
        raise ValueError(f"{path} is missing") from None
    except jsonline.LineError as exc:
        raise ValueError(f"{path} is not usable JSON ({exc.code}: {exc.detail})") from None
    if not isinstance(manifest, dict):
        raise ValueError(f"{path} is not a JSON object")
    if manifest.get("format") != RUN_FORMAT:
        raise ValueError(f"{path}: format is {manifest.get('format')!r}, expected {RUN_FORMAT!r}")
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise ValueError(f"{path} lacks keys {missing}")
    if not isinstance(manifest["run_id"], str) or not manifest["run_id"]:
        raise ValueError(f"{path}: run_id must be a non-empty string")
    # dataset.revision / resolved_commit may be absent (a synthetic run has neither): they read as null.
    for key, keys in (("dataset", ("source",)), ("counts", COUNT_KEYS)):
        if not isinstance(manifest[key], dict) or any(k not in manifest[key] for k in keys):
            raise ValueError(f"{path}: {key} must be an object with {list(keys)}")
    if not isinstance(manifest["parameters"], dict):
        raise ValueError(f"{path}: parameters must be an object")
    return manifest
