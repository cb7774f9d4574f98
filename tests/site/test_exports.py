"""Downloads: formula-safe CSV that stays numeric, exact Parquet, whitelisted names, complete manifests."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from core import exports, privacy

HOSTILE = ["=1+1", "+SUM(A1)", "-2 minus", "@import", "\ttab", "\rcr", "\0nul", "plain", "a,b \"quoted\"\nline"]


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"text": HOSTILE, "estimate": [-0.5 + i / 10 for i in range(len(HOSTILE))],
                         "n_participants": list(range(10, 10 + len(HOSTILE)))})


def read_back(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_text_cells_that_start_a_formula_get_a_leading_quote():
    rows = read_back(exports.to_csv_bytes(hostile_frame()))
    assert rows[0] == ["text", "estimate", "n_participants"]
    cells = [r[0] for r in rows[1:]]
    for original, cell in zip(HOSTILE, cells, strict=True):
        if original[0] in "=+-@\t\r\0":
            assert cell == "'" + original
        else:
            assert cell == original  # RFC 4180 quoting round-trips commas, quotes and newlines


def test_numeric_columns_stay_numeric_even_when_negative():
    data = exports.to_csv_bytes(hostile_frame())
    rows = read_back(data)
    assert rows[1][1] == "-0.5" and not rows[1][1].startswith("'")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert pd.api.types.is_float_dtype(back["estimate"]) and pd.api.types.is_integer_dtype(back["n_participants"])


def test_csv_uses_crlf_records():
    data = exports.to_csv_bytes(pd.DataFrame({"a": [1, 2]}))
    assert data.decode("utf-8-sig") == "a\r\n1\r\n2\r\n"


def test_parquet_keeps_text_exactly():
    df = hostile_frame()
    back = pd.read_parquet(io.BytesIO(exports.to_parquet_bytes(df)))
    assert back["text"].tolist() == HOSTILE
    assert back["estimate"].tolist() == df["estimate"].tolist()


@pytest.mark.parametrize("kind,view,ext", [("sections", "run-world-pairwise-t5", "csv"),
                                           ("agreement_by_country", "all", "parquet")])
def test_download_names_follow_the_pattern(kind, view, ext):
    assert exports.download_name(kind, view, ext) == f"ca1_{kind}_{view}.{ext}"


@pytest.mark.parametrize("kind,view,ext", [("../etc", "x", "csv"), ("sections", "a b", "csv"),
                                           ("sections", "x", "exe"), ("Sections", "x", "csv"),
                                           ("sections", "x" * 200, "csv"), ("sections", "", "csv")])
def test_download_names_refuse_anything_outside_the_whitelist(kind, view, ext):
    with pytest.raises(ValueError):
        exports.download_name(kind, view, ext)


def test_slug_turns_hostile_values_into_safe_parts():
    part = exports.slug("../../x", "<script>", "Mexico City", None)
    assert part == "x-script-mexico-city"
    assert exports.download_name("sections", part, "csv").startswith("ca1_sections_")


def test_manifest_names_filters_source_revision_rules_and_escaping():
    source = {"source": "hf", "revision": "bcd3b55", "resolved_commit": "f" * 40, "synthetic": "false",
              "secret_key": "not copied"}
    m = exports.manifest_dict({"block": "world"}, source, privacy.rules())
    assert m["filters"] == {"block": "world"}
    assert m["source"]["revision"] == "bcd3b55" and m["source"]["resolved_commit"] == "f" * 40
    assert "secret_key" not in m["source"] and m["synthetic"] is False
    assert m["small_group_rules"]["suppress_below"] == privacy.MIN_PARTICIPANTS
    assert "single quote" in m["escaping"] and m["site_code_version"]
