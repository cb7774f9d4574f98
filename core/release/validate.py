"""Check every record of the release, normalise it into table columns, and reconcile the three files."""

from __future__ import annotations

import contextlib
import gc
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from core import jsonline
from core.config import LETTERS
from core.rankings.grammar import RankingError, parse_ranking, top_choice
from core.release import vocab
from core.release.source import Record, Release, iter_records, setting_held

COMPARISONS, ANNOTATORS, MERGED = "comparisons.jsonl", "annotators.jsonl", "merged_comparisons_annotators.jsonl"
MAX_EXAMPLES = 5
MAX_DETAIL = 200

# code -> (severity, plain description). `rejected` drops the record (row or assessment), `flagged` keeps it
# and counts it, `info` only describes the data. docs/data-model.md ("Validation") mirrors this table.
CHECKS: dict[str, tuple[str, str]] = {
    **{code: ("rejected", text) for code, text in jsonline.CODES.items()},
    "not_an_object": ("rejected", "The line is JSON but not an object."),
    "missing_key": ("rejected", "A required key is missing or null."),
    "wrong_type": ("rejected", "A required key has the wrong type (e.g. a number where text is expected)."),
    "duplicate_prompt_id": ("rejected", "The prompt_id already appeared on an earlier line; the first one is kept."),
    "duplicate_annotator_id": ("rejected", "The annotator_id already appeared on an earlier line; the first is kept."),
    "empty_conversation": ("rejected", "The prompt has no messages."),
    "responses_not_a_to_d": ("rejected", "The prompt does not have exactly four responses lettered A, B, C and D."),
    "missing_world_ranking": ("rejected", "The world block is empty, so the assessment has no ranking."),
    "unacceptable_no_letter": ("rejected", "An entry of the unacceptable rating does not start with a letter A-D."),
    "unknown_role": ("flagged", "A message role is not developer, user or assistant; the message is kept."),
    "extra_block_entries": ("flagged", "A ranking block holds more than one entry; the first is used."),
    "unacceptable_odd_wording": ("flagged", "An unacceptable rating entry does not contain the word 'unacceptable'."),
    "unacceptable_repeated_letter": ("flagged", "A letter is flagged unacceptable twice in one assessment."),
    "unknown_importance": ("flagged", "Importance label outside the known vocabulary (kept as written, NFKC)."),
    "unknown_subjectivity": ("flagged", "Subjectivity label outside the known vocabulary (kept as written, NFKC)."),
    "unknown_representativeness": (
        "flagged",
        "Representativeness label outside the known vocabulary (kept as written, NFKC).",
    ),
    "conversation_id_mismatch": ("flagged", "An assessment's conversation_id differs from the prompt it sits under."),
    "annotator_id_mismatch": ("flagged", "An assessment's annotator_id differs from the annotator row holding it."),
    "duplicate_pair": ("flagged", "The (prompt, annotator) pair occurs more than once; all are kept and marked."),
    "unknown_annotator": ("flagged", "The assessment's annotator is not in annotators.jsonl (demographics unknown)."),
    "missing_demographic": ("flagged", "A demographic field is missing or not text; stored as NULL."),
    "unknown_demographic_label": ("flagged", "A demographic label outside the known vocabulary (kept as written)."),
    "unknown_country": ("flagged", "Country of residence not recognised; participant kept with country NULL."),
    "annotator_only_assessment": (
        "flagged",
        "Assessment present only in annotators.jsonl; stored in annotator_only_assessments, not merged.",
    ),
    "missing_from_annotators": ("flagged", "Canonical assessment (comparisons.jsonl) absent from annotators.jsonl."),
    "annotators_assessment_mismatch": (
        "flagged",
        "The annotators.jsonl copy of an assessment differs from comparisons.jsonl (canonical kept).",
    ),
    "assessment_count_mismatch": ("flagged", "Assessment count differs from comparisons.jsonl."),
    "merged_not_in_comparisons": ("flagged", "Merged row with no matching assessment in comparisons.jsonl."),
    "missing_from_merged": ("flagged", "Canonical assessment with no row in the merged file."),
    "merged_assessment_mismatch": (
        "flagged",
        "Merged row differs from its comparisons.jsonl assessment (canonical kept).",
    ),
    "merged_demographics_mismatch": ("flagged", "Merged row's demographics differ from annotators.jsonl."),
    "merged_features_mismatch": (
        "flagged",
        "num_candidates, turns_user or turns_assistant disagree with the prompt in comparisons.jsonl.",
    ),
    "blank_lines": ("info", "Blank lines, skipped (not counted as input rows)."),
    "utf8_bom": ("info", "The file starts with a UTF-8 byte-order mark; it is skipped on every reader path."),
    "loader_fallback": ("info", "load_dataset refused the file, so every line was read with json.loads instead."),
    "label_nfkc_normalised": ("info", "Labels changed by NFKC normalisation (Unicode bold letters made plain)."),
    "country_label_variant": ("info", "Country written in a variant form (e.g. 'UK') and mapped to its ISO code."),
    "unexpected_key": ("info", "Rows holding a value (not null) under a key not in the documented format; ignored."),
    "anchor_prompt": ("info", "The prompt seen by more than half of all participants."),
    "content_notice": ("info", "Prompts whose text matches the content-notice word list (responses hidden)."),
}
RANKING_REASONS = {
    "ranking_not_string": "the ranking is not text",
    "ranking_empty": "the ranking is empty",
    "ranking_syntax": "the ranking has an empty place (e.g. 'A>>B')",
    "ranking_bad_letter": "the ranking names something other than A-D",
    "ranking_repeated_letter": "the ranking names a letter twice",
    "ranking_missing_letter": "the ranking leaves out a letter",
}
for _reason, _text in RANKING_REASONS.items():
    CHECKS[f"invalid_ranking.{_reason.removeprefix('ranking_')}"] = ("rejected", f"Invalid ranking string: {_text}.")

EXPECTED_KEYS = {
    COMPARISONS: {"prompt_id", "prompt", "responses", "metadata"},
    ANNOTATORS: {"annotator_id", "demographics", "assessments"},
    MERGED: {
        "prompt_id",
        "annotator_id",
        "demographics",
        "ranking_blocks",
        "importance",
        "representativeness",
        "subjectivity",
        "num_candidates",
        "turns_user",
        "turns_assistant",
        "assistant_turn_share",
    },
}
RATING_LETTER = re.compile(r"([A-D])\b")


class Reject(Exception):
    """Raised inside a record check: the record is dropped and counted under `code`."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass
class Report:
    """Counts and first examples per (file, check), and accepted/rejected counts per (file, unit)."""

    counts: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=lambda: defaultdict(list))
    units: dict = field(default_factory=dict)
    foreign: dict = field(default_factory=dict)  # check -> (severity, description) of rows added by extend()

    def add(self, file: str, check: str, line: int | None, detail: str, count: int = 1) -> None:
        self.counts[file, check] += count
        found = self.examples[file, check]
        if len(found) < MAX_EXAMPLES:
            found.append({"line": line, "detail": detail[:MAX_DETAIL]})

    def tally(self, file: str, unit: str, accepted: bool) -> None:
        self.tally_many(file, unit, int(accepted), int(not accepted))

    def tally_many(self, file: str, unit: str, accepted: int, rejected: int) -> None:
        """Add `accepted` + `rejected` units at once (e.g. the scores of one rubric item)."""
        row = self.units.get((file, unit))
        if row is None:
            row = self.units[file, unit] = {"input_rows": 0, "accepted": 0, "rejected": 0}
        row["input_rows"] += accepted + rejected
        row["accepted"] += accepted
        row["rejected"] += rejected

    def extend(self, rows: Iterable[dict]) -> None:
        """Add rows produced elsewhere (e.g. ranker ingestion) in the build_report row format."""
        for row in rows:
            examples = row.get("examples") or []
            if isinstance(examples, str):
                examples = json.loads(examples)
            self.foreign.setdefault(row["check"], (row["severity"], row["description"]))
            self.counts[row["file"], row["check"]] += int(row["count"])
            self.examples[row["file"], row["check"]].extend(examples[:MAX_EXAMPLES])

    def merge(self, other: Report) -> None:
        """Add another report's counts, first examples and tallies (one filled on another thread)."""
        for key, count in other.counts.items():
            self.counts[key] += count
            found = self.examples[key]
            found.extend(other.examples[key][: MAX_EXAMPLES - len(found)])
        for (file, unit), row in other.units.items():
            self.tally_many(file, unit, row["accepted"], row["rejected"])
        for check, meta in other.foreign.items():
            self.foreign.setdefault(check, meta)

    def rows(self) -> list[dict]:
        out = []
        for (file, check), count in self.counts.items():
            severity, description = CHECKS.get(check) or self.foreign[check]
            out.append(
                {
                    "file": file,
                    "check": check,
                    "severity": severity,
                    "count": count,
                    "description": description,
                    "examples": json.dumps(self.examples[file, check][:MAX_EXAMPLES], ensure_ascii=False),
                }
            )
        order = {"rejected": 0, "flagged": 1, "info": 2}
        return sorted(out, key=lambda r: (r["file"], order.get(r["severity"], 3), r["check"]))


# ---------------------------------------------------------------- field helpers


def _get(obj: dict, key: str, kind: type, where: str):
    value = obj.get(key)
    if value.__class__ is kind:  # the usual case, decided without the isinstance/bool checks below
        return value
    if value is None:
        raise Reject("missing_key", f"{where}{key} is missing")
    if not isinstance(value, kind) or isinstance(value, bool):
        raise Reject("wrong_type", f"{where}{key} is {type(value).__name__}")
    return value


@cache
def _parse_cached(text: str) -> tuple[dict[str, int], str | None] | RankingError:
    # The release has under 200 distinct ranking strings, so parsing each once saves most of the work.
    # The returned dict is shared between assessments: read it, never change it.
    try:
        ranks = parse_ranking(text)
    except RankingError as exc:
        return exc
    return ranks, top_choice(ranks)


def _ranks(block: dict, where: str) -> tuple[str, dict[str, int], str | None]:
    """(text as released, letter -> rank, single first choice or None); Reject on an invalid ranking."""
    text = block.get("ranking")
    parsed = _parse_cached(text) if isinstance(text, str) else None
    if parsed.__class__ is not tuple:
        try:
            parse_ranking(text)
        except RankingError as exc:
            raise Reject(f"invalid_ranking.{exc.reason.removeprefix('ranking_')}", f"{where}: {exc}") from exc
    assert isinstance(text, str) and isinstance(parsed, tuple)  # a valid ranking parsed above, or Reject
    return text, parsed[0], parsed[1]


@cache
def _label(name: str, raw: str) -> tuple[str, bool, bool]:
    """(NFKC label, changed by NFKC, in the known vocabulary) for an assessment label."""
    label = vocab.nfkc(raw)
    return label, label != raw, label in vocab.ASSESSMENT_LABELS[name]


@cache
def _rating_entry(entry: str) -> tuple[str | None, bool]:
    """(flagged letter or None, wording contains 'unacceptable') for an entry like 'C is unacceptable'."""
    text = vocab.nfkc(entry)
    match = RATING_LETTER.match(text)
    return (match.group(1) if match else None), "unacceptable" in text.casefold()


def _optional_text(value: object, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise Reject("wrong_type", f"{where} is {type(value).__name__}")


def _first_entry(blocks: dict, name: str, flags: list) -> dict | None:
    """The block's first entry, None when the block is `[]` (not asked)."""
    entries = blocks.get(name)
    if entries.__class__ is list and len(entries) == 1 and entries[0].__class__ is dict:
        return entries[0]  # the usual case; the checks below give the same answer for it
    if entries is None:
        raise Reject("missing_key", f"ranking_blocks.{name} is missing")
    if not isinstance(entries, list):
        raise Reject("wrong_type", f"ranking_blocks.{name} is {type(entries).__name__}")
    if not entries:
        return None
    if len(entries) > 1:
        flags.append(("extra_block_entries", f"{name} holds {len(entries)} entries"))
    if not isinstance(entries[0], dict):
        raise Reject("wrong_type", f"ranking_blocks.{name}[0] is {type(entries[0]).__name__}")
    return entries[0]


def parse_assessment(obj: object) -> tuple[dict, list[tuple[str, str]]]:
    """Normalised columns of one assessment object and its flags; raises Reject when it cannot be used."""
    if not isinstance(obj, dict):
        raise Reject("wrong_type", f"assessment is {type(obj).__name__}")
    flags: list[tuple[str, str]] = []
    annotator_id = _get(obj, "annotator_id", str, "")
    blocks = _get(obj, "ranking_blocks", dict, "")
    world = _first_entry(blocks, "world", flags)
    if world is None:
        raise Reject("missing_world_ranking", "ranking_blocks.world is []")
    world_text, world_ranks, world_top = _ranks(world, "world")
    personal = _first_entry(blocks, "personal", flags)
    personal_text, personal_ranks, personal_top = (
        _ranks(personal, "personal") if personal is not None else (None, None, None)
    )
    unacceptable = _first_entry(blocks, "unacceptable", flags)
    letters = None
    if unacceptable is not None:
        rating = unacceptable.get("rating")
        if rating is None:
            raise Reject("missing_key", "unacceptable[0].rating is missing")
        if not isinstance(rating, list):
            raise Reject("wrong_type", f"unacceptable[0].rating is {type(rating).__name__}")
        found = []
        for entry in rating:
            if not isinstance(entry, str):
                raise Reject("wrong_type", f"unacceptable rating entry is {type(entry).__name__}")
            letter, worded = _rating_entry(entry)
            if letter is None:
                raise Reject("unacceptable_no_letter", f"rating entry {entry!r} names no letter A-D")
            if not worded:
                flags.append(("unacceptable_odd_wording", f"rating entry {entry!r}"))
            if letter in found:
                flags.append(("unacceptable_repeated_letter", f"{letter} flagged twice"))
            else:
                found.append(letter)
        letters = "".join(sorted(found))
    labels = {}
    for name in vocab.ASSESSMENT_LABELS:
        raw = _get(obj, name, str, "")
        label, changed, known = _label(name, raw)
        if changed:
            flags.append(("label_nfkc_normalised", f"{name}: {raw!r}"))
        if not known:
            flags.append((f"unknown_{name}", f"{name}: {label!r}"))
        labels[name] = label
    columns = {
        "annotator_id": annotator_id,
        "conversation_id": _optional_text(obj.get("conversation_id"), "conversation_id"),
        "world_ranking": world_text,
        "world_rationale": _optional_text(world.get("rationale"), "world rationale"),
        "personal_ranking": personal_text,
        "personal_rationale": _optional_text(personal.get("rationale"), "personal rationale") if personal else None,
        "unacceptable_asked": unacceptable is not None,
        "unacceptable_letters": letters,
        "unacceptable_rationale": (
            _optional_text(unacceptable.get("rationale"), "unacceptable rationale") if unacceptable else None
        ),
        **labels,
        "world_top": world_top,
        "personal_top": personal_top,
        "_world_ranks": world_ranks,
        "_personal_ranks": personal_ranks,
    }
    return columns, flags


RAW_FIELDS = ("annotator_id", "ranking_blocks", "importance", "subjectivity", "representativeness")


def _copy_of(obj: object, candidates: list[dict]) -> dict | None:
    """The canonical assessment that `obj` repeats field for field (RAW_FIELDS), or None.

    annotators.jsonl and the merged file mostly copy comparisons.jsonl; comparing the raw objects is far
    cheaper than parsing them again, and an identical object has identical columns and flags.
    """
    if not candidates or not isinstance(obj, dict):
        return None
    conversation_id = obj.get("conversation_id")
    if conversation_id is not None and not isinstance(conversation_id, str):
        return None
    annotator_id, blocks, importance, subjectivity, representativeness = map(obj.get, RAW_FIELDS)
    for candidate in candidates:
        raw = candidate["_raw"]
        if (
            annotator_id == raw.get("annotator_id")
            and blocks == raw.get("ranking_blocks")
            and importance == raw.get("importance")
            and subjectivity == raw.get("subjectivity")
            and representativeness == raw.get("representativeness")
        ):
            return candidate
    return None


def _parse_copy(obj: object, candidates: list[dict]) -> tuple[dict, list[tuple[str, str]]]:
    """parse_assessment, short-cut (a fresh dict, flags shared read-only) when `obj` is a canonical copy."""
    candidate = _copy_of(obj, candidates)
    if candidate is None:
        return parse_assessment(obj)
    # A copy was found, so `obj` is a dict.
    return {**candidate, "conversation_id": obj.get("conversation_id")}, candidate["_flags"]  # type: ignore[attr-defined]


def _candidates(canon_pairs: dict, obj: object, key: str, other: str, reverse: bool = False) -> list[dict]:
    """Canonical assessments of the pair named by obj[key] and `other` (hostile values simply find none)."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, str):
        return []
    return canon_pairs.get((other, value) if reverse else (value, other), [])


SAME_FIELDS = tuple(
    (name, name.strip("_").replace("_ranks", "_ranking"))
    for name in (
        "_world_ranks",
        "_personal_ranks",
        "unacceptable_letters",
        "importance",
        "subjectivity",
        "representativeness",
    )
)


def _same_assessment(a: dict, b: dict) -> list[str]:
    """Names of the fields on which two parsed assessments disagree (rankings compared as orders)."""
    return [label for name, label in SAME_FIELDS if a[name] != b[name]]


# ---------------------------------------------------------------- the three files


@dataclass
class Validated:
    """Column lists per store table and the report; `tables[name]` maps column -> list of values."""

    tables: dict[str, dict[str, list]]
    report: Report
    participants: int = 0


def _table(*columns: str) -> dict[str, list]:
    return {c: [] for c in columns}


def _append(table: dict[str, list], row: dict) -> None:
    for column, values in table.items():
        values.append(row.get(column))


def _extend(table: dict[str, list], **columns) -> None:
    """Several rows at once, given column by column; every column of the table must be given."""
    for column, values in table.items():
        values.extend(columns[column])


def _unexpected(row: dict, expected) -> list[str]:
    """Keys outside the documented format that hold a value in this row. pyarrow gives every row every key any
    row has (null where absent), so counting present keys would count every row once one row had the key."""
    return sorted(k for k in row.keys() - expected if row[k] is not None)


def _start_row(record: Record) -> dict:
    """The record as an object; Reject for malformed JSON or a non-object."""
    if record.error is not None:
        raise Reject(record.code, record.error)
    if not isinstance(record.value, dict):
        raise Reject("not_an_object", f"value is {type(record.value).__name__}")
    return record.value


def validate_release(
    comparisons: Iterable[Record],
    annotators: Iterable[Record],
    merged: Iterable[Record],
    blank_lines: dict[str, int] | None = None,
) -> Validated:
    """Validate and normalise the three files; comparisons.jsonl is canonical, the others are reconciled to it."""
    report = Report()
    for file, n in (blank_lines or {}).items():
        if n:
            report.add(file, "blank_lines", None, f"{n} blank lines", count=n)
    tables = {
        "prompts": _table(
            "prompt_id",
            "source_line",
            "n_turns",
            "turns_user",
            "turns_assistant",
            "first_user_text",
            "n_assessments",
            "n_participants",
            "is_anchor",
            "content_notice",
        ),
        "messages": _table("prompt_id", "turn", "role", "content"),
        "responses": _table("prompt_id", "letter", "content"),
        "annotators": _table(
            "annotator_id",
            "source_line",
            "age",
            "gender",
            "education_level",
            "country_of_residence",
            "country",
            "country_iso2",
            "generative_ai_usage",
            "ai_concern_level",
            "ideal_model_behavior",
            "n_assessments",
        ),
        "assessments": _table(
            "assessment_id",
            "source_line",
            "prompt_id",
            "annotator_id",
            "world_ranking",
            "world_rationale",
            "personal_ranking",
            "personal_rationale",
            "unacceptable_asked",
            "unacceptable_letters",
            "unacceptable_rationale",
            "importance",
            "subjectivity",
            "representativeness",
            "is_duplicate_pair",
            "world_top",
            "personal_top",
        ),
        "assessment_ranks": _table("assessment_id", "block", "letter", "rank"),
        "annotator_only_assessments": _table(
            "annotator_id",
            "conversation_id",
            "source_line",
            "world_ranking",
            "personal_ranking",
            "importance",
            "subjectivity",
            "representativeness",
            "reason",
        ),
    }
    canon, prompt_info = _comparisons(comparisons, report, tables)
    canon_pairs = _pairs(canon)
    demographics = _annotators(annotators, report, tables, canon, canon_pairs, prompt_info)
    _merged(merged, report, canon, canon_pairs, prompt_info, demographics)
    participants = _finish(report, tables, canon, prompt_info)
    return Validated(tables=tables, report=report, participants=participants)


@contextlib.contextmanager
def gc_paused():
    """Hold off the cyclic garbage collector, then run it once and restore it as it was.

    Reading and validating allocate millions of small acyclic objects (row dicts, lists) that stay alive
    until the end; the ~1,800 automatic collections this triggered re-walked them and took half the stage.
    Reference counting frees them all. At the end the survivors are moved to the oldest generation without
    being walked (freeze, then unfreeze: what a collection would do with them, less its 0.05 s at full scale,
    issue 17); the few cycles `datasets` leaves (about 900 objects) wait for the next full collection.
    The rubric file's reader (core.rubrics.reader) pauses its own process's collector the same way.
    """

    def pause() -> bool:
        enabled = gc.isenabled()
        gc.disable()
        return enabled

    def resume(enabled) -> None:
        if enabled:
            gc.enable()
            gc.freeze()
            gc.unfreeze()

    with setting_held("gc", pause, resume):
        yield


def validate_source(release: Release) -> Validated:
    """Read the release's three files (via core.source) and validate them; loader fallbacks are reported."""
    with gc_paused():
        validated = validate_release(
            iter_records(release, "comparisons"),
            iter_records(release, "annotators"),
            iter_records(release, "merged_comparison_annotators"),
            blank_lines={item.file: item.blank_lines for item in release.files.values()},
        )
    for item in release.files.values():
        if item.bom:
            validated.report.add(item.file, "utf8_bom", 1, "the file starts with EF BB BF")
        if item.loader_notice:
            validated.report.add(item.file, "loader_fallback", None, item.loader_notice)
    return validated


def _comparisons(records: Iterable[Record], report: Report, tables: dict) -> tuple[list[dict], dict]:
    """Prompts, messages, responses and canonical assessments; returns the assessments and per-prompt facts."""
    canon: list[dict] = []
    prompt_info: dict[str, dict] = {}
    for record in records:
        try:
            row = _start_row(record)
            prompt_id = _get(row, "prompt_id", str, "")
            if prompt_id in prompt_info:
                raise Reject(
                    "duplicate_prompt_id", f"prompt_id {prompt_id} first seen on line {prompt_info[prompt_id]['line']}"
                )
            prompt = _get(row, "prompt", dict, "")
            messages = _get(prompt, "messages", list, "prompt.")
            if not messages:
                raise Reject("empty_conversation", "prompt.messages is []")
            turns = []
            for i, message in enumerate(messages):
                where = f"prompt.messages[{i}]."
                if not isinstance(message, dict):
                    raise Reject("wrong_type", f"{where[:-1]} is {type(message).__name__}")
                turns.append((_get(message, "role", str, where), _get(message, "content", str, where)))
            responses = _get(row, "responses", list, "")
            texts = {}
            for i, response in enumerate(responses):
                where = f"responses[{i}]."
                if not isinstance(response, dict):
                    raise Reject("wrong_type", f"{where[:-1]} is {type(response).__name__}")
                letter = _get(response, "response_index", str, where)
                response_messages = _get(response, "messages", list, where)
                if not response_messages or not isinstance(response_messages[0], dict):
                    raise Reject("wrong_type", f"{where}messages has no message object")
                text = _get(response_messages[0], "content", str, f"{where}messages[0].")
                if letter in texts:
                    raise Reject("responses_not_a_to_d", f"letter {letter!r} appears twice")
                texts[letter] = text
            if sorted(texts) != list(LETTERS):
                raise Reject("responses_not_a_to_d", f"response letters are {sorted(texts)}")
            metadata = _get(row, "metadata", dict, "")
            assessments = _get(metadata, "assessments", list, "metadata.")
        except Reject as exc:
            report.tally(COMPARISONS, "rows", accepted=False)
            report.add(COMPARISONS, exc.code, record.line, exc.detail)
            continue
        report.tally(COMPARISONS, "rows", accepted=True)
        for key in _unexpected(row, EXPECTED_KEYS[COMPARISONS]):
            report.add(COMPARISONS, "unexpected_key", record.line, f"top-level key {key!r}")
        for role, _ in turns:
            if role not in vocab.MESSAGE_ROLES:
                report.add(COMPARISONS, "unknown_role", record.line, f"role {role!r}")
        turns_user = sum(role == "user" for role, _ in turns)
        turns_assistant = sum(role == "assistant" for role, _ in turns)
        prompt_info[prompt_id] = {
            "line": record.line,
            "turns_user": turns_user,
            "turns_assistant": turns_assistant,
            # What the merged file's feature columns should say for this prompt.
            "expected": {"num_candidates": len(LETTERS), "turns_user": turns_user, "turns_assistant": turns_assistant},
        }
        _append(
            tables["prompts"],
            {
                "prompt_id": prompt_id,
                "source_line": record.line,
                "n_turns": len(turns),
                "turns_user": turns_user,
                "turns_assistant": turns_assistant,
                "first_user_text": next((content for role, content in turns if role == "user"), None),
                "content_notice": vocab.needs_content_notice([c for _, c in turns] + list(texts.values())),
            },
        )
        _extend(
            tables["messages"],
            prompt_id=[prompt_id] * len(turns),
            turn=range(len(turns)),
            role=[role for role, _ in turns],
            content=[content for _, content in turns],
        )
        _extend(
            tables["responses"],
            prompt_id=[prompt_id] * len(LETTERS),
            letter=LETTERS,
            content=[texts[letter] for letter in LETTERS],
        )
        for k, obj in enumerate(assessments):
            try:
                columns, flags = parse_assessment(obj)
            except Reject as exc:
                report.tally(COMPARISONS, "assessments", accepted=False)
                report.add(COMPARISONS, exc.code, record.line, f"assessment {k}: {exc.detail}")
                continue
            report.tally(COMPARISONS, "assessments", accepted=True)
            for code, detail in flags:
                report.add(COMPARISONS, code, record.line, f"assessment {k}: {detail}")
            if columns["conversation_id"] not in (None, prompt_id):
                report.add(
                    COMPARISONS,
                    "conversation_id_mismatch",
                    record.line,
                    f"assessment {k}: conversation_id {columns['conversation_id']}",
                )
            columns.update(
                prompt_id=prompt_id, source_line=record.line, assessment_id=len(canon), _raw=obj, _flags=flags
            )
            canon.append(columns)
    return canon, prompt_info


def _demographics(raw: dict, line: int, report: Report) -> dict:
    """Demographic columns from the 7-key object: labels NFKC, unknowns flagged, country mapped to ISO."""
    out: dict[str, str | None] = {}
    for key, column in vocab.DEMOGRAPHIC_KEYS.items():
        value = raw.get(key)
        if not isinstance(value, str):
            report.add(
                ANNOTATORS,
                "missing_demographic",
                line,
                f"{key} is {'missing' if value is None else type(value).__name__}",
            )
            out[column] = None
            continue
        label = vocab.nfkc(value)
        known = vocab.DEMOGRAPHIC_LABELS.get(column)
        if known is not None and label not in known:
            report.add(ANNOTATORS, "unknown_demographic_label", line, f"{key}: {label!r}")
        out[column] = label if column != "ideal_model_behavior" else value
    for key in _unexpected(raw, vocab.DEMOGRAPHIC_KEYS):
        report.add(ANNOTATORS, "unexpected_key", line, f"demographics key {key!r}")
    country_label = out["country_of_residence"]
    codes = vocab.country_codes(country_label) if country_label else None
    if country_label and codes is None:
        report.add(ANNOTATORS, "unknown_country", line, f"country_of_residence {country_label!r}")
    elif codes is not None:
        import pycountry

        country = pycountry.countries.get(alpha_3=codes[0])
        if country is not None and country_label != country.name:
            report.add(ANNOTATORS, "country_label_variant", line, f"{country_label!r} -> {codes[0]}")
    out["country"], out["country_iso2"] = codes or (None, None)
    return out


def _pairs(assessments: list[dict]) -> dict[tuple[str, str], list[dict]]:
    by_pair: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for a in assessments:
        by_pair[a["prompt_id"], a["annotator_id"]].append(a)
    return by_pair


def _annotators(
    records: Iterable[Record], report: Report, tables: dict, canon: list[dict], canon_pairs: dict, prompt_info: dict
) -> dict[str, dict]:
    """Participants with demographics; their assessments are reconciled against the canonical ones."""
    seen: dict[str, dict] = {}
    copies: list[dict] = []
    for record in records:
        try:
            row = _start_row(record)
            annotator_id = _get(row, "annotator_id", str, "")
            if annotator_id in seen:
                raise Reject(
                    "duplicate_annotator_id",
                    f"annotator_id {annotator_id} first seen on line {seen[annotator_id]['line']}",
                )
            raw_demographics = _get(row, "demographics", dict, "")
            assessments = _get(row, "assessments", list, "")
        except Reject as exc:
            report.tally(ANNOTATORS, "rows", accepted=False)
            report.add(ANNOTATORS, exc.code, record.line, exc.detail)
            continue
        report.tally(ANNOTATORS, "rows", accepted=True)
        for key in _unexpected(row, EXPECTED_KEYS[ANNOTATORS]):
            report.add(ANNOTATORS, "unexpected_key", record.line, f"top-level key {key!r}")
        columns = _demographics(raw_demographics, record.line, report)
        seen[annotator_id] = {"line": record.line, "raw": raw_demographics, "n_listed": 0}
        _append(tables["annotators"], {"annotator_id": annotator_id, "source_line": record.line, **columns})
        for k, obj in enumerate(assessments):
            where = f"assessment {k}: "
            try:
                parsed, flags = _parse_copy(obj, _candidates(canon_pairs, obj, "conversation_id", annotator_id))
                if parsed["conversation_id"] is None:
                    raise Reject("missing_key", "conversation_id is missing")
            except Reject as exc:
                report.tally(ANNOTATORS, "assessments", accepted=False)
                report.add(ANNOTATORS, exc.code, record.line, f"{where}{exc.detail}")
                continue
            report.tally(ANNOTATORS, "assessments", accepted=True)
            for code, detail in flags:
                report.add(ANNOTATORS, code, record.line, f"{where}{detail}")
            if parsed["annotator_id"] != annotator_id:
                report.add(
                    ANNOTATORS, "annotator_id_mismatch", record.line, f"{where}annotator_id {parsed['annotator_id']}"
                )
            seen[annotator_id]["n_listed"] += 1
            parsed.update(prompt_id=parsed["conversation_id"], annotator_id=annotator_id, source_line=record.line)
            copies.append(parsed)
    _reconcile_annotators(report, tables, canon, canon_pairs, prompt_info, seen, copies)
    return seen


def _reconcile_annotators(
    report: Report,
    tables: dict,
    canon: list[dict],
    canon_pairs: dict,
    prompt_info: dict,
    seen: dict[str, dict],
    copies: list[dict],
) -> None:
    copy_pairs = _pairs(copies)
    for pair, listed in copy_pairs.items():
        originals = canon_pairs.get(pair, [])
        for i, copy in enumerate(listed):
            if i < len(originals):
                differs = _same_assessment(originals[i], copy)
                if differs:
                    report.add(
                        ANNOTATORS,
                        "annotators_assessment_mismatch",
                        copy["source_line"],
                        f"prompt {pair[0]}: {', '.join(differs)} differ (comparisons line "
                        f"{originals[i]['source_line']})",
                    )
                continue
            reason = "pair_not_in_comparisons" if pair[0] in prompt_info else "prompt_not_in_comparisons"
            report.add(
                ANNOTATORS,
                "annotator_only_assessment",
                copy["source_line"],
                f"prompt {pair[0]} ({reason.replace('_', ' ')})",
            )
            _append(tables["annotator_only_assessments"], {**copy, "conversation_id": pair[0], "reason": reason})
    for pair, originals in canon_pairs.items():
        for original in originals[len(copy_pairs.get(pair, [])) :]:
            report.add(
                ANNOTATORS,
                "missing_from_annotators",
                original["source_line"],
                f"prompt {pair[0]}, annotator {pair[1]} (comparisons.jsonl line)",
            )
    canon_per_annotator = Counter(a["annotator_id"] for a in canon)
    for annotator_id, info in seen.items():
        if info["n_listed"] != canon_per_annotator.get(annotator_id, 0):
            report.add(
                ANNOTATORS,
                "assessment_count_mismatch",
                info["line"],
                f"annotator {annotator_id}: {info['n_listed']} here, "
                f"{canon_per_annotator.get(annotator_id, 0)} in comparisons.jsonl",
            )
    for a in canon:
        if a["annotator_id"] not in seen:
            report.add(COMPARISONS, "unknown_annotator", a["source_line"], f"annotator {a['annotator_id']}")


def _merged(
    records: Iterable[Record],
    report: Report,
    canon: list[dict],
    canon_pairs: dict,
    prompt_info: dict,
    annotators: dict[str, dict],
) -> None:
    """Reconcile the merged file row by row against the canonical assessments and annotators.jsonl."""
    used: Counter = Counter()
    per_prompt: Counter = Counter()
    expected_keys = EXPECTED_KEYS[MERGED]
    for record in records:
        try:
            row = _start_row(record)
            prompt_id = _get(row, "prompt_id", str, "")
            raw_demographics = _get(row, "demographics", dict, "")
            candidate = _copy_of(row, _candidates(canon_pairs, row, "annotator_id", prompt_id, reverse=True))
            # A copy is only read below, so the canonical columns and flags serve as they are.
            parsed, flags = parse_assessment(row) if candidate is None else (candidate, candidate["_flags"])
        except Reject as exc:
            report.tally(MERGED, "rows", accepted=False)
            report.add(MERGED, exc.code, record.line, exc.detail)
            continue
        report.tally(MERGED, "rows", accepted=True)
        if not row.keys() <= expected_keys:
            for key in _unexpected(row, expected_keys):
                report.add(MERGED, "unexpected_key", record.line, f"top-level key {key!r}")
        for code, detail in flags:
            report.add(MERGED, code, record.line, detail)
        annotator_id = parsed["annotator_id"]
        pair = (prompt_id, annotator_id)
        originals = canon_pairs.get(pair, ())
        n_used = used[pair]
        if n_used >= len(originals):
            report.add(
                MERGED, "merged_not_in_comparisons", record.line, f"prompt {prompt_id}, annotator {annotator_id}"
            )
        else:
            original = originals[n_used]
            per_prompt[prompt_id] += 1
            differs = _same_assessment(original, parsed) if original is not parsed else None
            if differs:
                report.add(
                    MERGED,
                    "merged_assessment_mismatch",
                    record.line,
                    f"prompt {prompt_id}: {', '.join(differs)} differ (comparisons line {original['source_line']})",
                )
        used[pair] = n_used + 1
        known = annotators.get(annotator_id)
        if known is not None and raw_demographics != known["raw"]:
            differs = [
                k for k in vocab.DEMOGRAPHIC_KEYS if _norm(raw_demographics.get(k)) != _norm(known["raw"].get(k))
            ]
            if differs:
                report.add(
                    MERGED,
                    "merged_demographics_mismatch",
                    record.line,
                    f"annotator {annotator_id}: {', '.join(differs)}",
                )
        info = prompt_info.get(prompt_id)
        # Equal values are never wrong, so the full test only runs when one differs.
        if info is not None and not all(row.get(k) == v for k, v in info["expected"].items()):
            expected = info["expected"]
            wrong = [k for k, v in expected.items() if k in row and row[k] is not None and row[k] != v]
            if wrong:
                report.add(
                    MERGED,
                    "merged_features_mismatch",
                    record.line,
                    ", ".join(f"{k}={row[k]!r} (expected {expected[k]})" for k in wrong),
                )
    for pair, originals in canon_pairs.items():
        for original in originals[used[pair] :]:
            report.add(
                MERGED,
                "missing_from_merged",
                original["source_line"],
                f"prompt {pair[0]}, annotator {pair[1]} (comparisons.jsonl line)",
            )
    canon_per_prompt = Counter(a["prompt_id"] for a in canon)
    for prompt_id, info in prompt_info.items():
        if per_prompt[prompt_id] != canon_per_prompt[prompt_id]:
            report.add(
                MERGED,
                "assessment_count_mismatch",
                info["line"],
                f"prompt {prompt_id}: {per_prompt[prompt_id]} merged rows match, "
                f"{canon_per_prompt[prompt_id]} in comparisons.jsonl (comparisons.jsonl line)",
            )


def _norm(value: object) -> object:
    return vocab.nfkc(value) if isinstance(value, str) else value


def _finish(report: Report, tables: dict, canon: list[dict], prompt_info: dict) -> int:
    """Assessment and rank columns, duplicate pairs, per-prompt and per-annotator counts, the anchor prompt."""
    pair_counts = Counter((a["prompt_id"], a["annotator_id"]) for a in canon)
    for a in canon:
        a["is_duplicate_pair"] = pair_counts[a["prompt_id"], a["annotator_id"]] > 1
        if a["is_duplicate_pair"]:
            report.add(
                COMPARISONS,
                "duplicate_pair",
                a["source_line"],
                f"prompt {a['prompt_id']}, annotator {a['annotator_id']}",
            )
    # Column by column: much faster than appending row dicts one value at a time.
    for column in tables["assessments"]:
        tables["assessments"][column] = [a[column] for a in canon]
    ids, blocks, letters, values = (tables["assessment_ranks"][c] for c in ("assessment_id", "block", "letter", "rank"))
    n = len(LETTERS)
    for a in canon:
        for block, block_ranks in (("world", a["_world_ranks"]), ("personal", a["_personal_ranks"])):
            if block_ranks:
                ids += (a["assessment_id"],) * n
                blocks += (block,) * n
                letters += LETTERS
                values += map(block_ranks.__getitem__, LETTERS)
    n_assessments = Counter(a["prompt_id"] for a in canon)
    participants_by_prompt: dict[str, set] = defaultdict(set)
    for a in canon:
        participants_by_prompt[a["prompt_id"]].add(a["annotator_id"])
    participants = len({a["annotator_id"] for a in canon})
    prompts = tables["prompts"]
    prompts["n_assessments"] = [n_assessments[p] for p in prompts["prompt_id"]]
    prompts["n_participants"] = [len(participants_by_prompt[p]) for p in prompts["prompt_id"]]
    anchor = max(prompts["prompt_id"], key=lambda p: len(participants_by_prompt[p]), default=None)
    anchor_n = len(participants_by_prompt[anchor]) if anchor else 0
    is_anchor = anchor is not None and anchor_n * 2 > participants
    prompts["is_anchor"] = [is_anchor and p == anchor for p in prompts["prompt_id"]]
    if is_anchor:
        report.add(
            COMPARISONS,
            "anchor_prompt",
            prompt_info[anchor]["line"],
            f"prompt {anchor} seen by {anchor_n} of {participants} participants",
        )
    for p, line, flagged in zip(prompts["prompt_id"], prompts["source_line"], prompts["content_notice"]):
        if flagged:
            report.add(COMPARISONS, "content_notice", line, f"prompt {p}")
    per_annotator = Counter(a["annotator_id"] for a in canon)
    tables["annotators"]["n_assessments"] = [per_annotator[x] for x in tables["annotators"]["annotator_id"]]
    return participants
