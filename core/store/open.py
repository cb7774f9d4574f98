"""Where a store lives and opening one read-only, with a message naming the rebuild command when it cannot be used."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from core import config
from core.release.source import Source, resolve_source
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

REQUIRED_TABLES = 5  # tables counted by build_store_check.sql


class StoreError(Exception):
    """The store cannot be opened or built; the message is meant for people and names the fix."""


def _slug(source: Source) -> str:
    if source.kind in ("hf", "sample", "demo"):
        return source.kind
    directory = Path(source.location)
    base = re.sub(r"[^a-z0-9]+", "-", directory.name.lower()).strip("-") or "local"
    # The hash keeps two directories with the same name apart.
    return f"{base}-{hashlib.sha256(str(directory).encode()).hexdigest()[:8]}"


def store_path(source_name: str | Source) -> Path:
    """Default store file for a source: data/build/ca_<slug>.duckdb (`auto` is resolved first)."""
    source = source_name if isinstance(source_name, Source) else resolve_source(source_name)
    return config.BUILD_DIR / f"ca_{_slug(source)}.duckdb"


def rebuild_command(path: Path, source_name: str | None = None) -> str:
    """The exact command that (re)builds the store at `path`."""
    if source_name is None:
        match = re.fullmatch(r"ca_(hf|sample|demo)\.duckdb", path.name)
        source_name = match.group(1) if match else "SOURCE"
    command = f"python -m core build --source {source_name}"
    default = config.BUILD_DIR / f"ca_{source_name}.duckdb"
    if path.resolve() != default.resolve():
        command += f" --db {path}"
    return command


_SCHEMA_ERRORS = ("ParserException", "BinderException", "CatalogException", "ConversionException")


def damage(exc: BaseException, path: Path | str, source_name: str | None = None) -> StoreError | None:
    """A StoreError in plain words when a query failed because the store's blocks are damaged, else None.

    The header and catalogue can be intact while data blocks are not (DuckDB then fails on the first query that
    reads one, with a checksum error); a mistake in our own SQL is not damage and stays an error of ours.
    """
    import duckdb

    if not isinstance(exc, duckdb.Error) or type(exc).__name__ in _SCHEMA_ERRORS:
        return None
    path = Path(path)
    first = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
    return StoreError(
        f"The data store at {path} is damaged: part of it cannot be read ({first}). "
        f"Build it again with: {rebuild_command(path, source_name)}"
    )


def open_store(path: Path | str, source_name: str | None = None):
    """Read-only connection to a built store; StoreError (with the rebuild command) when missing or unusable."""
    import duckdb

    path = Path(path)
    fix = f"Build it with: {rebuild_command(path, source_name)}"
    if not path.is_file():
        raise StoreError(f"No data store at {path}. {fix}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(
            f"The data store at {path} cannot be opened ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0][:160]}). {fix}"
        ) from exc
    try:
        present = con.execute(query("build_store_check")).fetchall()[0][0]
        expected_bytes = con.execute(query("build_store_size")).fetchall()[0][0]
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"The data store at {path} is unreadable ({exc.__class__.__name__}). {fix}") from exc
    if path.stat().st_size < expected_bytes:
        con.close()
        raise StoreError(
            f"The data store at {path} is truncated ({path.stat().st_size:,} of {expected_bytes:,} bytes). {fix}"
        )
    if present < REQUIRED_TABLES:
        con.close()
        raise StoreError(f"The data store at {path} is incomplete (manifest or release tables missing). {fix}")
    return con
