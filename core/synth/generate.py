"""Run the generator for one scale and seed and write the release files, README and ranker run."""

from __future__ import annotations

from pathlib import Path

from core.config import RUBRIC_FILE
from core.synth import readme, writer
from core.synth.dataset import Synthetic, synthesize


def write(data: Synthetic, out: Path) -> dict:
    """Write everything under `out`; returns the planted truth."""
    counts = writer.write_release(out, data)
    counts[RUBRIC_FILE], _ = writer.write_rubrics(out, data)
    truth = writer.write_ranker_run(out, data)
    (out / "README.md").write_text(readme.render(data, counts, truth), encoding="utf-8")
    return truth


def generate(scale_name: str, seed: int, out: Path) -> dict:
    """Synthesize and write one scale and seed; returns the planted truth."""
    return write(synthesize(scale_name, seed), out)
