"""All SQL lives in this folder as named .sql files; `query(name)` returns one, parameters stay `?`/`$name`."""
from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent


@cache
def query(name: str) -> str:
    """Text of core/sql/<name>.sql. Values are always bound as parameters, never formatted in."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no SQL named {name!r} in {SQL_DIR}")
    return path.read_text(encoding="utf-8")
