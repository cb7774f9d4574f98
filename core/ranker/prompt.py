"""The ranker's prompt and reply: versioned template, request messages, reply schema and reply validation."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.config import LETTERS
from core.ranker.spec import Spec
from core.rankings.grammar import RankingError, format_ranking, parse_ranking

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_TEMPLATE = TEMPLATES_DIR / "msr_v1.md"
REPLY_SCHEMA = TEMPLATES_DIR / "msr_reply.schema.json"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
MESSAGE_MARK = re.compile(r"^<!-- message: (system|user) -->$", re.MULTILINE)
CHARS_PER_TOKEN = 4  # rough heuristic for estimates only; real counts come from the API's usage field
SYSTEM_FIELDS = {"spec_version", "spec_text", "n_sections", "section_list"}
USER_FIELDS = {"boundary", "conversation", "responses", "n_sections"}


class ReplyError(ValueError):
    """A reply that is not a valid ranker answer; the message says what is wrong."""


@dataclass(frozen=True)
class Template:
    version: str
    sha256: str
    system: str
    user: str


@dataclass(frozen=True)
class Item:
    """One prompt of the store: its conversation turns and the four candidate responses."""

    prompt_id: str
    turns: list[tuple[str, str]]  # (role, content)
    responses: dict[str, str]  # letter -> content


@dataclass(frozen=True)
class Answer:
    ranking: str  # canonical form (core.rankings.format_ranking)
    relevance: dict[str, int]
    rationale: str


def load_template(path: Path = DEFAULT_TEMPLATE) -> Template:
    """Read a template: a `template_version:` header, `---`, then one system and one user message."""
    raw = path.read_text(encoding="utf-8")
    header, sep, body = raw.partition("\n---\n")
    version = header.strip().removeprefix("template_version:").strip()
    if not sep or not header.strip().startswith("template_version:") or not version:
        raise ValueError(f"{path}: must start with 'template_version: <name>' and a '---' line")
    parts = MESSAGE_MARK.split(body)
    # split() keeps the captured role names: ['', 'system', text, 'user', text]
    messages = dict(zip(parts[1::2], parts[2::2]))
    if set(messages) != {"system", "user"} or len(parts) != 5:
        raise ValueError(f"{path}: needs exactly one '<!-- message: system -->' and one '<!-- message: user -->'")
    for role, allowed in (("system", SYSTEM_FIELDS), ("user", USER_FIELDS)):
        unknown = set(PLACEHOLDER.findall(messages[role])) - allowed
        if unknown:
            raise ValueError(f"{path}: unknown placeholders in the {role} message: {sorted(unknown)}")
    return Template(
        version, hashlib.sha256(raw.encode()).hexdigest(), messages["system"].strip(), messages["user"].strip()
    )


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {{name}} in one pass, so placeholder-like text inside the values is never expanded."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def system_message(template: Template, spec: Spec) -> str:
    """The same for every prompt of a run, so providers can cache it as a prefix."""
    section_list = "\n".join(f"- {s.anchor}: {s.title}" for s in spec.sections)
    return fill(
        template.system,
        {
            "spec_version": spec.version,
            "spec_text": spec.text.strip(),
            "n_sections": str(len(spec.sections)),
            "section_list": section_list,
        },
    )


def boundary_for(item: Item) -> str:
    """A marker code derived from the item's own text: the text cannot contain its own hash, so cannot fake a marker."""
    digest = hashlib.sha256(json.dumps([item.prompt_id, item.turns, item.responses]).encode()).hexdigest()
    return f"#{digest[:16]}"


def user_message(template: Template, item: Item, n_sections: int) -> str:
    code = boundary_for(item)
    turns = [
        f"----- TURN {number} ({role}) {code} -----\n{content}\n----- END OF TURN {number} {code} -----"
        for number, (role, content) in enumerate(item.turns, start=1)
    ]
    responses = [
        f"----- CANDIDATE REPLY {letter} {code} -----\n{item.responses[letter]}\n"
        f"----- END OF CANDIDATE REPLY {letter} {code} -----"
        for letter in LETTERS
    ]
    return fill(
        template.user,
        {
            "boundary": code,
            "conversation": f"The conversation ({len(item.turns)} turns):\n\n" + "\n\n".join(turns),
            "responses": "The four candidate replies to its last turn:\n\n" + "\n\n".join(responses),
            "n_sections": str(n_sections),
        },
    )


@cache
def _base_schema() -> dict:
    return json.loads(REPLY_SCHEMA.read_text(encoding="utf-8"))


def reply_schema(anchors: tuple[str, ...]) -> dict:
    """The reply schema with one required 1-5 grade per section anchor (usable as response_format)."""
    schema = copy.deepcopy(_base_schema())
    grade = schema.pop("$defs")["grade"]
    for key in ("$schema", "$id"):
        schema.pop(key, None)  # meta keys that strict structured-output endpoints may reject
    relevance = schema["properties"]["relevance"]
    relevance["properties"] = {anchor: dict(grade) for anchor in anchors}
    relevance["required"] = list(anchors)
    return schema


def _json_object(content: str) -> object:
    """Parse the reply; tolerate a ```json fence or prose around the object, which local models add."""
    text = content.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise ReplyError(f"reply is not JSON: {text[:80]!r}") from None
        try:
            return json.loads(text[start : end + 1])
        except json.JSONDecodeError as exc:
            raise ReplyError(f"reply is not valid JSON ({exc.msg} at char {exc.pos})") from None


@cache
def _validator(anchors: tuple[str, ...]):
    import jsonschema

    return jsonschema.Draft202012Validator(reply_schema(anchors))


def _schema_problem(reply: dict, anchors: tuple[str, ...]) -> str | None:
    errors = sorted(_validator(anchors).iter_errors(reply), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return None
    relevance = reply.get("relevance")
    missing = [a for a in anchors if a not in relevance] if isinstance(relevance, dict) else []
    if missing:
        return f"relevance is missing {len(missing)} of {len(anchors)} sections (e.g. {', '.join(missing[:3])})"
    first = errors[0]
    where = "/".join(str(p) for p in first.absolute_path) or "reply"
    return f"{where}: {first.message[:200]} ({len(errors)} schema error(s))"


def parse_reply(content: str | None, anchors: tuple[str, ...]) -> Answer:
    """Validate a reply against the schema and the ranking grammar; raise ReplyError saying what is wrong."""
    if not content or not content.strip():
        raise ReplyError("reply is empty")
    reply = _json_object(content)
    if not isinstance(reply, dict):
        raise ReplyError(f"reply is a JSON {type(reply).__name__}, not an object")
    problem = _schema_problem(reply, anchors)
    if problem:
        raise ReplyError(problem)
    try:
        ranks = parse_ranking(reply["ranking"])
    except RankingError as exc:
        raise ReplyError(f"invalid ranking: {exc}") from None
    return Answer(format_ranking(ranks), {a: reply["relevance"][a] for a in anchors}, reply["rationale"].strip())


def estimate_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def example_reply(anchors: tuple[str, ...], rationale_chars: int = 400) -> str:
    """A reply of typical size, for estimating completion tokens in a dry run."""
    return json.dumps(
        {"ranking": "B>A=C>D", "relevance": dict.fromkeys(anchors, 3), "rationale": "x" * rationale_chars}
    )
