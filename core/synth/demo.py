"""The offline demo: the full-scale synthetic release (the study's size), generated once on first use."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from core import config

SCALE = "full"
SEED = 20250827  # the committed sample's seed: the demo is the same generator at the study's scale
MARKER = ".complete"


def directory() -> Path:
    """Where the demo release lives: generated data under the build folder, never committed."""
    return config.BUILD_DIR / f"demo-{SCALE}-{SEED}"


def ensure(target: Path, say: Callable[[float, str], None] | None = None) -> Path:
    """Generate the demo into `target` unless a complete copy is there; written aside and moved in whole."""
    if (target / MARKER).is_file():
        return target
    from core.synth.generate import generate

    if say is not None:
        say(0.0, "generating the synthetic demo at the study's scale (first start only, about 10 s)")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{target.name}.tmp-", dir=target.parent))
    try:
        generate(SCALE, SEED, work / "release")
        (work / "release" / MARKER).write_text(f"{SCALE} {SEED}\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)  # an incomplete earlier attempt
        (work / "release").rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
