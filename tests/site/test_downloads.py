"""Every download the downloads and prompt pages offer, opened and checked cell by cell on a planted store."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import duckdb
import pandas as pd
import pytest
import streamlit as st

from core import config, exports
from core.reads import slices
from tests.choice import choose, chosen
from tests.site import prompt_store as ps

NAME = re.compile(r"^ca1_[a-z0-9]+(?:[-_][a-z0-9]+)*\.(csv|parquet|json|zip)$")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Estimates planted for groups under 10 participants (or hidden as their complement): never in any download.
SMALL_VALUES = ("0.4321", "0.1234", "0.3217", "0.1111", "0.5432")
MANIFEST_KEYS = {"created_at", "filters", "source", "site_code_version", "small_group_rules", "escaping", "license",
                 "table", "tier", "row_count", "columns", "rules_applied"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return ps.build(tmp_path_factory.mktemp("download_store") / "ca_sample.duckdb")


@pytest.fixture
def page(store, monkeypatch):
    """Run a page and return (AppTest, {file name: (label, bytes)}) with every download generated."""
    monkeypatch.setenv(config.SOURCE_ENV, "sample")
    monkeypatch.setattr(config, "BUILD_DIR", store.parent)
    managers = ps.record_media_managers(monkeypatch)
    st.cache_data.clear()
    st.cache_resource.clear()

    def run(path: str, before=None, **params: str):
        at = ps.open_page(path, **params)
        if before is not None:
            before(at)
            at.run()
        assert not at.exception, [e.message for e in at.exception]
        return at, ps.downloads(at, managers[-1])

    yield run
    st.cache_data.clear()
    st.cache_resource.clear()


def same_frame(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Frames equal value by value (missing text may come back from Parquet as NaN rather than None)."""
    def norm(df: pd.DataFrame) -> pd.DataFrame:
        df = df.reset_index(drop=True).copy()
        for col in df.columns:
            if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
                df[col] = df[col].astype(object).where(df[col].notna(), None)
        return df

    pd.testing.assert_frame_equal(norm(left), norm(right), check_dtype=False)


def parse_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM so spreadsheets read UTF-8
    text = data.decode("utf-8-sig")
    assert "\r\n" in text  # RFC 4180 line ends
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    return rows[0], rows[1:]


def check_csv_against(data: bytes, exact: pd.DataFrame) -> None:
    """Every CSV cell is the Parquet value: text escaped when it starts a formula, numbers unescaped and numeric."""
    header, body = parse_csv(data)
    assert header == [str(c) for c in exact.columns]
    assert len(body) == len(exact)
    for i, col in enumerate(header):
        series = exact[col]
        for cell, value in zip((row[i] for row in body), series, strict=True):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                assert cell == "", (col, cell)
            elif isinstance(value, str):
                assert cell == ("'" + value if value.startswith(TRIGGERS) else value), (col, cell)
            elif isinstance(value, (bool, pd.BooleanDtype().type)) or pd.api.types.is_bool_dtype(series):
                assert cell in ("True", "False"), (col, cell)
            else:
                assert not cell.startswith("'")
                assert float(cell) == pytest.approx(float(value)), (col, cell)
    # Numbers stay numbers (docs/downloads.md): a negative weight such as -8.0 is a number, not a formula.
    text_cols = [i for i, col in enumerate(header) if not pd.api.types.is_numeric_dtype(exact[col])]
    for cell in (row[i] for row in body for i in text_cols):
        assert not cell.startswith(TRIGGERS), cell


def check_no_small_values(df: pd.DataFrame, n_cols: tuple[str, ...], value_cols: tuple[str, ...] = ()) -> None:
    """Shown counts are all >= 10; rows flagged `suppressed` carry no count and no value."""
    for col in n_cols:
        shown = pd.to_numeric(df[col], errors="coerce").dropna()
        assert (shown >= 10).all(), col
    if n_cols:
        hidden = df[df["suppressed"]]
        assert hidden[list(n_cols) + list(value_cols)].isna().all().all()


def check_bundle(files: dict, stem: str) -> None:
    csv_bytes, parquet_bytes = files[f"{stem}.csv"][1], files[f"{stem}.parquet"][1]
    with zipfile.ZipFile(io.BytesIO(files[f"{stem}.zip"][1])) as z:
        assert set(z.namelist()) == {f"{stem}.csv", f"{stem}.parquet", "manifest.json", "README.txt"}
        assert z.read(f"{stem}.csv") == csv_bytes
        pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(z.read(f"{stem}.parquet"))),
                                      pd.read_parquet(io.BytesIO(parquet_bytes)))
        assert set(json.loads(z.read("manifest.json"))) >= MANIFEST_KEYS
        assert "prefixed with a single quote" in z.read("README.txt").decode()


@pytest.mark.parametrize("name", list(slices.TABLES))
def test_every_table_download(page, store, name):
    at, files = page("app_pages/downloads.py", table=name)
    table_files = {f: v for f, v in files.items() if f.startswith(f"ca1_{name}_")}
    assert table_files, files.keys()
    assert all(NAME.match(f) for f in files), files.keys()
    con = duckdb.connect(str(store), read_only=True)
    view = slices.view_filters(ps.RUN, "world", "pairwise", 5, None)
    expected = {"full": slices.table(con, name), "view": slices.table(con, name, view)}
    con.close()
    stems = {"full": f"ca1_{name}_full", "view": f"ca1_{name}_{exports.slug(ps.RUN, 'world', 'pairwise', 't5')}"}
    spec = slices.TABLES[name]
    for tier, stem in stems.items():
        if expected[tier].empty:
            assert f"{stem}.csv" not in files
            continue
        exact = pd.read_parquet(io.BytesIO(files[f"{stem}.parquet"][1]))
        same_frame(exact, expected[tier])
        check_csv_against(files[f"{stem}.csv"][1], exact)
        check_no_small_values(exact, spec.n_cols, spec.numeric_values + spec.text_values)
        manifest = json.loads(files[f"{stem.replace(name, name + '_manifest', 1)}.json"][1])
        assert set(manifest) >= MANIFEST_KEYS
        assert manifest["row_count"] == len(exact) and manifest["tier"] == tier
        assert manifest["rules_applied"]["min_participants"] == 10
        assert manifest["source"]["revision"] == "bcd3b55"
        check_bundle(files, stem)
    shown = [t.value for t in at.text]
    assert any(t.startswith(f"{len(expected['full']):,} rows") for t in shown)
    blob = b"".join(v[1] for f, v in files.items() if not f.endswith(".json"))
    for value in SMALL_VALUES:
        for table in expected.values():
            assert not table.astype(str).apply(lambda c, v=value: c.str.contains(v, regex=False)).any().any()
        assert value.encode() not in blob or name == "build_files"


def test_build_report_text_is_escaped_in_csv_only(page):
    _, files = page("app_pages/downloads.py", table="build_report")
    exact = pd.read_parquet(io.BytesIO(files["ca1_build_report_full.parquet"][1]))
    assert exact["description"].tolist() == ["-2 rows @odd"]
    _, body = parse_csv(files["ca1_build_report_full.csv"][1])
    assert body[0][4] == "'-2 rows @odd"


def test_slice_download_escapes_every_trigger(page, store):
    _, files = page("app_pages/downloads.py")
    stem = "ca1_assessments_all"
    exact = pd.read_parquet(io.BytesIO(files[f"{stem}.parquet"][1]))
    con = duckdb.connect(str(store), read_only=True)
    expected = slices.assessments(con, slices.SliceFilter())
    con.close()
    same_frame(exact, expected)
    check_csv_against(files[f"{stem}.csv"][1], exact)
    header, body = parse_csv(files[f"{stem}.csv"][1])
    cells = {row[header.index("world_rationale")] for row in body}
    for raw in ps.HOSTILE_RATIONALES.values():
        assert ("'" + raw if raw.startswith(TRIGGERS) else raw) in cells
    assert set(ps.HOSTILE_RATIONALES.values()) <= set(exact["world_rationale"])  # Parquet stays exact
    manifest = json.loads(files["ca1_assessments_manifest_all.json"][1])
    assert manifest["row_count"] == len(exact) and manifest["n_participants"] == 30
    check_bundle(files, stem)


def test_small_slice_is_refused_with_a_plain_message(page):
    def pick_nld(at):
        choose(at, "w:page:slice_country", "NLD")

    at, files = page("app_pages/downloads.py", before=pick_nld)
    assert not [f for f in files if f.startswith("ca1_assessments_")]
    assert any("fewer than 10 participants" in w.value for w in at.warning)
    assert at.query_params["slice_country"] == "NLD"  # the slice lives in the URL like every other view


def test_slice_filters_come_from_the_link_and_junk_is_listed(page):
    at, _ = page("app_pages/downloads.py", slice_country="NLD", slice_block="personal", rationales="no",
                 slice_field="age", slice_level="no-such-age")
    assert chosen(at, "w:page:slice_country") == "NLD"
    assert chosen(at, "w:page:slice_block") == "personal"
    assert at.checkbox(key="slice:rationales").value is False
    notice = next(t.value for t in at.text if t.value.startswith("Ignored link parameters"))
    assert "slice_level=no-such-age" in notice and "slice_country" not in notice


def test_prompt_page_downloads(page):
    _, files = page("app_pages/prompts.py", prompt=ps.HOSTILE_PROMPT)
    assert files and all(NAME.match(f) for f in files), files.keys()
    for name, (_, data) in files.items():
        if name.endswith(".csv"):
            exact = pd.read_parquet(io.BytesIO(files[name.removesuffix(".csv") + ".parquet"][1]))
            check_csv_against(data, exact)
            check_no_small_values(exact, tuple(c for c in ("n_participants",) if c in exact.columns))
        if name.endswith(".json"):
            assert {"created_at", "filters", "source", "small_group_rules", "escaping"} <= set(json.loads(data))


def test_prompt_list_download_escapes_prompt_text(page):
    _, files = page("app_pages/prompts.py", sort="ranker")
    csv_name = next(f for f in files if f.startswith("ca1_prompt_list_") and f.endswith(".csv"))
    header, body = parse_csv(files[csv_name][1])
    texts = [row[header.index("first_user_text")] for row in body]
    assert "'" + ps.HOSTILE_TEXT in texts
    small = [row for row in body if row[header.index("prompt_id")] == ps.SMALL_PROMPT]
    assert not small or small[0][header.index("contestedness")] == ""


def test_large_tables_are_suppressed_only_when_downloaded(page, store, monkeypatch):
    from views import download_panel

    monkeypatch.setattr(download_panel, "EAGER_MAX_ROWS", 0)
    monkeypatch.setattr(download_panel, "_GENERATED", {})
    at, files = page("app_pages/downloads.py", table="prompt_country_first_choice")
    assert any("blanked when the file is generated" in t.value for t in at.text)
    con = duckdb.connect(str(store), read_only=True)
    expected = slices.table(con, "prompt_country_first_choice")
    con.close()
    stem = "ca1_prompt_country_first_choice_full"
    exact = pd.read_parquet(io.BytesIO(files[f"{stem}.parquet"][1]))
    same_frame(exact, expected)
    check_csv_against(files[f"{stem}.csv"][1], exact)
    manifest = json.loads(files["ca1_prompt_country_first_choice_manifest_full.json"][1])
    assert manifest["rows_suppressed"] == int(expected["suppressed"].sum()) > 0


def test_sample_store_downloads_page(site, sample_db):
    """On the real build's sample store the page lists both tiers with the stored row counts."""
    at = site("app_pages/downloads.py", table="agreement_group")
    assert not at.exception and at.title[0].value == "Data and downloads"
    full = sample_db.execute("SELECT count(*) FROM agreement_group").fetchone()[0]
    assert any(t.value.startswith(f"{full:,} rows") for t in at.text)
    names = [b.proto.label for b in at.get("download_button")]
    assert names.count("CSV") >= 3  # two tiers and the slice
    assert any("ca_sample.duckdb" in m.value for m in at.markdown)
    # Code blocks sit in expanders that run only when opened: none is sent before, both after.
    assert not at.code
    at.session_state["open:sql"] = True
    at.session_state["open:cite"] = True
    at.run()
    assert not at.exception
    commands = [c.value for c in at.code if "duckdb" in c.value]
    assert len(commands) == 2 and all("ca_sample.duckdb" in c for c in commands)
    assert any(c.value.startswith("@misc{ca_explorer_") for c in at.code)


def test_junk_table_parameter_falls_back_with_a_notice(page):
    at, files = page("app_pages/downloads.py", table="<script>x</script>")
    assert any(t.value.startswith("Ignored link parameters") and "table=<script>" in t.value for t in at.text)
    assert "ca1_agreement_section_full.csv" in files  # the default table
    assert all(NAME.match(f) for f in files)
