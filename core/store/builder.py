"""Build the DuckDB store atomically from a source: validate, insert in bulk, ranker runs, statistics."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from core import config
from core.ranker.ingest import find_run_dirs, ingest_runs
from core.release.source import Release, Source, open_release, resolve_source
from core.release.validate import validate_source
from core.rubrics import store as rubric_store
from core.sqlfiles import sql_folder
from core.stats.build import build_aggregates
from core.store.open import StoreError, store_path

query = sql_folder(__file__)

Progress = Callable[[float, str], None]
RELEASE_TABLES = (
    "prompts",
    "messages",
    "responses",
    "annotators",
    "assessments",
    "assessment_ranks",
    "annotator_only_assessments",
)


@dataclass
class BuildResult:
    """What a build produced: where, from what, the per-file counts, the report rows and the stage timings."""

    db_path: Path
    source: Source
    files: list[dict]
    assessment_counts: list[dict]
    report: list[dict]
    stage_seconds: dict[str, float]
    table_rows: dict[str, int]
    notices: list[str] = field(default_factory=list)
    resolved_commit: str | None = None

    @property
    def seconds(self) -> float:
        return sum(self.stage_seconds.values())


def _arrow(columns: dict[str, list]):
    import pyarrow as pa

    return pa.table(columns)


def _insert(con, table: str, columns: dict[str, list]) -> None:
    """Bulk insert (Arrow → DuckDB); column lists are in schema order, table names are this module's constants."""
    if columns and len(next(iter(columns.values()))):
        con.from_arrow(_arrow(columns)).insert_into(table)


def build(
    source_name: str | Source | None = None,
    db_path: Path | str | None = None,
    bootstrap_b: int = config.BOOTSTRAP_B,
    seed: int = config.BOOTSTRAP_SEED,
    progress: Progress | None = None,
    revision: str | None = None,
) -> BuildResult:
    """Load, validate and store a source, then ranker runs and statistics; replaces db_path only on success."""

    def say(fraction: float, message: str) -> None:
        if progress is not None:
            progress(min(max(fraction, 0.0), 1.0), message)

    stages: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[stage] = round(now - clock, 3)
        clock = now

    say(0.0, "resolving the source")
    source = source_name if isinstance(source_name, Source) else resolve_source(source_name, revision)
    if source.kind == "demo":
        from core.synth import demo

        demo.ensure(Path(source.location), say)
    # A local rubric file needs nothing from the other three: its reader starts before they are opened.
    local = source.kind != "hf"
    rubric_reading = rubric_store.BackgroundRead(Release(source=source, files={})) if local else None
    try:
        release = open_release(source)
        if rubric_reading is None:
            rubric_reading = rubric_store.BackgroundRead(release)
        rubric_reading.load_ahead(release)
        if rubric_reading.item is not None:
            release.files[config.RUBRIC_CONFIG] = rubric_reading.item
        lap("open")
        target = Path(db_path) if db_path else store_path(source)
        _check_room(target, sum(item.bytes for item in release.files.values()))
        with build_lock(target):
            swept = sweep_leftovers(target)
            if swept:
                say(0.02, f"removed {len(swept)} temporary files left by an interrupted build")
            return _build_locked(source, release, rubric_reading, target, bootstrap_b, seed, say, stages, lap)
    finally:
        if rubric_reading is not None:  # a build that stopped before it took the rows leaves no reader running
            rubric_reading.close()


def _build_locked(
    source: Source,
    release: Release,
    rubric_reading: rubric_store.BackgroundRead,
    target: Path,
    bootstrap_b: int,
    seed: int,
    say: Progress,
    stages: dict[str, float],
    lap: Callable[[str], None],
) -> BuildResult:
    """The build proper, under the target's lock: validate, write a temporary store, replace the target."""
    import duckdb

    say(0.05, "reading and validating the release")
    # The optional fourth file (openai/coval's rubrics) is read in a process of its own meanwhile (`rubric_reading`),
    # which gets the columns its join needs as soon as they are validated: it joins while the release is stored.
    validated = validate_source(release)
    report = validated.report
    rubric_reading.join(validated.tables)
    lap("read_validate")

    handle, tmp_name = tempfile.mkstemp(prefix=f"{target.name}.tmp-", dir=target.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB must create the file itself
    con = None
    try:
        con = duckdb.connect(str(tmp))
        say(0.35, "writing the release tables")
        con.execute(query("schema"))
        _insert(con, RELEASE_TABLES[0], validated.tables[RELEASE_TABLES[0]])
        # The ranker runs need only the prompts: they are loaded on a second thread, through a cursor of their own,
        # while this one stores the rest of the release and waits for the rubric file's read (issue 17). The pool is
        # left (its thread waited for) before the cursor is closed, also when something here fails.
        with contextlib.closing(con.cursor()) as runs, ThreadPoolExecutor(1, thread_name_prefix="ranker-runs") as pool:
            ingesting = pool.submit(_ingest_runs, runs, source)
            for table in RELEASE_TABLES[1:]:
                _insert(con, table, validated.tables[table])
            del validated  # the column lists are in DuckDB now; free them before the statistics stage needs memory
            lap("store")
            # A rubric file that cannot be read stops the build here, before its longest stage.
            say(0.4, "reading the rubrics and loading ranker runs")
            rubric_reading.read(report)
            lap("rubrics")
            report.extend(ingesting.result())
        lap("ranker_runs")

        # The rubric stage's process joins the rows to the prompts and makes their tables while the statistics start;
        # they are stored while the statistics stage computes the runs' agreement on its second thread, so that wait
        # and that write are counted in "statistics".
        say(0.5, "computing statistics")

        def write_rubrics() -> None:
            rubric_store.insert(con, rubric_reading.tables(report))

        report.extend(_build_aggregates(con, bootstrap_b, seed, say, meanwhile=write_rubrics))
        lap("statistics")

        writer = con.cursor()
        files = _file_rows(release, report)
        counts = _assessment_count_rows(report)
        _insert(writer, "build_files", _columns(files))
        _insert(writer, "build_assessment_counts", _columns(counts))
        rows = report.rows()
        _insert(
            writer, "build_report", _columns(rows, ("file", "check", "severity", "count", "description", "examples"))
        )
        table_rows = {
            name: writer.table(name).count("*").fetchall()[0][0]
            for (name,) in writer.execute(query("build_table_names")).fetchall()
        }
        lap("report")
        _insert(writer, "build_stages", {"stage": list(stages), "seconds": list(stages.values())})
        manifest = _manifest(source, release, bootstrap_b, seed, table_rows, sum(stages.values()))
        _insert(writer, "manifest", {"key": list(manifest), "value": list(manifest.values())})
        writer.close()
        con.execute(query("build_checkpoint"))
        con.close()
        con = None
        os.replace(tmp, target)
    except BaseException as exc:
        if con is not None:
            con.close()
        # A rubric file that could not be read fails here too, but is no write failure: it is raised as itself.
        if exc is not rubric_reading.error and _write_failure(exc):
            raise StoreError(
                f"The store could not be written in {target.parent} ({_reason(exc)}). The previous store, if any, "
                "is unchanged."
            ) from exc
        raise
    finally:
        for leftover in (tmp, Path(f"{tmp}.wal")):
            leftover.unlink(missing_ok=True)
    lap("replace")
    say(1.0, "done")
    return BuildResult(
        db_path=target,
        source=source,
        files=files,
        assessment_counts=counts,
        report=rows,
        stage_seconds=stages,
        table_rows=table_rows,
        notices=list(release.notices),
        resolved_commit=release.resolved_commit,
    )


# Free space wanted before a build starts: a store measured 2.6x its inputs (the sample: 4.6 MB of files, an
# 11.8 MB store), plus room for DuckDB's write-ahead log and a margin.
ROOM_FACTOR = 4
ROOM_MARGIN = 64 * 2**20


def _check_room(target: Path, input_bytes: int) -> None:
    """Refuse early, in plain words, when the store's directory cannot be written or has too little free space."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(prefix=f"{target.name}.probe-", dir=target.parent) as probe:
            probe.write(b"x")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise StoreError(
            f"The store cannot be written in {target.parent} ({_reason(exc)}). Choose another place with "
            "--db or CA_BUILD_DIR, or make this one writable; nothing was built."
        ) from exc
    free = shutil.disk_usage(target.parent).free
    need = input_bytes * ROOM_FACTOR + ROOM_MARGIN
    if free < need:
        raise StoreError(
            f"Not enough free disk space in {target.parent}: {free / 2**20:,.0f} MB free, about "
            f"{need / 2**20:,.0f} MB needed. Free some space and build again; nothing was built."
        )


@contextlib.contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """At most one build per store file, across processes: a second one is refused with the holder's pid.

    The lock file is removed when the build ends; a build that locked a file just being removed notices (its
    inode is no longer the path's) and locks the new one instead, so two builds never both hold "the" lock.
    """
    lock_path = target.with_name(f"{target.name}.lock")
    while True:
        handle = lock_path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise StoreError(
                f"Another build of {target} is running (process {holder}); this one stopped so neither is "
                "lost. Wait for it to finish, then use or rebuild the store."
            ) from None
        try:
            current = os.stat(lock_path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(handle.fileno()).st_ino:
            break
        handle.close()
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        lock_path.unlink(missing_ok=True)
        handle.close()


def sweep_leftovers(target: Path) -> list[Path]:
    """Remove temporary files an interrupted build of `target` left (called under the lock, so none is live)."""
    swept = []
    for leftover in target.parent.glob(f"{target.name}.tmp-*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
            swept.append(leftover)
    return swept


def _write_failure(exc: BaseException) -> bool:
    import duckdb

    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
    return isinstance(exc, duckdb.IOException)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno)
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__


def _ingest_runs(con, source: Source) -> list[dict]:
    """Ranker runs shipped in data/rankers/, then any the source carries in <source dir>/rankers/."""
    roots = [config.RANKERS_DIR] + ([Path(source.location) / "rankers"] if source.kind != "hf" else [])
    return ingest_runs(con, [d for root in roots for d in find_run_dirs(root)])


def _build_aggregates(
    con, bootstrap_b: int, seed: int, say: Callable[[float, str], None], meanwhile: Callable[[], None]
) -> list[dict]:
    steps = [0.5]

    def stage(message: str) -> None:
        # The statistics stage reports messages, not fractions: creep towards 0.95 with each one.
        steps[0] = min(0.95, steps[0] + 0.07)
        say(steps[0], message)

    build_aggregates(con, bootstrap_b, seed, progress=stage, meanwhile=meanwhile)
    return []


def _columns(rows: list[dict], names: tuple[str, ...] | None = None) -> dict[str, list]:
    if names is None:
        names = tuple(rows[0]) if rows else ()
    return {name: [row[name] for row in rows] for name in names}


def _file_rows(release: Release, report) -> list[dict]:
    rows = []
    for item in release.files.values():
        counts = report.units.get((item.file, "rows"), {"input_rows": 0, "accepted": 0, "rejected": 0})
        rows.append({"file": item.file, **counts, "sha256": item.sha256, "bytes": item.bytes, "loader": item.loader})
    return rows


def _assessment_count_rows(report) -> list[dict]:
    return [
        {"file": file, "input_assessments": c["input_rows"], "accepted": c["accepted"], "rejected": c["rejected"]}
        for (file, unit), c in report.units.items()
        if unit == "assessments"
    ]


def _manifest(
    source: Source, release: Release, bootstrap_b: int, seed: int, table_rows: dict[str, int], seconds: float
) -> dict[str, str]:
    manifest = {
        "source": source.name if source.kind != "local" else source.location,
        "source_kind": source.kind,
        "source_label": source.label,
        "source_reason": source.reason,
        "synthetic": "true" if source.synthetic else "false",
        "revision": release.revision or source.revision or "",
        "resolved_commit": release.resolved_commit or "",
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": f"{seconds:.2f}",
        "code_version": config.code_version(),
        "bootstrap_b": str(bootstrap_b),
        "bootstrap_seed": str(seed),
        "min_participants": str(config.MIN_PARTICIPANTS),
    }
    for notice in release.notices:
        manifest.setdefault("notice", notice)
    for item in release.files.values():
        manifest[f"sha256:{item.file}"] = item.sha256  # of the file read (README `configs:` may name another)
        if item.read_as and item.read_as != item.file:
            manifest[f"read_as:{item.file}"] = item.read_as
    for name, n in table_rows.items():
        manifest[f"rows:{name}"] = str(n)
    return manifest
