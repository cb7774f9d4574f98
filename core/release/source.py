"""Where the release comes from (hub, a local copy, the shipped sample) and reading its records line by line."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core import config, jsonline

SNIFF_LINES = 5
SNIFF_BYTES = 8192


class SourceError(Exception):
    """The source cannot be used (missing file, not JSON Lines, hub unreachable); the message says why."""


@dataclass(frozen=True)
class Source:
    """A resolved source: `kind` is hf, local, demo or sample; `location` is the repo id or a directory."""

    name: str
    kind: str
    location: str
    label: str
    synthetic: bool
    reason: str
    revision: str | None = None


@dataclass(frozen=True)
class Record:
    """One line of an input file: its 1-based line number and the parsed value, or the parse error."""

    line: int
    value: object = None
    error: str | None = None
    code: str = "malformed_json"  # the reason code when `error` is set (core.jsonline.CODES)


@dataclass
class InputFile:
    """An input file of the release with its checksum; `loader` says how its records were read."""

    config: str
    file: str
    path: Path | None
    sha256: str
    bytes: int
    loader: str = "pending"
    loader_notice: str | None = None
    # Physical line numbers of the non-blank lines, when blank lines exist (load_dataset skips them).
    nonblank_lines: list[int] | None = None
    n_records: int | None = None  # non-blank lines of a local file
    blank_lines: int = 0
    read_as: str | None = None  # the path actually read, relative to a local source (README `configs:`)
    bom: bool = False  # the file starts with a UTF-8 byte-order mark (skipped on every reader path)
    # Why the file must not reach pyarrow (a line that could crash it or that it reads differently), or None.
    arrow_unsafe: str | None = None


@dataclass
class Release:
    """The three input files of one source, checked to exist and to look like JSON Lines."""

    source: Source
    files: dict[str, InputFile]
    revision: str | None = None
    resolved_commit: str | None = None
    notices: list[str] = field(default_factory=list)


def _probe_hub(timeout: float) -> str | None:
    """None when the hub answers for the repo within `timeout` seconds, else the reason it did not."""
    import urllib.error
    import urllib.request

    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    url = f"{endpoint}/api/datasets/{config.HF_REPO}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read(1)
        return None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"the Hugging Face hub could not be reached within {timeout:g} s ({exc.__class__.__name__})"


def _front_matter(directory: Path) -> dict:
    """The YAML front matter of the directory's README.md, or {} when there is none."""
    readme = directory / "README.md"
    if not readme.is_file():
        return {}
    text = readme.read_text(encoding="utf-8", errors="replace")
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    import yaml

    try:
        meta = yaml.safe_load(text[3:end])
    except (yaml.YAMLError, RecursionError):  # a hostile README must not stop the build
        return {}
    return meta if isinstance(meta, dict) else {}


SYNTHETIC_HEADING = "# SYNTHETIC DATA"  # the first heading core/synth writes into its README


def _is_synthetic(directory: Path) -> bool:
    """A local copy is synthetic when its README front matter says `synthetic: true` or it has the generator's heading."""
    if _front_matter(directory).get("synthetic", False) is True:
        return True
    readme = directory / "README.md"
    return readme.is_file() and any(
        line.startswith(SYNTHETIC_HEADING) for line in readme.read_text(encoding="utf-8", errors="replace").splitlines()
    )


def resolve_source(name: str | None = None, revision: str | None = None) -> Source:
    """Turn `hf`, `demo`, `sample`, `auto` or a directory path into a Source; `auto` prefers the hub, else the demo."""
    name = name or os.environ.get(config.SOURCE_ENV) or config.DEFAULT_SOURCE
    revision = revision or config.HF_REVISION
    if name == "auto":
        failure = _probe_hub(config.HF_PROBE_TIMEOUT_S)
        if failure is None:
            return _hf_source("auto", revision, "auto: the Hugging Face hub answered, so the real release is used")
        demo = resolve_source("demo")
        return Source(
            **{
                **demo.__dict__,
                "name": "auto",
                "reason": f"auto: {failure}; showing the synthetic demo at the study's scale",
            }
        )
    if name == "hf":
        return _hf_source("hf", revision, "requested: the real release from the Hugging Face hub")
    if name == "demo":
        from core.synth import demo as synthetic_demo

        return Source(
            name="demo",
            kind="demo",
            location=str(synthetic_demo.directory()),
            label="synthetic demo at the study's scale (not real data)",
            synthetic=True,
            reason="requested: the full-scale synthetic release, generated on first use",
        )
    if name == "sample":
        return Source(
            name="sample",
            kind="sample",
            location=str(config.SAMPLE_DIR),
            label="synthetic sample (not real data)",
            synthetic=True,
            reason="requested: the synthetic sample shipped in data/sample",
        )
    directory = Path(name).expanduser()
    if not directory.is_dir():
        raise SourceError(f"source {name!r} is neither 'hf', 'demo', 'sample', 'auto' nor an existing directory")
    directory = directory.resolve()
    synthetic = _is_synthetic(directory)
    return Source(
        name=str(directory),
        kind="local",
        location=str(directory),
        label=f"local copy at {directory}" + (" (synthetic)" if synthetic else ""),
        synthetic=synthetic,
        reason="requested: a local directory in the release format",
    )


def _hf_source(name: str, revision: str, reason: str) -> Source:
    return Source(
        name=name,
        kind="hf",
        location=config.HF_REPO,
        label=f"{config.HF_REPO} (Hugging Face hub)",
        synthetic=False,
        reason=reason,
        revision=revision,
    )


# ---------------------------------------------------------------- opening a release


def open_release(source: Source) -> Release:
    """Check that every input file exists and looks like JSON Lines; hash it. Raises SourceError otherwise."""
    if source.kind == "hf":
        return _open_hub_release(source)
    directory = Path(source.location)
    declared = _declared_files(directory)
    files = {}
    for config_name, file_name in config.HF_CONFIGS.items():
        relative = declared.get(config_name, file_name)
        path = directory / relative
        if not path.is_file():
            hint = " Generate it with: python -m core sample" if source.kind == "sample" else ""
            where = f" (README configs: names {relative})" if relative != file_name else ""
            raise SourceError(f"{file_name} is missing from {directory}{where}.{hint}")
        item = _inspect_local_file(config_name, path)
        item.file, item.read_as = file_name, relative
        files[config_name] = item
    return Release(source=source, files=files)


def _declared_files(directory: Path) -> dict[str, str]:
    """The file each config's README `configs:` entry names (train split), relative to the directory.

    The build reads exactly these files (and hashes them), so provenance is what was read. A config naming
    several files, a glob or a path outside the directory is refused: the site reads one file per config.
    """
    out: dict[str, str] = {}
    entries = _front_matter(directory).get("configs")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("config_name") not in config.HF_CONFIGS:
            continue
        name, files = entry["config_name"], entry.get("data_files")
        if isinstance(files, list) and all(isinstance(f, dict) for f in files):
            files = [f.get("path") for f in files if f.get("split", "train") == "train"]
        elif isinstance(files, dict):
            files = files.get("train")
        paths = files if isinstance(files, list) else [files]
        if len(paths) != 1 or not isinstance(paths[0], str):
            raise SourceError(f"README configs: {name} must name exactly one train file (it names {files!r})")
        path = paths[0]
        if any(c in path for c in "*?[") or not (directory / path).resolve().is_relative_to(directory.resolve()):
            raise SourceError(f"README configs: {name} names {path!r}, not one file inside {directory}")
        out[name] = path
    return out


def _inspect_local_file(config_name: str, path: Path) -> InputFile:
    """Hash the file, note blank lines, and stop when it is not JSON Lines at all."""
    data = path.read_bytes()
    name = path.name
    if not data.strip():
        raise SourceError(f"{name} is empty ({path})")
    if b"\x00" in data[:SNIFF_BYTES]:
        raise SourceError(f"{name} is not JSON Lines: it looks like a binary file ({path})")
    item = InputFile(config=config_name, file=name, path=path, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    lines = _scan(item, data)
    head = [lines[i - 1] for i in (item.nonblank_lines or range(1, len(lines) + 1))[:SNIFF_LINES]]
    if not any(_is_json_object(line, at_file_start=line is lines[0]) for line in head):
        preview = head[0][:60].decode("utf-8", errors="replace") if head else ""
        raise SourceError(
            f"{name} is not JSON Lines: none of its first {len(head)} lines is a JSON object "
            f"(first line starts {preview!r}) ({path})"
        )
    return item


def _scan(item: InputFile, data: bytes) -> list[bytes]:
    """Blank lines, a leading BOM, and lines pyarrow must not see (too deep to parse safely, a mid-file BOM)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    nonblank = [i for i, line in enumerate(lines, start=1) if line.strip()]
    item.nonblank_lines = None if len(nonblank) == len(lines) else nonblank
    item.n_records = len(nonblank)
    item.blank_lines = len(lines) - len(nonblank)
    item.bom = data.startswith(jsonline.BOM)
    deep = next(iter(jsonline.deep_lines(data)), None)
    stray_bom = (
        next((i for i, line in enumerate(lines[1:], start=2) if line.startswith(jsonline.BOM)), None)
        if b"\n" + jsonline.BOM in data
        else None
    )
    if deep is not None:
        item.arrow_unsafe = f"line {deep} nests deeper than {jsonline.MAX_DEPTH} levels"
    elif stray_bom is not None:
        item.arrow_unsafe = f"line {stray_bom} starts with a byte-order mark"
    return lines


def _is_json_object(line: bytes, at_file_start: bool = False) -> bool:
    try:
        return isinstance(jsonline.loads(line, at_file_start=at_file_start), dict)
    except jsonline.LineError:
        return False


def _open_hub_release(source: Source) -> Release:
    """Resolve the pinned revision to a commit (falling back to main when the hub rejects it) and read checksums."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, RevisionNotFoundError

    api = HfApi()
    notices = []
    revision = source.revision or config.HF_REVISION

    def info_at(rev: str):
        try:
            return api.dataset_info(config.HF_REPO, revision=rev, files_metadata=True)
        except HfHubHTTPError:
            raise
        except Exception as exc:
            raise SourceError(f"the Hugging Face hub could not be reached ({exc.__class__.__name__}: {exc})") from exc

    try:
        info = info_at(revision)
    except HfHubHTTPError as exc:
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if revision == "main" or not (isinstance(exc, RevisionNotFoundError) or status in (400, 404)):
            raise SourceError(f"the hub did not return {config.HF_REPO}@{revision}: {exc}") from exc
        notice = f"the hub rejected revision {revision!r} ({exc.__class__.__name__}); using 'main' instead"
        print(f"notice: {notice}")
        notices.append(notice)
        revision = "main"
        try:
            info = info_at(revision)
        except HfHubHTTPError as again:
            raise SourceError(f"the hub did not return {config.HF_REPO}@main: {again}") from again
    siblings = {s.rfilename: s for s in info.siblings or []}
    files = {}
    for config_name, file_name in config.HF_CONFIGS.items():
        sibling = siblings.get(file_name)
        if sibling is None:
            raise SourceError(f"{file_name} is missing from {config.HF_REPO}@{info.sha}")
        lfs = getattr(sibling, "lfs", None)
        files[config_name] = InputFile(
            config=config_name,
            file=file_name,
            path=None,
            sha256=getattr(lfs, "sha256", None) or "unknown",
            bytes=int(sibling.size or 0),
        )
    return Release(source=source, files=files, revision=revision, resolved_commit=info.sha, notices=notices)


# ---------------------------------------------------------------- reading records


# Process-wide settings changed while records are read (`datasets`' network and log switches, the garbage
# collector). Readers may overlap (on two threads, or one reading inside another), so each setting is changed by
# the first reader in and restored by the last one out.
_SETTINGS_LOCK = threading.RLock()  # re-entrant: a restore may run code (gc.collect's finalizers) that enters again
_SETTINGS_HELD: dict[str, list] = {}  # name -> [readers inside, value to restore]


@contextlib.contextmanager
def setting_held(name: str, change: Callable[[], object], restore: Callable[[object], None]) -> Iterator[None]:
    """`change()` on the first entry under `name`, `restore(its result)` when the last one leaves, across threads."""
    with _SETTINGS_LOCK:
        held = _SETTINGS_HELD.setdefault(name, [0, None])
        if held[0] == 0:
            held[1] = change()
        held[0] += 1
    try:
        yield
    finally:
        with _SETTINGS_LOCK:
            held[0] -= 1
            if held[0] == 0:
                restore(held[1])


def _offline():
    """Keep `datasets` from touching the network while it reads a local directory."""
    import datasets.config
    import huggingface_hub.constants

    def change() -> object:
        saved = datasets.config.HF_HUB_OFFLINE, huggingface_hub.constants.HF_HUB_OFFLINE
        datasets.config.HF_HUB_OFFLINE = huggingface_hub.constants.HF_HUB_OFFLINE = True
        return saved

    def restore(saved) -> None:
        datasets.config.HF_HUB_OFFLINE, huggingface_hub.constants.HF_HUB_OFFLINE = saved

    return setting_held("offline", change, restore)


def _cache_dir(item: InputFile | None = None) -> str | None:
    """HF_DATASETS_CACHE read at call time (datasets reads it once at import), so tests can redirect it.

    A local file gets a sub-directory named after its checksum: `datasets` keys its cache of a local
    directory on the folder name and file times, so an edited file, or another folder of the same name,
    could otherwise be served stale rows.
    """
    base = os.environ.get("HF_DATASETS_CACHE")
    if item is None or item.path is None:
        return base
    if base is None:
        import datasets.config

        base = str(datasets.config.HF_DATASETS_CACHE)
    return str(Path(base) / "ca-local" / item.sha256[:24])


def _load_dataset(release: Release, config_name: str):
    """The one place that calls datasets.load_dataset: the hub repo, or a local directory in its place."""
    import datasets

    datasets.disable_progress_bars()
    source, item = release.source, release.files[config_name]
    if source.kind == "hf":
        return datasets.load_dataset(
            config.HF_REPO,
            config_name,
            revision=release.resolved_commit or release.revision,
            split="train",
            cache_dir=_cache_dir(),
        )
    directory = source.location
    with _offline():
        # Always the file open_release resolved and hashed (README `configs:` included), never a second lookup.
        return datasets.load_dataset(
            directory, data_files={"train": item.read_as or item.file}, split="train", cache_dir=_cache_dir(item)
        )


def load_ahead(release: Release, config_names: Iterable[str]) -> None:
    """Load local files into the `datasets` cache and nothing more, in a process beside the build (issue 17): the
    build's own `_load_dataset` of each then finds it there (or waits on `datasets`' lock while it is being made).

    Only what `iter_records` would give to pyarrow is loaded; any failure is left for the build's own read, which
    meets it again and reports it.
    """
    if release.source.kind == "hf":
        return
    for name in config_names:
        item = release.files.get(name)
        if item is None or item.arrow_unsafe is not None:
            continue  # pyarrow must not see it (core.jsonline.deep_lines): the build reads it by hand
        with contextlib.suppress(Exception), _quiet_datasets():
            _load_dataset(release, name)


def _quiet_datasets():
    """A file Arrow refuses is read line by line and reported; datasets' own error log would only be noise."""
    import datasets

    def change() -> object:
        saved = datasets.logging.get_verbosity()
        datasets.logging.set_verbosity(datasets.logging.CRITICAL)
        return saved

    return setting_held("quiet", change, datasets.logging.set_verbosity)


def iter_records(release: Release, config_name: str) -> Iterator[Record]:
    """Every line of one config's file as a Record, via load_dataset; line by line when that cannot be trusted."""
    item = release.files[config_name]
    if item.path is None and config_name in config.HF_CONFIGS:
        # A CA-1 hub file: fetched and scanned like a local one before pyarrow reads it. When it cannot be
        # fetched here, load_dataset reads it as before (the site's build runs in a child process either way).
        with contextlib.suppress(SourceError):
            _scan(item, _local_path(release, item).read_bytes())
    if item.arrow_unsafe is not None:
        # Checked on the bytes first: a line nested 10,000 deep crashes pyarrow outright (SIGSEGV).
        yield from _read_by_hand(release, item, f"{item.arrow_unsafe}, so pyarrow was not used")
        return
    try:
        with _quiet_datasets():
            dataset = _load_dataset(release, config_name)
    except Exception as exc:
        reason = str(exc.__cause__ or exc).strip()
        first = reason.splitlines()[0][:200] if reason else type(exc).__name__
        yield from _read_by_hand(release, item, f"load_dataset refused the file ({first})")
        return
    if _has_json_feature(dataset.features):
        # datasets stores a field whose type varies between rows (text here, an object there) as JSON text;
        # reading Arrow directly would then turn every row's value into a string.
        yield from _read_by_hand(release, item, "load_dataset found fields whose type differs between rows")
        return
    if item.n_records is not None and item.n_records != dataset.num_rows:
        yield from _read_by_hand(
            release, item, f"load_dataset returned {dataset.num_rows} rows for {item.n_records} non-blank lines"
        )
        return
    item.loader = "load_dataset"
    lines = item.nonblank_lines
    index = 0
    for batch in dataset.data.to_batches(max_chunksize=2000):
        for value in batch.to_pylist():
            yield Record(line=lines[index] if lines else index + 1, value=value)
            index += 1


def _read_by_hand(release: Release, item: InputFile, why: str) -> Iterator[Record]:
    item.loader = "line_by_line"
    item.loader_notice = f"{why}; every line was read with json.loads instead"
    yield from _iter_lines(_local_path(release, item))


def _has_json_feature(feature: object) -> bool:
    """True when any (nested) feature is datasets' Json type, its marker for mixed-type fields."""
    if type(feature).__name__ == "Json":
        return True
    if isinstance(feature, dict):
        return any(_has_json_feature(f) for f in feature.values())
    inner = getattr(feature, "feature", None)
    return inner is not None and _has_json_feature(inner)


def _local_path(release: Release, item: InputFile) -> Path:
    if item.path is not None:
        return item.path
    from huggingface_hub import hf_hub_download

    try:
        path = Path(
            hf_hub_download(
                config.HF_REPO, item.file, repo_type="dataset", revision=release.resolved_commit or release.revision
            )
        )
    except Exception as exc:
        raise SourceError(
            f"{item.file} could not be downloaded from the hub ({exc.__class__.__name__}: {exc})"
        ) from exc
    item.path = path
    return path


def _iter_lines(path: Path) -> Iterator[Record]:
    """core.jsonline per non-blank line; a line it refuses becomes a Record with the error and its reason code."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield Record(line=number, value=jsonline.loads(raw, at_file_start=number == 1))
            except jsonline.LineError as exc:
                yield Record(line=number, error=exc.detail, code=exc.code)


# ---------------------------------------------------------------- the optional rubric file (openai/coval)


def attach_rubrics(release: Release) -> InputFile | None:
    """Add `conversation_rubrics.jsonl` to `release.files` when the source has it; None when it does not.

    The file is optional: CA-1 and older local copies have no rubrics. A local file that is present but not
    JSON Lines stops the build like any other input file (SourceError). On the hub the file's checksum is read
    at the commit the other files were resolved to, so all four files come from one revision.
    """
    if release.source.kind != "hf":
        path = Path(release.source.location) / config.RUBRIC_FILE
        if not path.is_file():
            return None
        item: InputFile | None = _inspect_local_file(config.RUBRIC_CONFIG, path)
    else:
        item = _hub_rubric_file(release)
    if item is None:
        return None
    release.files[config.RUBRIC_CONFIG] = item
    return item


def _hub_rubric_file(release: Release) -> InputFile | None:
    from huggingface_hub import HfApi

    revision = release.resolved_commit or release.revision or config.HF_REVISION
    try:
        info = HfApi().dataset_info(release.source.location, revision=revision, files_metadata=True)
    except Exception as exc:
        release.notices.append(f"the rubric file could not be looked up on the hub ({exc.__class__.__name__})")
        return None
    sibling = next((s for s in info.siblings or [] if s.rfilename == config.RUBRIC_FILE), None)
    if sibling is None:
        return None
    lfs = getattr(sibling, "lfs", None)
    return InputFile(
        config=config.RUBRIC_CONFIG,
        file=config.RUBRIC_FILE,
        path=None,
        sha256=getattr(lfs, "sha256", None) or "unknown",
        bytes=int(sibling.size or 0),
    )
