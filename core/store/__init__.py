"""The DuckDB store: `build` writes one atomically from a source, `open_store` opens one read-only."""

from core.store.builder import BuildResult, build
from core.store.open import StoreError, damage, open_store, rebuild_command, store_path

__all__ = ["BuildResult", "StoreError", "build", "damage", "open_store", "rebuild_command", "store_path"]
