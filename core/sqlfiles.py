"""Named SQL files beside the module that runs them: `query = sql_folder(__file__)`, then `query("name")`."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path


def sql_folder(module_file: str) -> Callable[[str], str]:
    """A loader for the `sql/` folder next to `module_file`; values are always bound, never formatted in."""
    folder = Path(module_file).resolve().parent / "sql"

    @cache
    def query(name: str) -> str:
        path = folder / f"{name}.sql"
        if not path.is_file():
            raise KeyError(f"no SQL named {name!r} in {folder}")
        return path.read_text(encoding="utf-8")

    return query
