"""The spec changelog (data/changelog.yaml): load, validate against core/changelog/schema.json, prepare for display."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from core import config

SCHEMA_PATH = Path(__file__).with_name("schema.json")
STATUSES = ("adopted", "deferred", "set aside")
EVIDENCE_LABELS = {
    "confirmed": "Confirmed by OpenAI's post",
    "inferred": "Inferred by this project from the spec diff — not confirmed",
}


class ChangelogError(ValueError):
    """The changelog file is unreadable or has invalid entries; `problems` lists each one."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class Quotation:
    quote: str
    attribution: str
    source_url: str
    date: str
    context: str | None = None


@dataclass(frozen=True)
class Citation:
    """A published page an entry cites (its title and address)."""

    title: str
    url: str


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    title_source: str  # "openai": the post's own title; "project": this project's description
    status: str
    category: str
    evidence: str
    sections: tuple[str, ...]
    spec_version_before: str
    spec_version_after: str | None
    before: str
    after: str | None
    rationale: Quotation | None
    sources: tuple[Citation, ...]
    date: str
    confidence: str | None = None
    status_note: str | None = None
    notes: str | None = None
    examples_added: tuple[str, ...] = ()

    @property
    def evidence_label(self) -> str:
        return EVIDENCE_LABELS[self.evidence]


@dataclass(frozen=True)
class Changelog:
    entries: tuple[Entry, ...]
    summary_quote: Quotation | None
    category_definitions: dict[str, Quotation]

    def status_counts(self) -> dict[str, Counter[str]]:
        """For each status (always all three), how many entries per evidence level."""
        counts: dict[str, Counter[str]] = {status: Counter() for status in STATUSES}
        for entry in self.entries:
            counts[entry.status][entry.evidence] += 1
        return counts

    def sections(self) -> list[str]:
        """Every section anchor some entry touches, in first-mention order."""
        return list(dict.fromkeys(anchor for entry in self.entries for anchor in entry.sections))

    def select(self, status: str | None = None, section: str | None = None) -> list[Entry]:
        """Entries matching the filters (None = any), newest first; same-day entries keep file order."""
        chosen = [
            e
            for e in self.entries
            if (status is None or e.status == status) and (section is None or section in e.sections)
        ]
        return sorted(chosen, key=lambda e: e.date, reverse=True)  # sorted() is stable


class _TextDatesLoader(yaml.SafeLoader):
    """Safe YAML loader that keeps `2025-09-12` a string, so a malformed date is reported, not a crash."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@cache
def section_titles(csv_path: Path = config.SECTIONS_CSV) -> dict[str, str]:
    """anchor -> title of the spec version the study used (data/model_spec_sections.csv)."""
    with csv_path.open(encoding="utf-8", newline="") as handle:
        return {row["anchor"]: row["title"] for row in csv.DictReader(handle)}


def schema(anchors: list[str]) -> dict[str, Any]:
    """The JSON schema with the allowed anchors and spec versions filled in."""
    doc = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    doc["$defs"]["anchor"]["enum"] = sorted(anchors)
    doc["$defs"]["spec_version"]["enum"] = sorted(config.SPEC_VERSIONS)
    return doc


def validate(doc: Any, *, source: str = "changelog", anchors: list[str] | None = None) -> list[str]:
    """Every problem with a parsed changelog document, each naming the entry and the field."""
    anchors = list(section_titles()) if anchors is None else anchors
    validator = Draft202012Validator(schema(anchors), format_checker=FormatChecker())
    problems = [_describe(err, doc) for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path)))]
    if isinstance(doc, dict) and isinstance(doc.get("entries"), list):
        problems += _cross_entry_problems(doc["entries"])
    return list(dict.fromkeys(problems))


def load(path: Path | None = None, *, anchors: list[str] | None = None) -> Changelog:
    """Read and validate the changelog (default data/changelog.yaml); raises ChangelogError listing every problem."""
    path = config.CHANGELOG_YAML if path is None else path
    source = _display_path(path)
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader)  # a SafeLoader subclass
    except OSError as exc:
        raise ChangelogError(source, [f"cannot read the file: {exc.strerror or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise ChangelogError(source, [f"not valid YAML: {exc}"]) from exc
    problems = validate(doc, source=source, anchors=anchors)
    if problems:
        raise ChangelogError(source, problems)
    return Changelog(
        entries=tuple(_entry(raw) for raw in doc["entries"]),
        summary_quote=_quotation(doc.get("summary_quote")),
        category_definitions={k: q for k, v in (doc.get("category_definitions") or {}).items() if (q := _quotation(v))},
    )


# Spec markup inside quoted wording: footnote markers (`[^onv4]`, links to eval examples) and
# cross-links (`[?](#no_agenda)`, which the spec site renders as the target section's title).
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")
_LINK = re.compile(r"\[([^\]]*)\]\(#([A-Za-z0-9_]+)\)")


def readable(text: str, titles: dict[str, str] | None = None) -> str:
    """Spec wording as plain text: footnote markers dropped, `[label](#anchor)` shown as its label,
    and `[?](#anchor)` as the section's title in quotes, the way the spec site renders it."""
    titles = section_titles() if titles is None else titles

    def link(match: re.Match[str]) -> str:
        label, anchor = match.groups()
        if label and label != "?":
            return label
        return f"“{titles[anchor]}”" if anchor in titles else f"#{anchor}"

    return _LINK.sub(link, _FOOTNOTE.sub("", text))


def _entry(raw: dict[str, Any]) -> Entry:
    return Entry(
        id=raw["id"],
        title=raw["title"],
        title_source=raw["title_source"],
        status=raw["status"],
        category=raw["category"],
        evidence=raw["evidence"],
        sections=tuple(raw["sections"]),
        spec_version_before=raw["spec_version_before"],
        spec_version_after=raw["spec_version_after"],
        before=raw["before"],
        after=raw["after"],
        rationale=_quotation(raw["rationale"]),
        sources=tuple(Citation(**s) for s in raw["sources"]),
        date=raw["date"],
        confidence=raw.get("confidence"),
        status_note=raw.get("status_note"),
        notes=raw.get("notes"),
        examples_added=tuple(raw.get("examples_added") or ()),
    )


def _quotation(raw: dict[str, Any] | None) -> Quotation | None:
    return Quotation(**raw) if raw else None


def _cross_entry_problems(entries: list[Any]) -> list[str]:
    """Rules a per-entry schema cannot express: unique ids, and an adopted change must change something."""
    problems = []
    seen: Counter[str] = Counter(e["id"] for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str))
    for entry_id, count in seen.items():
        if count > 1:
            problems.append(f"entry '{entry_id}', field 'id': used by {count} entries; ids must be unique")
    for i, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("status") == "adopted" and entry.get("before") == entry.get("after"):
            problems.append(f"entry {_label(entries, i)}, field 'after': identical to 'before', so nothing changed")
    return problems


def _label(entries: list[Any], index: int) -> str:
    entry = entries[index] if 0 <= index < len(entries) else None
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        return f"'{entry['id']}'"
    return f"#{index + 1} (no id)"


def _field(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the whole item)"


def _describe(error: ValidationError, doc: Any) -> str:
    """One line naming where the problem is (entry id and field) and what is wrong, in plain words."""
    if error.validator == "anyOf" and error.context:
        # "after"/"rationale" may be null or a value: explain the non-null branch's problem.
        branch = [e for e in error.context if not (e.validator == "type" and e.validator_value == "null")]
        if branch:
            return _describe(min(branch, key=lambda e: len(e.relative_schema_path)), doc)
    path = list(error.absolute_path)
    where, field_path = "the file", path
    if len(path) >= 2 and path[0] == "entries" and isinstance(path[1], int):
        where, field_path = f"entry {_label(doc['entries'], path[1])}", path[2:]
    elif path:
        where = f"section '{path[0]}'"
        field_path = path[1:] if path[0] in ("summary_quote", "category_definitions") else path
    detail = error.message
    if error.validator == "required":
        missing = [p for p in error.validator_value if isinstance(error.instance, dict) and p not in error.instance]
        field_path = [*field_path, missing[0] if missing else "?"]
        detail = "missing (required)"
        if field_path[-1] in ("attribution", "source_url", "date", "quote") and "rationale" in field_path:
            detail = "missing: a quotation needs its text, attribution, source URL and date"
    elif error.validator == "additionalProperties":
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        field_path = [*field_path, extra[0] if extra else "?"]
        detail = "not a known field (check the spelling against core/changelog/schema.json)"
    elif error.validator == "enum" and field_path[:1] == ["sections"]:
        detail = (
            f"{error.instance!r} is not a section of the {config.SPEC_DEFAULT_VERSION} spec "
            "(data/model_spec_sections.csv)"
        )
    elif error.validator == "enum":
        detail = f"{error.instance!r} is not one of: " + ", ".join(map(str, error.validator_value))
    elif error.validator in ("format", "pattern") and field_path[-1:] == ["date"]:
        detail = f"{error.instance!r} is not a real date in YYYY-MM-DD form"
    elif error.validator == "type" and error.instance is None and field_path in (["after"], ["spec_version_after"]):
        detail = "an adopted change needs its new wording and the spec version that carries it"
    elif error.validator == "type" and error.validator_value == "null":
        detail = "must be null: only an adopted change has new wording and a later spec version"
    elif error.validator == "type" and error.validator_value == "object" and field_path == ["rationale"]:
        detail = "a confirmed entry needs the stated rationale as an attributed quotation"
    elif error.validator == "const" and field_path == ["title_source"]:
        detail = "must be 'project': an inferred entry's title is this project's description, not OpenAI's"
    elif error.validator in ("minLength", "pattern") and error.validator_value in (1, "\\S"):
        detail = "must not be empty"
    return f"{where}, field '{_field(field_path)}': {detail}"


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(config.ROOT))
    except ValueError:
        return str(path)
