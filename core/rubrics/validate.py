"""Check every line of `conversation_rubrics.jsonl`: a bad row, item, score or core criterion rejects only itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from core.config import RUBRIC_FILE
from core.release.source import Record
from core.release.validate import Reject, Report
from core.rubrics import conversation

SCORE_MIN, SCORE_MAX = -10, 10
EXPECTED_KEYS = {"conversation", "coval_full", "coval_core"}
ITEM_KEYS = {"rubric_item_id", "criterion", "scores"}

# Rubric checks, registered on the build's Report as its `foreign` checks (core/release/validate.py's own CHECKS
# table stays untouched). docs/data-model.md ("Rubrics") mirrors this table.
CHECKS: dict[str, tuple[str, str]] = {
    "rubric_duplicate_conversation": (
        "rejected",
        "The conversation.id already appeared on an earlier line; the first one is kept.",
    ),
    "rubric_bad_message": ("rejected", "A message has neither role/content nor author.role/content.parts."),
    "rubric_no_text": ("rejected", "The conversation has no message with text, so it cannot be joined."),
    "rubric_item_no_criterion": ("rejected", "A rubric item's criterion is missing, not text, or empty."),
    "rubric_item_no_scores": ("rejected", "A rubric item has no valid score, so it carries no weight."),
    "rubric_score_not_integer": ("rejected", "A score is not an integer (or its annotator_id is not text)."),
    "rubric_score_out_of_range": ("rejected", "A score is outside the published scale of -10 to +10."),
    "rubric_duplicate_score": ("rejected", "A participant scored the same item twice; the first score is kept."),
    "rubric_core_no_criterion": ("rejected", "A core criterion is missing, not text, or empty."),
    "rubric_two_or_three_scorers": (
        "flagged",
        "An item scored by 2 or 3 people: neither a participant's own item (1) nor a pre-written one (4+).",
    ),
    "rubric_duplicate_item_id": ("flagged", "A rubric_item_id repeats within one rubric; both items are kept."),
    "rubric_unknown_annotator": ("flagged", "A score's annotator is not in annotators.jsonl (no country)."),
    "rubric_unexpected_key": ("info", "A key not in the documented rubric format; ignored."),
    "rubric_joined_exact": ("info", "Rubric rows joined to a prompt by identical normalised conversation text."),
    "rubric_joined_tolerant": (
        "flagged",
        "Rubric rows joined by the tolerant match (text differs slightly); the score is stored with the join.",
    ),
    "rubric_ambiguous": (
        "flagged",
        "Rubric rows whose text fits more than one prompt equally well; kept, joined to none.",
    ),
    "rubric_unmatched": ("flagged", "Rubric rows whose text matches no prompt; kept, joined to none."),
    "prompt_without_rubric": ("info", "Prompts in comparisons.jsonl that no rubric row joined."),
}


@dataclass
class Item:
    """One coval_full item as accepted: its position in the row, id, text and (annotator_id, score) pairs."""

    index: int
    rubric_item_id: str | None
    criterion: str
    scores: list[tuple[str, int]]


@dataclass
class RubricRow:
    """One accepted line: the conversation's join key and its items and core criteria."""

    line: int
    conversation_id: str
    key: str
    n_turns: int
    first_user_text: str | None
    items: list[Item] = field(default_factory=list)
    core: list[str] = field(default_factory=list)


def register(report: Report) -> None:
    """Make the rubric checks known to the build report (severity and description per check)."""
    for check, meta in CHECKS.items():
        report.foreign.setdefault(check, meta)


def _get(obj: dict, key: str, kind: type, where: str):
    value = obj.get(key)
    if value is None:
        raise Reject("missing_key", f"{where}{key} is missing")
    if not isinstance(value, kind) or isinstance(value, bool):
        raise Reject("wrong_type", f"{where}{key} is {type(value).__name__}")
    return value


def _turns(messages: list) -> list[tuple[str, str]]:
    turns = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise Reject("rubric_bad_message", f"conversation.messages[{i}] is {type(message).__name__}")
        try:
            turn = conversation.message_text(message)
        except ValueError as exc:
            raise Reject("rubric_bad_message", f"conversation.messages[{i}]: {exc}") from exc
        if turn is not None:
            turns.append(turn)
    if not turns:
        raise Reject("rubric_no_text", "no message carries text")
    return turns


def _score(entry: object, where: str) -> tuple[str, int]:
    if not isinstance(entry, dict):
        raise Reject("rubric_score_not_integer", f"{where} is {type(entry).__name__}")
    annotator, score = entry.get("annotator_id"), entry.get("score")
    if not isinstance(annotator, str) or not annotator:
        raise Reject("rubric_score_not_integer", f"{where}.annotator_id is {type(annotator).__name__}")
    if isinstance(score, float) and score.is_integer():
        score = int(score)  # Arrow may hand integral JSON numbers back as floats when a column mixes types
    if not isinstance(score, int) or isinstance(score, bool):
        raise Reject("rubric_score_not_integer", f"{where}.score is {score!r}"[:120])
    if not SCORE_MIN <= score <= SCORE_MAX:
        raise Reject("rubric_score_out_of_range", f"{where}.score is {score}")
    return annotator, score


def _item(obj: object, k: int, line: int, report: Report) -> Item:
    where = f"coval_full[{k}]"
    if not isinstance(obj, dict):
        raise Reject("wrong_type", f"{where} is {type(obj).__name__}")
    criterion = obj.get("criterion")
    if not isinstance(criterion, str) or not criterion.strip():
        raise Reject("rubric_item_no_criterion", f"{where}.criterion is {type(criterion).__name__}")
    raw_id = obj.get("rubric_item_id")
    item_id = None if raw_id is None or isinstance(raw_id, bool | dict | list) else str(raw_id)
    entries = obj.get("scores")
    if not isinstance(entries, list):
        raise Reject("wrong_type", f"{where}.scores is {type(entries).__name__}")
    scores: list[tuple[str, int]] = []
    seen: set[str] = set()
    rejected = 0
    for j, entry in enumerate(entries):
        # The usual score (text annotator, integer in range, first from this annotator) is taken without the
        # checks' messages being built; any other goes through _score, which names what is wrong.
        if type(entry) is dict:
            annotator, score = entry.get("annotator_id"), entry.get("score")
            if (
                type(annotator) is str
                and annotator
                and type(score) is int
                and SCORE_MIN <= score <= SCORE_MAX
                and annotator not in seen
            ):
                seen.add(annotator)
                scores.append((annotator, score))
                continue
        try:
            annotator, score = _score(entry, f"{where}.scores[{j}]")
            if annotator in seen:
                raise Reject("rubric_duplicate_score", f"{where}: annotator {annotator} scored twice")
        except Reject as exc:
            rejected += 1
            report.add(RUBRIC_FILE, exc.code, line, exc.detail)
            continue
        seen.add(annotator)
        scores.append((annotator, score))
    if entries:
        report.tally_many(RUBRIC_FILE, "scores", accepted=len(scores), rejected=rejected)
    if not scores:
        raise Reject("rubric_item_no_scores", f"{where} has no valid score")
    if len(scores) in (2, 3):
        report.add(RUBRIC_FILE, "rubric_two_or_three_scorers", line, f"{where} has {len(scores)} scores")
    for extra in sorted(set(obj) - ITEM_KEYS):
        report.add(RUBRIC_FILE, "rubric_unexpected_key", line, f"{where} key {extra!r}")
    return Item(k, item_id, criterion, scores)


def validate_rubrics(records: Iterable[Record], report: Report) -> list[RubricRow]:
    """Accepted rows in file order; every rejection (row, item, score, core criterion) counted in `report`."""
    register(report)
    rows: list[RubricRow] = []
    seen: dict[str, int] = {}
    for record in records:
        try:
            if record.error is not None:
                raise Reject(record.code, record.error)  # reason code of core.jsonline
            obj = record.value
            if not isinstance(obj, dict):
                raise Reject("not_an_object", f"value is {type(obj).__name__}")
            conv = _get(obj, "conversation", dict, "")
            conversation_id = conv.get("id")
            conversation_id = str(conversation_id) if isinstance(conversation_id, str | int) else None
            if conversation_id is None:
                raise Reject("missing_key", "conversation.id is missing or not text")
            if conversation_id in seen:
                raise Reject(
                    "rubric_duplicate_conversation",
                    f"conversation.id {conversation_id} first on line {seen[conversation_id]}",
                )
            turns = _turns(_get(conv, "messages", list, "conversation."))
            full = _get(obj, "coval_full", list, "")
            core = _get(obj, "coval_core", list, "")
        except Reject as exc:
            report.tally(RUBRIC_FILE, "rows", accepted=False)
            report.add(RUBRIC_FILE, exc.code, record.line, exc.detail)
            continue
        report.tally(RUBRIC_FILE, "rows", accepted=True)
        seen[conversation_id] = record.line
        for extra in sorted(set(obj) - EXPECTED_KEYS):
            report.add(RUBRIC_FILE, "rubric_unexpected_key", record.line, f"top-level key {extra!r}")
        row = RubricRow(
            line=record.line,
            conversation_id=conversation_id,
            key=conversation.key(turns),
            n_turns=len(turns),
            first_user_text=next((text for role, text in turns if role == "user"), None),
        )
        ids: set[str] = set()
        for k, raw in enumerate(full):
            try:
                item = _item(raw, k, record.line, report)
            except Reject as exc:
                report.tally(RUBRIC_FILE, "items", accepted=False)
                report.add(RUBRIC_FILE, exc.code, record.line, exc.detail)
                continue
            report.tally(RUBRIC_FILE, "items", accepted=True)
            if item.rubric_item_id is not None:
                if item.rubric_item_id in ids:
                    report.add(RUBRIC_FILE, "rubric_duplicate_item_id", record.line, f"id {item.rubric_item_id}")
                ids.add(item.rubric_item_id)
            row.items.append(item)
        for k, raw in enumerate(core):
            text = raw.get("criterion") if isinstance(raw, dict) else None
            if not isinstance(text, str) or not text.strip():
                report.tally(RUBRIC_FILE, "core_items", accepted=False)
                report.add(RUBRIC_FILE, "rubric_core_no_criterion", record.line, f"coval_core[{k}]")
                continue
            report.tally(RUBRIC_FILE, "core_items", accepted=True)
            row.core.append(text)
        rows.append(row)
    return rows
