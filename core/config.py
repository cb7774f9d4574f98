"""Paths, pinned revisions and project-wide constants, set in one place."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
BUILD_DIR = Path(os.environ.get("CA_BUILD_DIR", DATA_DIR / "build"))
RANKERS_DIR = DATA_DIR / "rankers"
SPEC_CACHE_DIR = DATA_DIR / "cache" / "spec"
SECTIONS_CSV = DATA_DIR / "model_spec_sections.csv"
CHANGELOG_YAML = DATA_DIR / "changelog.yaml"

# The release on the Hugging Face hub. The revision is pinned so results are reproducible;
# override with CA_REVISION or --revision. The resolved commit is recorded in the store manifest.
# Two repositories hold the release: CA-1 (the three files) and its newer home `openai/coval` (the same three
# files plus `conversation_rubrics.jsonl`). `hf` and `auto` read coval by default: it is the only repository
# whose one pinned revision holds both the rankings and the rubrics, and the rubric join is only meaningful
# against the comparisons of the same release (docs/data-model.md, "Rubrics"). CA_HF_REPO picks CA-1.
CA1_REPO = "openai/collective-alignment-1"
COVAL_REPO = "openai/coval"
HF_REPO_REVISIONS = {
    CA1_REPO: "bcd3b55",
    COVAL_REPO: "f0f45eacea13be9c71b4b85c489ca01e174c86c1",
}
HF_REPO = os.environ.get("CA_HF_REPO", COVAL_REPO)
HF_REVISION = os.environ.get("CA_REVISION", HF_REPO_REVISIONS.get(HF_REPO, "main"))
HF_CONFIGS = {
    # config name -> file name in the release (note: the config has no "s", the file does)
    "comparisons": "comparisons.jsonl",
    "annotators": "annotators.jsonl",
    "merged_comparison_annotators": "merged_comparisons_annotators.jsonl",
}
# The optional fourth config (openai/coval only, or a local copy that has the file): people's rubrics.
RUBRIC_CONFIG = "conversation_rubrics"
RUBRIC_FILE = "conversation_rubrics.jsonl"
HF_PROBE_TIMEOUT_S = 3.0

# Model Spec: the version the study used, fetched from a pinned public commit and checked.
SPEC_DEFAULT_VERSION = "2025-04-11"
SPEC_VERSIONS = {
    "2025-04-11": {
        "commit": "095dabb04dd2ade5e19d4438cec9a329ad967e02",
        "sha256": "eeb877a0b2480e0cb361ca0342b2f59ac1d7b83d42fa89e67fcac460fb4bdf19",
    },
    "2025-09-12": {
        "commit": "49e51d7fbe0c210d4c37718e645baa5e9b3464b3",
        "sha256": "c7e1ec06764b9e899b7a5ce9b6f541c2d3fd41c635326ba4c5cd162f5be32175",
    },
}
SPEC_RAW_URL = "https://raw.githubusercontent.com/openai/model_spec/{commit}/model_spec.md"
SPEC_PAGE_URL = "https://model-spec.openai.com/{version}.html#{anchor}"

# Statistics defaults (documented in docs/methodology.md).
BOOTSTRAP_B = 1000
BOOTSTRAP_SEED = 20250827
THRESHOLDS = (5, 4, 3)
BLOCKS = ("world", "personal")
METRICS = ("pairwise", "top")
LETTERS = ("A", "B", "C", "D")
# The participant fields every breakdown uses, in display order: country (ISO alpha-3), then the demographics.
GROUP_FIELDS = ("country", "age", "gender", "education_level", "generative_ai_usage", "ai_concern_level")
DEMOGRAPHIC_FIELDS = GROUP_FIELDS[1:]

# Small-group rules live in core/privacy.py; these are the numbers it uses.
MIN_PARTICIPANTS = 10
LOW_RELIABILITY_BELOW = 30
# A section or group whose figure rests on fewer prompts than this is not ranked and is quoted only with a warning.
MIN_PROMPTS = 5
# An anchor prompt is seen by at least this share of all participants and this many times the median prompt's.
ANCHOR_MIN_SHARE = 0.5
ANCHOR_MEDIAN_FACTOR = 5

SOURCE_ENV = "CA_SOURCE"
DEFAULT_SOURCE = "auto"

# Who runs this copy of the site, and where readers propose corrections (an issue tracker with
# .github/ISSUE_TEMPLATE/correction.md); set by whoever deploys it.
PUBLISHER = os.environ.get("CA_PUBLISHER", "")
REPO_URL = os.environ.get("CA_REPO_URL", "").rstrip("/")


@cache
def code_version() -> str:
    """Short git commit of the code, or 'unknown' outside a checkout (asked once per process: no fork per page).
    CA_CODE_VERSION overrides it: a container image has no .git (docs/deploy.md)."""
    import subprocess

    if os.environ.get("CA_CODE_VERSION"):
        return os.environ["CA_CODE_VERSION"]

    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
