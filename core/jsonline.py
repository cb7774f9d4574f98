"""One JSON line read safely: too deep, lone surrogates, duplicate keys and stray BOMs become a reason code."""

from __future__ import annotations

import json
import re

# The release nests at most 6 levels (row > metadata > assessments > block > list > entry); 64 is far above any
# honest line and far below the recursion limit of json.loads (1,000) and what pyarrow survives (~10,000).
MAX_DEPTH = 64
BOM = b"\xef\xbb\xbf"
_NOT_SHAPE_OR_QUOTE = bytes(b for b in range(256) if b not in b'[]{}\n"')
_ONE_KIND = bytes.maketrans(b"{}", b"[]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")

# reason code -> plain description; every reader (release files, ranker runs) reports these codes.
CODES = {
    "malformed_json": "The line is not valid JSON (or not UTF-8).",
    "json_too_deep": f"The line nests objects or lists more than {MAX_DEPTH} levels deep.",
    "json_lone_surrogate": "The line holds an escaped lone UTF-16 surrogate (e.g. \\ud800), which is not text.",
    "json_duplicate_key": "An object on the line names the same key twice (which value is meant is unknown).",
    "json_bom_mid_file": "A byte-order mark in the middle of the file (one is accepted only at its very start).",
}


class LineError(ValueError):
    """A line that cannot be used; `code` is one of CODES."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def depths(data: bytes) -> list[int]:
    """Deepest nesting of objects and lists on each line of `data` (brackets inside strings do not count).

    Vectorised over the whole block (a Python loop over 12 MB of brackets took seconds). Strings cannot hold a
    raw newline, so quote parity and depth restart at every line.
    """
    import numpy as np

    b = np.frombuffer(data, dtype=np.uint8)
    starts = np.concatenate(([0], np.flatnonzero(b == ord("\n")) + 1))
    if not len(b):
        return [0]
    index = np.arange(len(b), dtype=np.int64)
    # A quote is escaped when an odd run of backslashes ends just before it.
    last_plain = np.maximum.accumulate(np.where(b != ord("\\"), index, -1))
    run = index - 1 - np.concatenate(([-1], last_plain[:-1]))
    quotes = np.cumsum((b == ord('"')) & (run % 2 == 0))
    marks = np.zeros(len(b), dtype=np.int64)
    marks[starts[starts < len(b)]] = 1
    line_of = np.cumsum(marks) - 1
    quotes_before = np.concatenate(([0], quotes))[starts][line_of]
    outside = (quotes - quotes_before) % 2 == 0
    step = (((b == ord("[")) | (b == ord("{"))) & outside).astype(np.int8) - (
        ((b == ord("]")) | (b == ord("}"))) & outside
    )
    level = np.cumsum(step, dtype=np.int64)
    level -= np.concatenate(([0], level))[starts][line_of]
    ends = np.minimum(starts, len(b) - 1)
    return [int(max(x, 0)) for x in np.maximum.reduceat(level, ends)][: len(starts)]


def deep_lines(data: bytes) -> list[int]:
    """1-based numbers of the lines nested deeper than MAX_DEPTH (or opening that many brackets unclosed).

    Fast on honest files: strings are cut out, only brackets and newlines are kept, and innermost pairs are
    removed pass by pass (one pass per level); only lines with brackets left after MAX_DEPTH passes are measured.
    """
    import numpy as np

    # Escapes go first, as depths() reads them (an odd run of backslashes escapes what follows): pairs of backslashes
    # left to right, then escaped quotes. Then everything but brackets, quotes and line ends, which leaves a few
    # percent of the bytes; a bracket is in a string when an odd number of quotes precede it on its line.
    bare = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_SHAPE_OR_QUOTE)
    b = np.frombuffer(bare, dtype=np.uint8)
    quote, newline = b == ord('"'), b == ord("\n")
    # Parity of the quotes so far on the line: each line end flips it back to even, by the parity of its line's
    # quotes, so one running XOR over the block serves every line.
    flips = quote.view(np.uint8).copy()
    ends = np.flatnonzero(newline)
    flips[ends] = np.diff(np.cumsum(quote, dtype=np.int64)[ends], prepend=0) & 1
    in_string = np.bitwise_xor.accumulate(flips).view(bool)
    keep = newline | ~(quote | in_string)
    shape = b[keep].tobytes()
    # One kind of bracket (a mismatched pair still counts as a level), and one replace per pass: chained replaces
    # of each kind could peel several levels in one pass and let a deeper line through.
    shape = shape.translate(_ONE_KIND)
    for _ in range(MAX_DEPTH):
        shorter = shape.replace(b"[]", b"")
        if shorter == shape:
            break
        shape = shorter
    if b"[" not in shape and b"{" not in shape:
        return []
    lines = data.split(b"\n")
    suspects = [i for i, rest in enumerate(shape.split(b"\n")) if b"[" in rest or b"{" in rest]
    return [i + 1 for i in suspects if depths(lines[i])[0] > MAX_DEPTH]


def too_deep(raw: bytes) -> bool:
    """True when the line nests deeper than MAX_DEPTH (checked on bytes, before any parser sees them)."""
    # A line cannot nest deeper than it has opening brackets: the scan runs only on long lines.
    return raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and bool(deep_lines(raw.replace(b"\n", b" ")))


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise LineError("json_duplicate_key", f"key {twice[:60]!r} appears twice in one object")
    return out


def loads(raw: bytes, *, at_file_start: bool = False) -> object:
    """The parsed value of one line, or LineError with a reason code. Never raises anything else on bad bytes.

    A UTF-8 byte-order mark is skipped at the very start of a file (as pyarrow's reader does) and refused
    anywhere else, so both reader paths agree.
    """
    if raw.startswith(BOM):
        if not at_file_start:
            raise LineError("json_bom_mid_file", "the line starts with a byte-order mark")
        raw = raw[len(BOM) :]
    if too_deep(raw):
        raise LineError("json_too_deep", f"nested {depths(raw)[0]} levels deep (at most {MAX_DEPTH})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineError("malformed_json", f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_pairs)
    except LineError:
        raise
    except RecursionError:  # unreachable after too_deep, kept so no input can end the process's reading
        raise LineError("json_too_deep", "nested too deep for the parser") from None
    except ValueError as exc:
        raise LineError("malformed_json", f"not valid JSON ({exc})") from None
    if _SURROGATE_ESCAPE.search(raw):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise LineError("json_lone_surrogate", "a string holds an unpaired UTF-16 surrogate escape") from None
    return value
