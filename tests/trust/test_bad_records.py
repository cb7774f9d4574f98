"""One bad record never stops a build: each is a counted rejection with its reason code, on every reader path.

Builds run in a child process (`python -m core build`), so a crash of the interpreter (pyarrow's SIGSEGV on a
line nested 10,000 deep) fails the test instead of ending the test run.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import config, jsonline
from core.config import HF_CONFIGS
from tests.conftest import RELEASE_TINY
from tests.trust.support import count

COMPARISONS, ANNOTATORS, MERGED = (HF_CONFIGS[c] for c in ("comparisons", "annotators", "merged_comparison_annotators"))
DEEP_1K = b"[" * 1_000 + b"]" * 1_000
DEEP_10K = b"[" * 10_000 + b"]" * 10_000
# (file, line, reason code): one line each, appended to the tiny release.
BAD_RECORDS = [
    (COMPARISONS, b'{"prompt_id": "deep-1k", "prompt": ' + DEEP_1K + b"}", "json_too_deep"),
    (COMPARISONS, b'{"prompt_id": "deep-10k", "prompt": {"messages": ' + DEEP_10K + b"}}", "json_too_deep"),
    (ANNOTATORS, b'{"annotator_id": "deep", "demographics": {"x": ' + DEEP_10K + b'}, "assessments": []}',
     "json_too_deep"),
    (MERGED, b'{"prompt_id": "deep", "ranking_blocks": ' + DEEP_1K + b"}", "json_too_deep"),
    (COMPARISONS, b'{"prompt_id": "sur", "prompt": {"messages": [{"role": "user", "content": "\\ud800"}]}}',
     "json_lone_surrogate"),
    (ANNOTATORS, b'{"annotator_id": "\\udc00x", "demographics": {}, "assessments": []}', "json_lone_surrogate"),
    (MERGED, b'{"prompt_id": "p", "annotator_id": "a", "importance": "\\ud83d"}', "json_lone_surrogate"),
    (COMPARISONS, b'{"prompt_id": "dup", "prompt_id": "dup-2", "prompt": {}}', "json_duplicate_key"),
    (ANNOTATORS, b'{"annotator_id": "dup", "demographics": {"gender": "Male", "gender": "Female"}, '
                 b'"assessments": []}', "json_duplicate_key"),
    (MERGED, b'{"prompt_id": "p", "annotator_id": "a", "annotator_id": "b"}', "json_duplicate_key"),
    (ANNOTATORS, jsonline.BOM + b'{"annotator_id": "bom", "demographics": {}, "assessments": []}',
     "json_bom_mid_file"),
]
FORCE_BY_HAND = b'{"prompt_id": '  # a line pyarrow refuses, so the whole file is read line by line


def _copy(tmp: Path, name: str) -> Path:
    out = tmp / name
    shutil.copytree(RELEASE_TINY, out)
    return out


def _append(path: Path, *lines: bytes) -> None:
    data = path.read_bytes()
    path.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n") + b"".join(line + b"\n" for line in lines))


def _build(source: Path) -> tuple[subprocess.CompletedProcess, Path]:
    db = source.parent / f"{source.name}.duckdb"
    done = subprocess.run([sys.executable, "-m", "core", "build", "--source", str(source), "--db", str(db),
                           "--bootstrap", "5"], cwd=config.ROOT, capture_output=True, text=True, timeout=300)
    return done, db


def _report(db: Path) -> tuple[dict, dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        files = {f: (i, a, r, loader) for f, i, a, r, loader in
                 con.execute("SELECT file, input_rows, accepted, rejected, loader FROM build_files").fetchall()}
        checks = {(f, c): n for f, c, n in con.execute('SELECT file, "check", count FROM build_report').fetchall()}
    finally:
        con.close()
    return files, checks


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    done, db = _build(_copy(tmp_path_factory.mktemp("clean"), "tiny"))
    assert done.returncode == 0, done.stderr[-2000:]
    return _report(db)


def test_each_bad_record_is_one_counted_rejection(tmp_path, clean):
    source = _copy(tmp_path, "bad")
    for file, line, _code in BAD_RECORDS:
        _append(source / file, line)
    done, db = _build(source)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr
    files, checks = _report(db)
    clean_files, clean_checks = clean
    planted = Counter(file for file, _line, _code in BAD_RECORDS)
    for file, (n_input, n_ok, n_rejected, _loader) in files.items():
        assert n_input == clean_files[file][0] + planted[file], file
        assert n_ok == clean_files[file][1], file  # nothing else lost
        assert n_rejected == clean_files[file][2] + planted[file], file
    expected = Counter((file, code) for file, _line, code in BAD_RECORDS)
    for (file, code), n in expected.items():
        assert checks.get((file, code), 0) - clean_checks.get((file, code), 0) == n, (file, code)
    count("bad_records_tried", len(BAD_RECORDS))
    count("bad_records_rejected", sum(expected.values()))


@pytest.mark.parametrize("path", ["load_dataset", "line_by_line"])
def test_bom_and_unexpected_keys_read_alike_on_both_paths(tmp_path, clean, path):
    """A leading BOM is accepted (and noted) and an unexpected key counts the rows that hold it, whichever
    reader the file took."""
    source = _copy(tmp_path, path)
    comparisons = source / COMPARISONS
    rows = comparisons.read_bytes().splitlines()
    first = json.loads(rows[0])
    first["zz_unexpected"] = "only on this row"
    rows[0] = jsonline.BOM + json.dumps(first).encode()
    comparisons.write_bytes(b"\n".join(rows) + b"\n")
    if path == "line_by_line":
        _append(comparisons, FORCE_BY_HAND)
    done, db = _build(source)
    assert done.returncode == 0, done.stderr[-2000:]
    files, checks = _report(db)
    _n_input, n_ok, n_rejected, loader = files[COMPARISONS]
    assert loader == path
    assert n_ok == clean[0][COMPARISONS][1]  # the BOM row is accepted on both paths
    assert n_rejected == (path == "line_by_line")
    assert checks[COMPARISONS, "utf8_bom"] == 1
    assert checks[COMPARISONS, "unexpected_key"] == 1  # one row holds it, not every row
    count("reader_path_consistency_builds")


def test_safe_parser_codes():
    assert jsonline.loads(jsonline.BOM + b'{"a": 1}', at_file_start=True) == {"a": 1}
    assert jsonline.loads(b'{"e": "\\ud83d\\ude00"}') == {"e": "\U0001F600"}  # an escaped pair is fine
    assert jsonline.loads(b'{"s": "[[[[ not nesting ]]]]' + b"[" * 100 + b'"}')["s"].startswith("[[[[")
    for raw, code in [(DEEP_10K, "json_too_deep"), (b'"\\udfff"', "json_lone_surrogate"),
                      (b'{"a": {"b": 1, "b": 2}}', "json_duplicate_key"),
                      (jsonline.BOM + b"{}", "json_bom_mid_file"), (b"\xff{}", "malformed_json"),
                      (b"{", "malformed_json")]:
        with pytest.raises(jsonline.LineError) as info:
            jsonline.loads(raw)
        assert info.value.code == code


def _nesting(line: bytes) -> int:
    """Deepest nesting of one line, one character at a time: the test's own reading of JSON's strings and escapes."""
    deepest = level = 0
    in_string = escaped = False
    for ch in line:
        if escaped:  # a backslash escapes a quote or another backslash; other characters keep their meaning
            escaped = False
            if ch in b'"\\':
                continue
        if ch == ord("\\"):
            escaped = True
        elif ch == ord('"'):
            in_string = not in_string
        elif not in_string and ch in b"[{":
            level += 1
            deepest = max(deepest, level)
        elif not in_string and ch in b"]}":
            level -= 1
    return deepest


def _alternating(depth: int) -> bytes:
    opens = [b'{"k": ' if i % 2 == 0 else b"[" for i in range(depth)]
    return b"".join(opens) + b"0" + b"".join(b"}" if o.startswith(b"{") else b"]" for o in reversed(opens))


def test_the_depth_limit_holds_when_objects_and_lists_alternate():
    # Valid JSON, one level over the limit: removing "[]" then "{}" in one pass once peeled two levels at a time.
    assert _nesting(_alternating(jsonline.MAX_DEPTH + 1)) == jsonline.MAX_DEPTH + 1
    assert jsonline.too_deep(_alternating(jsonline.MAX_DEPTH + 1))
    assert not jsonline.too_deep(_alternating(jsonline.MAX_DEPTH))
    with pytest.raises(jsonline.LineError) as info:
        jsonline.loads(_alternating(2 * jsonline.MAX_DEPTH - 1))
    assert info.value.code == "json_too_deep"
    assert jsonline.loads(_alternating(jsonline.MAX_DEPTH)) is not None


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=80).map(lambda b: bytes(b'"\\[]{}a\n'[x % 8] for x in b)), st.integers(1, 5))
def test_deep_lines_finds_exactly_the_lines_a_character_scan_finds_too_deep(data, limit):
    saved = jsonline.MAX_DEPTH
    jsonline.MAX_DEPTH = limit
    try:
        found = jsonline.deep_lines(data)
    finally:
        jsonline.MAX_DEPTH = saved
    assert found == [i + 1 for i, line in enumerate(data.split(b"\n")) if _nesting(line) > limit]
