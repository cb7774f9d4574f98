"""Word-level diff of two texts into (op, text) segments, for showing spec wording changes."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Literal

Op = Literal["equal", "delete", "insert"]
Segment = tuple[Op, str]

# Words (with inner apostrophes, so "don't" stays one token), runs of whitespace, and single
# punctuation marks: a changed comma shows as a changed comma, not a changed word.
_TOKEN = re.compile(r"\w+(?:['’]\w+)*|\s+|[^\w\s]")
_WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Split text into word, whitespace and punctuation tokens; joining them gives the text back."""
    return _TOKEN.findall(text)


def word_diff(before: str, after: str) -> list[Segment]:
    """Segments whose 'equal'+'delete' texts rebuild `before` and 'equal'+'insert' texts rebuild `after`.

    Within one change, the deleted text comes before the inserted text; adjacent segments never
    share an op, and no segment is empty.
    """
    old, new = tokens(before), tokens(after)
    raw: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            raw.append(("equal", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            raw.append(("delete", "".join(old[i1:i2])))
        if j2 > j1:
            raw.append(("insert", "".join(new[j1:j2])))
    return _absorb_small_equalities(raw)


def _absorb_small_equalities(segments: list[Segment]) -> list[Segment]:
    """An unchanged stretch of at most one word between two changes, and shorter than each of them, becomes
    part of both, so a rewritten phrase reads as one deletion and one insertion instead of a word-by-word
    patchwork anchored on "or" and "the"."""
    segments = _merge(segments)
    while True:
        for i in range(1, len(segments) - 1):
            op, text = segments[i]
            if op != "equal" or len(_WORD.findall(text)) > 1:
                continue
            left, right = _run_sizes(segments, i, -1), _run_sizes(segments, i, +1)
            if left and right and len(text) <= min(left, right):
                segments = _merge([*segments[:i], ("delete", text), ("insert", text), *segments[i + 1 :]])
                break
        else:
            return segments


def _run_sizes(segments: list[Segment], i: int, step: int) -> int:
    """Length of the longer side (deleted or inserted text) of the change run next to segment i; 0 if none."""
    sizes = {"delete": 0, "insert": 0}
    j = i + step
    while 0 <= j < len(segments) and segments[j][0] != "equal":
        sizes[segments[j][0]] += len(segments[j][1])
        j += step
    return max(sizes.values())


def _merge(segments: list[Segment]) -> list[Segment]:
    """Order each run of changes as all deletions then all insertions, and join same-op neighbours."""
    out: list[Segment] = []
    run: list[Segment] = []

    def flush() -> None:
        for op in ("delete", "insert"):
            text = "".join(t for o, t in run if o == op)
            if text:
                out.append((op, text))
        run.clear()

    for op, text in segments:
        if not text:
            continue
        if op == "equal":
            flush()
            if out and out[-1][0] == "equal":
                out[-1] = ("equal", out[-1][1] + text)
            else:
                out.append(("equal", text))
        else:
            run.append((op, text))
    flush()
    return out


def rebuild(segments: list[Segment], side: Literal["before", "after"]) -> str:
    """The before or after text a list of segments was made from."""
    skip = "insert" if side == "before" else "delete"
    return "".join(text for op, text in segments if op != skip)
