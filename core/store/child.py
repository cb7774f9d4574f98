"""A store's first build in a child process: whatever the input does to the interpreter, the server survives.

One job per store file per server process (visitors who arrive during a build watch the same job), and the
build's own file lock (core.store.builder.build_lock) keeps a second process from building the same store.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from core import config

RETRY_AFTER_S = 300  # a failed build is not retried for every visitor; a visitor after this may try again
TAIL_BYTES = 4000


def write_progress(path: Path, fraction: float, message: str) -> None:
    """Replace the progress file atomically (the reader never sees half of it)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"fraction": float(fraction), "message": str(message)[:200]}), encoding="utf-8")
    tmp.replace(path)


@dataclass
class Job:
    """One child build of one store."""

    path: Path
    process: subprocess.Popen
    progress_file: Path
    log_file: Path
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def running(self) -> bool:
        if self.process.poll() is None:
            return True
        if self.finished is None:
            self.finished = time.monotonic()
        return False

    def progress(self) -> tuple[float, str]:
        try:
            state = json.loads(self.progress_file.read_text(encoding="utf-8"))
            return float(state["fraction"]), str(state["message"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0.0, "starting the build"

    def failure(self) -> str | None:
        """None while running or after success; else the build's own last words, or how the process ended."""
        if self.running() or self.process.returncode == 0:
            return None
        code = self.process.returncode
        if code < 0:
            return f"the build process ended abnormally (signal {-code}); nothing was replaced"
        try:
            with self.log_file.open("rb") as handle:
                handle.seek(max(0, self.log_file.stat().st_size - TAIL_BYTES))
                tail = handle.read().decode("utf-8", errors="replace")
        except OSError:
            tail = ""
        said = [line for line in tail.splitlines() if line.startswith("build failed")]
        return said[-1].removeprefix("build failed: ") if said else f"the build stopped with exit status {code}"


_JOBS: dict[Path, Job] = {}
_GUARD = threading.Lock()


def ensure(source_name: str, path: Path) -> Job | None:
    """The job building `path` (started now if needed); None when the store exists and no job is running."""
    path = Path(path).resolve()
    with _GUARD:
        job = _JOBS.get(path)
        if job is not None and job.running():
            return job
        if path.exists():
            return None
        if job is not None and job.failure() is not None and time.monotonic() - (job.finished or 0) < RETRY_AFTER_S:
            return job  # the same failure for every visitor, not one build each
        _JOBS[path] = job = _start(source_name, path)
        return job


def _start(source_name: str, path: Path) -> Job:
    path.parent.mkdir(parents=True, exist_ok=True)
    progress_file = path.with_name(f"{path.name}.progress.json")
    log_file = path.with_name(f"{path.name}.build.log")
    with contextlib.suppress(OSError):
        progress_file.unlink()
    command = [sys.executable, "-m", "core", "build", "--source", source_name, "--db", str(path)]
    command += ["--progress-file", str(progress_file)]
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=config.ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    return Job(path=path, process=process, progress_file=progress_file, log_file=log_file)


def running_jobs() -> list[Job]:
    """Jobs still running (for tests and shutdown)."""
    with _GUARD:
        return [job for job in _JOBS.values() if job.running()]
