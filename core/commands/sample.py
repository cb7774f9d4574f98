"""`python -m core sample`: write a synthetic dataset in the release format, plus a planted ranker run."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from core.config import SAMPLE_DIR

SAMPLE_SEED = 20250827  # the seed of the committed sample in data/sample/


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale",
        choices=("small", "full", "10x"),
        default="small",
        help="small: the committed sample; full: the release's exact counts; 10x: ten times full",
    )
    parser.add_argument("--seed", type=int, default=SAMPLE_SEED, help=f"random seed (default {SAMPLE_SEED})")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"output folder (default for --scale small: {SAMPLE_DIR}; required otherwise)",
    )


def run(args: argparse.Namespace) -> int:
    from core.synth.generate import generate

    out = args.out
    if out is None:
        if args.scale != "small":
            # Never overwrite the committed sample with a large scale by accident.
            print(f"--out is required for --scale {args.scale}")
            return 2
        out = SAMPLE_DIR
    start = time.perf_counter()
    truth = generate(args.scale, args.seed, out)
    overall = truth["overall"]
    print(
        f"wrote SYNTHETIC {args.scale} data (seed {args.seed}) to {out} in {time.perf_counter() - start:.1f} s; "
        f"planted world agreement: pairwise {overall['pairwise']:.4f}, top {overall['top']:.4f} "
        f"over {overall['n_assessments']} assessments"
    )
    return 0
