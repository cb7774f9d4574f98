"""Download files: formula-safe CSV, unescaped Parquet, whitelisted file names and provenance manifests."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pandas as pd

from core.config import code_version

# OWASP ASVS 1.2.10 plus CR: a spreadsheet may treat a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
ESCAPING_NOTE = (
    "CSV files: text cells that begin with = + - @ tab, carriage return or NUL are prefixed with a single "
    "quote (') so spreadsheets do not run them as formulas; numbers are left as numbers. "
    "Parquet files are not escaped and hold the text exactly as released."
)
EXTENSIONS = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
    "zip": "application/zip",
    "duckdb": "application/octet-stream",
    "md": "text/markdown",
    "png": "image/png",  # chart images, drawn in the browser by the chart component
}
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
MAX_SLUG = 80


def escape_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet could read as a formula; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series)


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """RFC 4180 CSV (CRLF, minimal quoting, UTF-8 with BOM for spreadsheets); only text cells are escaped."""
    out = df.copy()
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = out[col].map(escape_cell, na_action="ignore")
    buf = io.StringIO()
    out.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    return buf.getvalue().encode("utf-8-sig")


def to_parquet_bytes(df: pd.DataFrame) -> bytes:
    """Parquet with the text exactly as stored (no escaping)."""
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def to_json_bytes(obj: object) -> bytes:
    """Pretty UTF-8 JSON for manifests."""
    return json.dumps(obj, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def slug(*parts: object) -> str:
    """Join validated state values into a file-name fragment of [a-z0-9_-] only."""
    text = "-".join(str(p) for p in parts if p not in (None, ""))
    text = re.sub(r"[^a-z0-9_]+", "-", text.lower())
    text = re.sub(r"[-_]{2,}", "-", text).strip("-_")  # `a-__b` would break download_name's pattern
    return text[:MAX_SLUG].strip("-_") or "all"


def download_name(kind: str, view_slug: str, ext: str) -> str:
    """`ca1_<kind>_<view>.<ext>`; every part must already match the whitelist (never raw input)."""
    if ext not in EXTENSIONS:
        raise ValueError(f"unsupported extension {ext!r}")
    for label, part in (("kind", kind), ("view", view_slug)):
        if not isinstance(part, str) or len(part) > MAX_SLUG or not _SLUG.fullmatch(part):
            raise ValueError(f"{label} {part!r} is not a safe file-name part")
    return f"ca1_{kind}_{view_slug}.{ext}"


def mime(ext: str) -> str:
    """MIME type for a whitelisted extension."""
    return EXTENSIONS[ext]


def manifest_dict(filters: dict[str, object], source_manifest: dict[str, str], rules: dict[str, object]) -> dict:
    """What a download holds and how it was made: filters, source and revision, code version, rules, escaping."""
    keep = (
        "source",
        "source_label",
        "synthetic",
        "revision",
        "resolved_commit",
        "built_at",
        "code_version",
        "bootstrap_b",
        "bootstrap_seed",
    )
    return {
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "filters": dict(filters),
        "source": {k: source_manifest.get(k) for k in keep if k in source_manifest},
        "synthetic": str(source_manifest.get("synthetic", "")).lower() == "true",
        "site_code_version": code_version(),
        "small_group_rules": rules,
        "escaping": ESCAPING_NOTE,
        "license": "Data: OpenAI collective-alignment-1 (CA-1), CC BY 4.0. Derived statistics: this site.",
    }
