"""Model Spec markdown: parse headings into sections; fetch a pinned version, check its sha256, cache it."""

from __future__ import annotations

import hashlib
import re
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from core import config

# `## Title {#anchor authority=platform}`; CommonMark allows up to three spaces before the `#`s.
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*\{#([^\s}]+)([^}]*)\}[ \t]*$")
ANY_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
FETCH_TIMEOUT_S = 60


class SpecError(RuntimeError):
    """The spec could not be read, fetched or verified."""


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    level: int
    parent: str | None
    chapter: str
    authority: str | None
    position: int  # 0-based, document order
    text: str  # the section's own text, up to the next heading of any level


@dataclass(frozen=True)
class Spec:
    version: str
    sha256: str
    text: str
    sections: list[Section]

    @property
    def anchors(self) -> list[str]:
        return [s.anchor for s in self.sections]


def _attributes(raw: str) -> dict[str, str]:
    """`authority=platform tags=under_18` -> {"authority": "platform", "tags": "under_18"}."""
    pairs = (item.split("=", 1) for item in raw.split() if "=" in item)
    return dict(pairs)


def _outside_fences(lines: list[str]) -> list[bool]:
    """For each line, whether it is ordinary text (not inside or delimiting a fenced code block)."""
    flags: list[bool] = []
    fence: str | None = None  # the opening run of ``` or ~~~ while inside a block
    for line in lines:
        match = FENCE.match(line)
        if fence is None:
            if match and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence = match.group(1)
                flags.append(False)
            else:
                flags.append(True)
            continue
        # A block closes only with the same character, at least as long, and nothing after it;
        # so a ``` line inside a ~~~ block (the spec has several) is content, not a close.
        if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not match.group(2).strip():
            fence = None
        flags.append(False)
    return flags


def parse_sections(markdown: str) -> list[Section]:
    """Sections of a Model Spec document in order; headings inside fenced code blocks are ignored."""
    lines = markdown.splitlines()
    plain = _outside_fences(lines)
    found: list[tuple[int, re.Match[str]]] = []
    boundaries: list[int] = []  # every real heading ends the previous section's text, anchored or not
    for number, line in enumerate(lines):
        if not plain[number] or not ANY_HEADING.match(line):
            continue
        boundaries.append(number)
        match = HEADING.match(line)
        if match:
            found.append((number, match))

    sections: list[Section] = []
    stack: list[Section] = []  # open ancestors, shallowest first
    seen: set[str] = set()
    for position, (number, match) in enumerate(found):
        hashes, title, anchor, raw_attrs = match.groups()
        if anchor in seen:
            raise SpecError(f"anchor {anchor!r} appears twice (line {number + 1})")
        seen.add(anchor)
        level = len(hashes)
        while stack and stack[-1].level >= level:
            stack.pop()
        parent = stack[-1] if stack else None
        end = next((b for b in boundaries if b > number), len(lines))
        section = Section(
            anchor=anchor,
            title=title,
            level=level,
            parent=parent.anchor if parent else None,
            chapter=stack[0].anchor if stack else anchor,
            authority=_attributes(raw_attrs).get("authority"),
            position=position,
            text="\n".join(lines[number + 1 : end]).strip(),
        )
        sections.append(section)
        stack.append(section)
    if not sections:
        raise SpecError("no `# Title {#anchor}` headings found: is this a Model Spec markdown file?")
    return sections


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as reply:
        return reply.read()


def _verified(data: bytes, expected: str, origin: str) -> str:
    actual = sha256_hex(data)
    if actual != expected:
        raise SpecError(f"checksum mismatch for {origin}: expected sha256 {expected}, got {actual}")
    return actual


def fetch_pinned(
    version: str,
    cache_dir: Path | None = None,
    versions: Mapping[str, Mapping[str, str]] | None = None,
    download: Callable[[str], bytes] = _download,
) -> bytes:
    """Bytes of a pinned spec version: from the cache when its checksum holds, else downloaded and checked."""
    cache_dir = cache_dir or config.SPEC_CACHE_DIR
    versions = config.SPEC_VERSIONS if versions is None else versions
    if version not in versions:
        raise SpecError(f"unknown spec version {version!r}; known: {', '.join(sorted(versions))}")
    pin = versions[version]
    cached = cache_dir / f"model_spec_{version}_{pin['commit'][:12]}.md"
    if cached.is_file():
        data = cached.read_bytes()
        if sha256_hex(data) == pin["sha256"]:
            return data
        cached.unlink()  # a damaged or edited cache file is fetched again rather than trusted
    url = config.SPEC_RAW_URL.format(commit=pin["commit"])
    try:
        data = download(url)
    except OSError as exc:
        raise SpecError(f"could not download spec {version} from {url}: {exc}; pass --spec PATH instead") from exc
    _verified(data, pin["sha256"], url)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(cached)  # never leave a half-written file under the final name
    return data


def load_spec(
    version: str | None = None,
    path: Path | None = None,
    cache_dir: Path | None = None,
    versions: Mapping[str, Mapping[str, str]] | None = None,
    download: Callable[[str], bytes] = _download,
) -> Spec:
    """A parsed spec: a local file (`path`) or a pinned version (default 2025-04-11), always checksummed.

    A local file is named after the pinned version whose checksum it matches; if `version` is also given
    the file must match that version's checksum. An unpinned file is labelled `local-<sha256[:12]>`.
    """
    versions = config.SPEC_VERSIONS if versions is None else versions
    if path is None:
        version = version or config.SPEC_DEFAULT_VERSION
        data = fetch_pinned(version, cache_dir, versions, download)
        digest = versions[version]["sha256"]
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise SpecError(f"cannot read spec file {path}: {exc}") from exc
        digest = sha256_hex(data)
        if version is not None:
            if version not in versions:
                raise SpecError(f"unknown spec version {version!r}; known: {', '.join(sorted(versions))}")
            _verified(data, versions[version]["sha256"], str(path))
        else:
            version = next((v for v, pin in versions.items() if pin["sha256"] == digest), f"local-{digest[:12]}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"spec {version} is not UTF-8: {exc}") from exc
    return Spec(version=version, sha256=digest, text=text, sections=parse_sections(text))
