"""Model Spec Ranker reproduction: rank every prompt of a store with an OpenAI-compatible model, resumably."""

from __future__ import annotations

import os
import random
import re
import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core import config
from core.ranker import format as fmt
from core.ranker.client import FatalRankerError, Outcome, RetryPolicy, rank_one
from core.ranker.prompt import Item, Template, reply_schema, system_message, user_message
from core.ranker.spec import Spec
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

OPENAI_HOST = "api.openai.com"
PLACEHOLDER_KEY = "not-needed"  # local servers accept any key; the client refuses to start without one


class RankerError(RuntimeError):
    """A run cannot start or continue; the message says what to do."""


@dataclass(frozen=True)
class RunConfig:
    source: str
    model: str
    base_url: str | None = None
    run_id: str | None = None
    out_dir: Path = config.RANKERS_DIR
    concurrency: int = 4
    limit: int | None = None
    timeout_s: float = 600.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    ranker_name: str = "MSR reproduction"
    response_format: str = "json_schema"
    system_role: str = "system"
    temperature: float | None = None
    reasoning_effort: str | None = None
    max_completion_tokens: int | None = None


@dataclass(frozen=True)
class RunSummary:
    run_dir: Path
    prompts: int
    ok: int
    failed: int
    skipped: int  # already done before this invocation
    requests_done: int  # prompts sent in this invocation
    prompt_tokens: int
    completion_tokens: int


def load_items(con, limit: int | None = None) -> list[Item]:
    """Prompts of a built store in file order, with their turns and the four responses."""
    ids = [row[0] for row in con.execute(query("ranker_prompts")).fetchall()]
    if limit is not None:
        ids = ids[:limit]
    wanted = set(ids)
    turns: dict[str, list[tuple[str, str]]] = {}
    for prompt_id, role, content in con.execute(query("ranker_messages")).fetchall():
        if prompt_id in wanted:
            turns.setdefault(prompt_id, []).append((role, content or ""))
    responses: dict[str, dict[str, str]] = {}
    for prompt_id, letter, content in con.execute(query("ranker_responses")).fetchall():
        if prompt_id in wanted:
            responses.setdefault(prompt_id, {})[letter] = content or ""
    items = []
    for prompt_id in ids:
        letters = responses.get(prompt_id, {})
        missing = [x for x in "ABCD" if x not in letters]
        if missing:
            raise RankerError(f"prompt {prompt_id} has no response {''.join(missing)} in the store")
        items.append(Item(prompt_id, turns.get(prompt_id, []), letters))
    return items


def dataset_info(con, source: str) -> dict:
    """source / revision / resolved_commit from the store's manifest table."""
    values = dict(con.execute(query("ranker_store_manifest")).fetchall())
    # A local source stores '' for revision and commit; the run format uses null for "not applicable".
    return {
        "source": values.get("source") or source,
        "revision": values.get("revision") or None,
        "resolved_commit": values.get("resolved_commit") or None,
    }


def base_url_host(base_url: str | None) -> str:
    """Host (and port) only: no scheme, path, query or credentials end up in the manifest."""
    if not base_url:
        return OPENAI_HOST
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


def default_run_id(model: str, spec: Spec, template: Template, source: str) -> str:
    """Deterministic, so running the same command again resumes the same run."""
    raw = f"{model}_{spec.version}_{template.version}_{Path(source).name or source}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-")


def api_key(base_url: str | None) -> str:
    """OPENAI_API_KEY from the environment only; a local server gets a placeholder when it is unset."""
    key = os.environ.get("OPENAI_API_KEY", "").strip()
    if key:
        return key
    if base_url_host(base_url) == OPENAI_HOST:
        raise RankerError("set OPENAI_API_KEY in the environment (it is never written to disk), or use --base-url")
    return PLACEHOLDER_KEY


def request_kwargs(cfg: RunConfig, spec: Spec) -> dict:
    """Fixed part of every chat.completions.create call."""
    kwargs: dict = {"model": cfg.model}
    if cfg.response_format == "json_schema":
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "msr_reply", "strict": True, "schema": reply_schema(tuple(spec.anchors))},
        }
    elif cfg.response_format == "json_object":
        kwargs["response_format"] = {"type": "json_object"}
    for name in ("temperature", "reasoning_effort", "max_completion_tokens"):
        if getattr(cfg, name) is not None:
            kwargs[name] = getattr(cfg, name)
    return kwargs


def parameters(cfg: RunConfig, template: Template) -> dict:
    """Settings that shape the results, recorded in the manifest (never the key or the full URL)."""
    return {
        "response_format": cfg.response_format,
        "system_role": cfg.system_role,
        "temperature": cfg.temperature,
        "reasoning_effort": cfg.reasoning_effort,
        "max_completion_tokens": cfg.max_completion_tokens,
        "timeout_s": cfg.timeout_s,
        "max_retries": cfg.policy.max_retries,
        "concurrency": cfg.concurrency,
        "limit": cfg.limit,
        "template_sha256": template.sha256,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def recover_results(path: Path, say: Callable[[str], None], repair: bool = True) -> dict[str, bool]:
    """Per prompt id, whether it is done OK; cut a half-written last line (crash mid-write) so it is redone.

    With repair=False (dry runs) the file is only read; the half-written line then simply does not count.
    """
    if not path.exists():
        return {}
    data = path.read_bytes()
    if data and not data.endswith(b"\n") and repair:
        keep = data.rfind(b"\n") + 1
        say(
            f"{path}: the last line was half-written ({len(data) - keep} bytes, no newline); "
            "it is removed and its prompt will be ranked again"
        )
        os.truncate(path, keep)
    status: dict[str, bool] = {}
    unreadable = 0
    for line in fmt.read_lines(path):
        record = line.record
        if not line.complete:
            continue
        if record is None or not isinstance(record.get("prompt_id"), str):
            unreadable += 1
            continue
        status[record["prompt_id"]] = status.get(record["prompt_id"], False) or fmt.is_ok(record)
    if unreadable:
        say(f"{path}: {unreadable} unreadable line(s) kept as they are and ignored for resuming")
    return status


def _manifest(cfg: RunConfig, run_id: str, spec: Spec, template: Template, dataset: dict, created_at: str) -> dict:
    return {
        "format": fmt.RUN_FORMAT,
        "run_id": run_id,
        "ranker_name": cfg.ranker_name,
        "model": cfg.model,
        "base_url_host": base_url_host(cfg.base_url),
        "spec_version": spec.version,
        "spec_sha256": spec.sha256,
        "template_version": template.version,
        "created_at": created_at,
        "synthetic": False,
        "dataset": dataset,
        "parameters": parameters(cfg, template),
        "counts": {"prompts": 0, "ok": 0, "failed": 0},
    }


def _check_same_run(old: dict, new: dict, run_dir: Path) -> None:
    """Refuse to mix results of a different model, spec, template or dataset into one run."""
    for key in ("model", "spec_sha256", "template_version"):
        if old.get(key) != new[key]:
            raise RankerError(
                f"{run_dir} holds a run with {key}={old.get(key)!r}, not {new[key]!r}: pass another --run-id"
            )
    if old.get("dataset", {}).get("resolved_commit") != new["dataset"]["resolved_commit"]:
        raise RankerError(
            f"{run_dir} was made from dataset commit {old['dataset'].get('resolved_commit')!r}, "
            f"the store has {new['dataset']['resolved_commit']!r}: pass another --run-id"
        )


def _result(prompt_id: str, outcome: Outcome) -> dict:
    answer = outcome.answer
    return {
        "prompt_id": prompt_id,
        "ranking": answer.ranking if answer else None,
        "relevance": answer.relevance if answer else {},
        "rationale": answer.rationale if answer else None,
        "usage": {"prompt_tokens": outcome.prompt_tokens, "completion_tokens": outcome.completion_tokens},
        "error": outcome.error,
    }


def _scrub(record: dict, secret: str) -> dict:
    """Belt and braces: an error text echoed by a server must not carry the key into the file."""
    if secret != PLACEHOLDER_KEY and record["error"] and secret in record["error"]:
        record["error"] = record["error"].replace(secret, "***")
    return record


def run(
    cfg: RunConfig,
    spec: Spec,
    template: Template,
    items: list[Item],
    dataset: dict,
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
) -> RunSummary:
    """Rank the items not yet done OK in the run directory, appending one line per prompt."""
    from openai import OpenAI
    from tqdm import tqdm

    key = api_key(cfg.base_url)
    client = OpenAI(base_url=cfg.base_url, api_key=key, timeout=cfg.timeout_s, max_retries=0)
    run_id = cfg.run_id or default_run_id(cfg.model, spec, template, dataset["source"] or cfg.source)
    run_dir = cfg.out_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(cfg, run_id, spec, template, dataset, _now())
    if (run_dir / fmt.MANIFEST_FILE).exists():
        try:
            old = fmt.read_manifest(run_dir)
        except ValueError as exc:
            raise RankerError(f"cannot resume: {exc}") from None
        _check_same_run(old, manifest, run_dir)
        manifest["created_at"] = old["created_at"]
    results_path = run_dir / fmt.RESULTS_FILE
    status = recover_results(results_path, say)
    todo = [item for item in items if not status.get(item.prompt_id)]
    skipped = len(items) - len(todo)
    if skipped:
        say(f"resuming {run_dir}: {skipped} of {len(items)} prompts already done, {len(todo)} to go")

    def counts() -> dict:
        targeted = {item.prompt_id for item in items} | set(status)
        ok = sum(1 for done in status.values() if done)
        return {"prompts": len(targeted), "ok": ok, "failed": sum(1 for done in status.values() if not done)}

    manifest["counts"] = counts()
    fmt.write_manifest(run_dir, manifest)

    system_text = system_message(template, spec)
    fixed = request_kwargs(cfg, spec)
    anchors = tuple(spec.anchors)
    rng = random.Random()  # jitter only

    stop = threading.Event()  # set by the first fatal error so queued prompts are not sent at all

    def work(item: Item) -> Outcome | None:
        if stop.is_set():
            return None
        messages: list[Any] = [  # the SDK types each role separately; these are plain role/content dicts
            {"role": cfg.system_role, "content": system_text},
            {"role": "user", "content": user_message(template, item, len(anchors))},
        ]
        try:
            return rank_one(
                lambda: client.chat.completions.create(messages=messages, **fixed), anchors, cfg.policy, rng
            )
        except FatalRankerError:
            stop.set()
            raise

    writer = _Writer(
        os.open(results_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644),
        status,
        key,
        say,
        tqdm(total=len(todo), unit="prompt", desc=run_id, disable=None, file=sys.stderr),
    )
    pool = ThreadPoolExecutor(max_workers=max(1, cfg.concurrency))
    window = 2 * max(1, cfg.concurrency)  # bounded queue: a Ctrl-C leaves few submitted requests behind
    try:
        pending: dict[Future, Item] = {}
        for item in todo:
            pending[pool.submit(work, item)] = item
            if len(pending) >= window:
                writer.drain(pending, wait(pending, return_when=FIRST_COMPLETED).done)
        while pending:
            writer.drain(pending, wait(pending, return_when=FIRST_COMPLETED).done)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        writer.close()
        manifest["counts"] = counts()
        fmt.write_manifest(run_dir, manifest)
    final = manifest["counts"]
    return RunSummary(
        run_dir,
        final["prompts"],
        final["ok"],
        final["failed"],
        skipped,
        len(todo),
        writer.prompt_tokens,
        writer.completion_tokens,
    )


class _Writer:
    """Writes finished prompts from the main thread only, one line each, and keeps the progress bar."""

    def __init__(self, fd: int, status: dict[str, bool], key: str, say: Callable[[str], None], bar) -> None:
        self.fd, self.status, self.key, self.say, self.bar = fd, status, key, say, bar
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def drain(self, pending: dict[Future, Item], done: set[Future]) -> None:
        # In the order they were submitted (`pending` keeps it), not the set's: when several finish between two
        # wakes, the file's lines stay in a stable order (with --concurrency 1, the prompts' own order).
        for future in [f for f in pending if f in done]:
            item = pending.pop(future)
            outcome = future.result()  # a FatalRankerError from a worker surfaces here and stops the run
            if outcome is None:
                continue  # not sent because the run is stopping; it stays to do
            record = _scrub(_result(item.prompt_id, outcome), self.key)
            fmt.append_line(self.fd, fmt.result_line(record))
            self.status[item.prompt_id] = record["error"] is None
            self.prompt_tokens += outcome.prompt_tokens
            self.completion_tokens += outcome.completion_tokens
            if record["error"]:
                self.say(f"prompt {item.prompt_id} failed: {record['error']}")
            self.bar.update(1)
            self.bar.set_postfix(tokens_in=self.prompt_tokens, tokens_out=self.completion_tokens, refresh=False)

    def close(self) -> None:
        self.bar.close()
        os.close(self.fd)


@dataclass(frozen=True)
class Estimate:
    prompts: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


def estimate(
    spec: Spec, template: Template, items: list[Item], price_in: float, price_out: float, reasoning_tokens: int = 0
) -> Estimate:
    """Tokens and USD for ranking `items` once (chars/4 heuristic; prices are USD per 1M tokens)."""
    from core.ranker.prompt import estimate_tokens, example_reply

    anchors = tuple(spec.anchors)
    system_tokens = estimate_tokens(system_message(template, spec))
    prompt_tokens = sum(system_tokens + estimate_tokens(user_message(template, item, len(anchors))) for item in items)
    completion_tokens = len(items) * (estimate_tokens(example_reply(anchors)) + reasoning_tokens)
    cost = (prompt_tokens * price_in + completion_tokens * price_out) / 1_000_000
    return Estimate(len(items), prompt_tokens, completion_tokens, cost)
