"""Every download the site offers, on the hostile store: formula escaping, RFC 4180, numbers, Parquet, file names."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from urllib.parse import quote

import duckdb
import pandas as pd
import pytest

from components import nav
from core.reads import slices
from tests.datasets import hostile
from tests.trust.support import count, exceptions_of, site_on, texts_of

# Independent of core/exports.py: OWASP ASVS 1.2.10 triggers plus carriage return.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")
FILE_NAME = re.compile(r"ca1_[a-z0-9]+(?:[-_][a-z0-9]+)*\.(csv|parquet|json|zip)")


def _views(planted: dict) -> list[tuple[str, dict]]:
    views = [(p.path, {}) for p in nav.PAGES]
    views += [(nav.by_url_path("prompts").path, {"prompt": pid}) for pid in planted["prompt_ids"]]
    views += [(nav.by_url_path("prompts").path, {"prompt": planted["anchor_prompt_id"], "block": "personal"})]
    views += [(nav.by_url_path("downloads").path, {"table": name}) for name in slices.TABLES if name != "agreement_section"]
    views += [(nav.by_url_path("people").path, {"field": f}) for f in ("gender", "age")]
    views += [(nav.by_url_path("sections").path, {"group": f"gender:{hostile.HOSTILE_GENDER}"})]
    return views


@pytest.fixture(scope="module")
def offered(hostile_store, site_runner_module):
    """(downloads with their bytes, page errors, visible texts) from walking every page and view with AppTest."""
    runner = site_runner_module
    errors, notes = [], []
    with site_on(hostile_store):
        for page, query in _views(hostile_store.planted):
            at = runner.open(page, query, expand=True)
            errors += [f"{page} {query}: {e}" for e in exceptions_of(at)]
            notes.append((page, query, texts_of(at)))
        files = {}
        for d in runner.downloads:
            if d.file_name not in files:
                try:
                    files[d.file_name] = (d, d.data())
                except Exception as exc:
                    errors.append(f"{d.page} {d.file_name}: {exc.__class__.__name__}: {exc}")
    count("download_views_walked_hostile", len(_views(hostile_store.planted)))
    return files, errors, notes


@pytest.fixture(scope="module")
def site_runner_module():
    import streamlit as st

    from tests.trust.support import SiteRunner

    runner = SiteRunner()
    original = st.download_button
    st.download_button = runner.record(original)
    yield runner
    st.download_button = original


def _expected_text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def _check_csv_against_parquet(name: str, csv_bytes: bytes, frame: pd.DataFrame) -> tuple[int, int]:
    """Every cell of the CSV against the Parquet frame; returns (cells checked, escaped cells)."""
    assert csv_bytes.startswith(b"\xef\xbb\xbf"), f"{name}: no UTF-8 BOM"
    text = csv_bytes[3:].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    assert rows[0] == [str(c) for c in frame.columns], name
    body = rows[1:]
    assert len(body) == len(frame), f"{name}: {len(body)} CSV rows, {len(frame)} Parquet rows"
    cells = escaped = 0
    for col_index, col in enumerate(frame.columns):
        series = frame[col]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        for row_index, value in enumerate(series.tolist()):
            cell = body[row_index][col_index]
            cells += 1
            if numeric:
                if pd.isna(value):
                    assert cell == "", (name, col, row_index, cell)
                else:
                    assert not cell.startswith("'"), f"{name}: number escaped in {col}: {cell!r}"
                    assert float(cell) == pytest.approx(float(value), rel=1e-12, abs=0), (name, col, cell, value)
            elif isinstance(value, str):
                assert cell == _expected_text(value), (name, col, row_index, cell[:80], value[:80])
                escaped += cell != value
            elif isinstance(value, bool):
                assert cell == str(value), (name, col, cell)
            else:
                assert cell == _expected_text(value), (name, col, row_index, cell[:80])
    return cells, escaped


def test_no_page_fails_on_the_hostile_store(offered):
    _, errors, notes = offered
    assert not errors, errors
    failures = [(p, q) for p, q, texts in notes if any("could not be shown because of an error" in t for t in texts)]
    assert not failures, f"pages showing the failure message: {failures}"


def test_every_download_name_follows_the_fixed_pattern(offered):
    files, _, _ = offered
    assert len(files) >= 40
    bad = [n for n in files if not FILE_NAME.fullmatch(n)]
    assert not bad, bad
    count("download_files_checked", len(files))


def test_every_csv_cell_is_escaped_quoted_and_typed(offered):
    files, _, _ = offered
    cells = escaped = pairs = 0
    triggers_seen: set[str] = set()
    for name, (_, data) in files.items():
        if not name.endswith(".csv"):
            continue
        parquet_name = name[: -len(".csv")] + ".parquet"
        assert parquet_name in files, f"{name} has no Parquet twin"
        frame = pd.read_parquet(io.BytesIO(files[parquet_name][1]))
        c, e = _check_csv_against_parquet(name, data, frame)
        cells, escaped, pairs = cells + c, escaped + e, pairs + 1
        for col in frame.columns:
            for v in frame[col]:
                if isinstance(v, str) and v.startswith(TRIGGERS):
                    triggers_seen.add(v[0])
    # The hostile store puts every trigger at the start of some downloaded text cell: the check was exercised.
    assert triggers_seen == set(TRIGGERS), f"triggers never downloaded: {set(TRIGGERS) - triggers_seen}"
    assert escaped > 0
    count("csv_parquet_pairs_checked", pairs)
    count("csv_cells_checked", cells)
    count("csv_cells_escaped", escaped)


def test_zip_bundles_hold_the_same_files_and_the_note(offered):
    files, _, _ = offered
    zips = [n for n in files if n.endswith(".zip")]
    assert zips
    for name in zips:
        with zipfile.ZipFile(io.BytesIO(files[name][1])) as z:
            stem = name[: -len(".zip")]
            members = set(z.namelist())
            assert {f"{stem}.csv", f"{stem}.parquet", "manifest.json", "README.txt"} <= members, members
            if f"{stem}.csv" in files:
                assert z.read(f"{stem}.csv") == files[f"{stem}.csv"][1]
            readme = z.read("README.txt").decode("utf-8")
            assert "'" in readme and "Parquet" in readme and "not escaped" in readme
            manifest = json.loads(z.read("manifest.json"))
            assert "escaping" in manifest or "rules_applied" in manifest
    count("zip_bundles_checked", len(zips))


def test_parquet_holds_the_text_exactly_as_stored(offered, hostile_store):
    """The slice download's Parquet rows are the store's rows, hostile text unescaped, byte for byte."""
    files, _, _ = offered
    slices_parquet = [n for n in files if n.startswith("ca1_assessments_") and n.endswith(".parquet")]
    assert slices_parquet
    con = duckdb.connect(str(hostile_store.db_path), read_only=True)
    try:
        stored = con.execute("SELECT assessment_id, prompt_id, annotator_id, world_rationale, personal_rationale, "
                             "unacceptable_rationale FROM assessments").df().set_index("assessment_id")
    finally:
        con.close()
    compared = 0
    for name in slices_parquet:
        frame = pd.read_parquet(io.BytesIO(files[name][1])).set_index("assessment_id")
        for col in [c for c in stored.columns if c in frame.columns]:
            mine = frame[col]
            theirs = stored.loc[frame.index, col]
            assert [None if pd.isna(v) else v for v in mine] == [None if pd.isna(v) else v for v in theirs], col
            compared += len(mine)
        hostile_values = set(hostile.HOSTILE.values())
        assert frame["world_rationale"].isin(hostile_values).sum() > 0
        assert (frame["annotator_id"] == hostile.HOSTILE_ANNOTATOR_ID).any()
    count("parquet_cells_compared_with_store", compared)


def test_every_page_with_downloads_states_the_escaping_rule(offered):
    files, _, notes = offered
    pages_with_downloads = {d.page for d, _ in files.values()}
    for page in pages_with_downloads:
        texts = " ".join(t for p, q, ts in notes if p == page for t in ts)
        assert "formula" in texts and "'" in texts and "Parquet" in texts, page


def test_prompt_id_deep_link_download_names_stay_in_the_whitelist(offered, hostile_store):
    """The hostile prompt id reaches file names only through the slug whitelist."""
    files, _, _ = offered
    hostile_id = hostile_store.planted["hostile_prompt_id"]
    for name in files:
        for fragment in (hostile_id, quote(hostile_id), "<", ">", '"', "(", ")", "/", " "):
            assert fragment not in name, (name, fragment)
