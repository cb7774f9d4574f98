"""`python -m core rank`: run (or price, with --dry-run) a Model Spec Ranker reproduction on a built store."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core import config

# GPT-5 list prices on the OpenAI pricing page as of 2025-08-07 (launch), USD per 1M tokens, uncached input.
DEFAULT_PRICE_IN = 1.25
DEFAULT_PRICE_OUT = 10.00


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source", required=True, help="source whose built store supplies the prompts (e.g. hf, sample)"
    )
    parser.add_argument("--store", type=Path, help="use this DuckDB store file instead of the one built for --source")
    parser.add_argument("--model", required=True, help="model name sent to the endpoint, e.g. gpt-5")
    parser.add_argument(
        "--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (default: OpenAI)"
    )
    spec = parser.add_mutually_exclusive_group()
    spec.add_argument("--spec", type=Path, help="local Model Spec markdown file (checksummed, never downloaded)")
    spec.add_argument(
        "--spec-version",
        default=None,
        choices=sorted(config.SPEC_VERSIONS),
        help=f"pinned spec version to download and verify (default {config.SPEC_DEFAULT_VERSION})",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="parallel requests (default 4)")
    parser.add_argument("--limit", type=int, help="rank only the first N prompts of the store")
    parser.add_argument(
        "--dry-run", action="store_true", help="send nothing; print prompt count, token and cost estimate"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=config.RANKERS_DIR,
        help="folder that holds run directories (default data/rankers); the run goes to OUT/RUN_ID",
    )
    parser.add_argument(
        "--run-id",
        help="run directory name; the default is derived from model, spec, template and "
        "source, so repeating a command resumes its run",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per request (default 600)")
    parser.add_argument(
        "--max-retries",
        type=int,
        default=4,
        help="extra requests per prompt after an error or an invalid reply (default 4)",
    )
    parser.add_argument(
        "--retry-base-delay",
        type=float,
        default=2.0,
        help="first backoff delay in seconds, doubled per retry, with jitter (default 2)",
    )
    parser.add_argument(
        "--response-format",
        choices=("json_schema", "json_object", "none"),
        default="json_schema",
        help="how the reply format is enforced server-side (default json_schema; the reply is always "
        "validated locally too)",
    )
    parser.add_argument(
        "--system-role",
        choices=("system", "developer"),
        default="system",
        help="role of the message carrying the spec and instructions (default system)",
    )
    parser.add_argument("--temperature", type=float, help="sampling temperature (not sent unless given)")
    parser.add_argument("--reasoning-effort", help="reasoning_effort for reasoning models (not sent unless given)")
    parser.add_argument("--max-completion-tokens", type=int, help="cap on completion tokens (not sent unless given)")
    parser.add_argument("--ranker-name", default="MSR reproduction", help="label shown on the site")
    parser.add_argument(
        "--price-in",
        type=float,
        default=DEFAULT_PRICE_IN,
        help=f"USD per 1M input tokens for --dry-run (default {DEFAULT_PRICE_IN}: GPT-5, 2025-08-07)",
    )
    parser.add_argument(
        "--price-out",
        type=float,
        default=DEFAULT_PRICE_OUT,
        help=f"USD per 1M output tokens for --dry-run (default {DEFAULT_PRICE_OUT}: GPT-5, 2025-08-07)",
    )
    parser.add_argument(
        "--est-reasoning-tokens",
        type=int,
        default=0,
        help="hidden reasoning tokens per prompt to add to the --dry-run estimate (default 0)",
    )


def _open_store(args: argparse.Namespace):
    """Read-only connection to the prompts' store; StoreError names the build command when it is missing."""
    from core import store

    return store.open_store(args.store or store.store_path(args.source), args.source)


def _print_estimate(args: argparse.Namespace, spec, template, items, remaining: int) -> None:
    from core.ranker.runner import estimate

    est = estimate(spec, template, items, args.price_in, args.price_out, args.est_reasoning_tokens)
    print(
        f"dry run: nothing sent. {est.prompts} prompts ({remaining} not yet done in this run), "
        f"spec {spec.version} ({len(spec.sections)} sections), template {template.version}"
    )
    print(
        f"estimated tokens (characters / 4, a rough heuristic): prompt {est.prompt_tokens:,}, "
        f"completion {est.completion_tokens:,} (JSON reply; reasoning tokens: {args.est_reasoning_tokens} per prompt)"
    )
    print(
        f"estimated cost at ${args.price_in}/1M in and ${args.price_out}/1M out, without prompt caching: "
        f"${est.cost_usd:,.2f}"
    )


def run(args: argparse.Namespace) -> int:
    from core.ranker import runner
    from core.ranker.client import FatalRankerError, RetryPolicy
    from core.ranker.format import RESULTS_FILE
    from core.ranker.prompt import load_template
    from core.ranker.spec import SpecError, load_spec
    from core.release.source import SourceError
    from core.store import StoreError

    if args.concurrency < 1 or (args.limit is not None and args.limit < 0) or args.max_retries < 0:
        print("--concurrency must be >= 1; --limit and --max-retries must be >= 0", file=sys.stderr)
        return 2
    try:
        con = _open_store(args)  # first: a missing store is the likeliest problem and needs no network to report
        try:
            items = runner.load_items(con, args.limit)
            dataset = runner.dataset_info(con, args.source)
        finally:
            con.close()
        spec = load_spec(version=args.spec_version, path=args.spec)
        template = load_template()
        cfg = runner.RunConfig(
            source=args.source,
            model=args.model,
            base_url=args.base_url or os.environ.get("OPENAI_BASE_URL"),
            run_id=args.run_id,
            out_dir=args.out,
            concurrency=args.concurrency,
            limit=args.limit,
            timeout_s=args.timeout,
            policy=RetryPolicy(max_retries=args.max_retries, base_delay_s=args.retry_base_delay),
            ranker_name=args.ranker_name,
            response_format=args.response_format,
            system_role=args.system_role,
            temperature=args.temperature,
            reasoning_effort=args.reasoning_effort,
            max_completion_tokens=args.max_completion_tokens,
        )
        if args.dry_run:
            run_id = cfg.run_id or runner.default_run_id(cfg.model, spec, template, dataset["source"] or cfg.source)
            status = runner.recover_results(cfg.out_dir / run_id / RESULTS_FILE, say=lambda _: None, repair=False)
            _print_estimate(args, spec, template, items, sum(1 for i in items if not status.get(i.prompt_id)))
            return 0
        summary = runner.run(cfg, spec, template, items, dataset)
    except (SpecError, StoreError, SourceError, runner.RankerError, FatalRankerError, ValueError) as exc:
        print(f"rank: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rank: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    print(
        f"run {summary.run_dir}: {summary.ok} ok, {summary.failed} failed of {summary.prompts} prompts "
        f"({summary.requests_done} ranked now, {summary.skipped} already done); "
        f"tokens {summary.prompt_tokens:,} in, {summary.completion_tokens:,} out"
    )
    return 0 if summary.failed == 0 else 3
