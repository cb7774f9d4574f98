"""Build and store faults get the site's own message: unwritable or full disk before validation, one build per
store (lock), leftovers swept, damaged data blocks, the first build in a child process, provenance of configs."""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from components import frame, nav
from core import config, store
from core.store import builder, child
from tests.conftest import RELEASE_TINY
from tests.trust.support import BuiltStore, SiteRunner, count, exceptions_of, site_on, store_path_for, texts_of

B = 5
BLOCK = 262_144  # DuckDB's block size: the file header and catalogue sit in the first blocks


def _cli(*args: str, user: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    prefix = ["setpriv", "--reuid", user, "--regid", user, "--clear-groups"] if user else []
    return subprocess.run([*prefix, sys.executable, "-m", "core", *args], cwd=config.ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "HOME": "/tmp"})


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("faults_built") / "ca_tiny.duckdb"
    store.build(str(RELEASE_TINY), db_path=db, bootstrap_b=B, seed=1)
    return db


# ---------------------------------------------------------------- unwritable directory, full disk


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to drop to another user")
def test_read_only_build_dir_is_refused_before_validation(tmp_path):
    """A real read-only directory (root ignores permission bits, so the build runs as `nobody`)."""
    locked = tmp_path / "readonly"
    locked.mkdir()
    locked.chmod(0o555)
    tmp_path.chmod(0o755)
    done = _cli("build", "--source", str(RELEASE_TINY), "--db", str(locked / "ca.duckdb"), "--bootstrap", str(B),
                user="65534")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "cannot be written" in done.stderr and str(locked) in done.stderr
    assert "validating" not in done.stderr  # refused before the validation stage, not after it
    assert not list(locked.iterdir())
    count("build_dir_faults_tried")


def test_full_disk_is_refused_before_validation(tmp_path, monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(builder.shutil, "disk_usage", lambda _p: usage._replace(free=1 << 20))
    monkeypatch.setattr(builder, "validate_source", pytest.fail)
    with pytest.raises(store.StoreError, match="Not enough free disk space"):
        store.build(str(RELEASE_TINY), db_path=tmp_path / "ca.duckdb", bootstrap_b=B)
    count("build_dir_faults_tried")


def test_disk_full_while_writing_is_a_plain_error_and_keeps_the_store(built, monkeypatch):
    before = _sha(built)

    def no_space(*_a, **_k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(builder, "_insert", no_space)
    with pytest.raises(store.StoreError, match="No space left on device"):
        store.build(str(RELEASE_TINY), db_path=built, bootstrap_b=B)
    assert _sha(built) == before
    assert not [p for p in built.parent.iterdir() if ".tmp-" in p.name]
    count("build_dir_faults_tried")


# ---------------------------------------------------------------- one build per store, leftovers swept


def test_two_builds_on_one_target_the_second_is_refused_and_says_so(tmp_path):
    db = tmp_path / "ca.duckdb"
    first = subprocess.Popen([sys.executable, "-m", "core", "build", "--source", str(RELEASE_TINY), "--db", str(db),
                              "--bootstrap", "20000"], cwd=config.ROOT, stderr=subprocess.PIPE, text=True)
    try:
        for line in first.stderr:  # the first build holds the lock from here on
            if "validating" in line:
                break
        second = _cli("build", "--source", str(RELEASE_TINY), "--db", str(db), "--bootstrap", str(B))
        assert second.returncode == 2, second.stderr[-2000:]
        assert "Another build of" in second.stderr and f"process {first.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=120)
    with builder.build_lock(db), pytest.raises(store.StoreError, match="Another build"):
        store.build(str(RELEASE_TINY), db_path=db, bootstrap_b=B)  # the same in one process
    count("concurrent_builds_tried")


def test_temp_files_of_a_killed_build_are_swept_by_the_next(built):
    proc = subprocess.Popen([sys.executable, "-m", "core", "build", "--source", str(RELEASE_TINY), "--db",
                             str(built), "--bootstrap", "20000", "--seed", "4"],
                            cwd=config.ROOT, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if "statistics" in line:
            break
    proc.kill()
    proc.communicate(timeout=60)
    left = [p for p in built.parent.iterdir() if ".tmp-" in p.name]
    assert left, "the kill left no temporary file, so the sweep is not tested"
    store.build(str(RELEASE_TINY), db_path=built, bootstrap_b=B, seed=1)
    assert not [p for p in built.parent.iterdir() if ".tmp-" in p.name]
    count("killed_build_leftovers_swept", len(left))


# ---------------------------------------------------------------- damaged data blocks, header intact


def _damage(good: Path, out: Path) -> Path:
    out.write_bytes(good.read_bytes())
    with out.open("r+b") as handle:
        for offset in range(3 * BLOCK, out.stat().st_size, BLOCK):
            handle.seek(offset + 64)
            handle.write(os.urandom(4096))
    con = store.open_store(out)  # the header and catalogue still open: only queries find the damage
    con.close()
    return out


def test_damaged_data_blocks_cli_says_so_without_a_traceback(small_store, tmp_path):
    damaged = _damage(small_store.db_path, tmp_path / "ca_small.duckdb")
    done = _cli("stats", "--db", str(damaged))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert "is damaged" in done.stderr and "python -m core build" in done.stderr
    count("damaged_stores_tried_cli")


def test_damaged_data_blocks_every_page_says_so_plainly(small_store, tmp_path):
    damaged_dir = tmp_path / "build"
    damaged_dir.mkdir()
    target = store_path_for(small_store.source_dir, damaged_dir)
    _damage(small_store.db_path, target)
    runner = SiteRunner()
    with site_on(BuiltStore(small_store.source_dir, damaged_dir, target)):
        for spec in nav.PAGES:
            at = runner.open(spec.path)
            joined = "\n".join(texts_of(at))
            assert not exceptions_of(at), (spec.url_path, exceptions_of(at)[:1])
            assert frame.PAGE_FAILURE not in joined, spec.url_path
            assert "not available" in joined and "python -m core build" in joined, spec.url_path
            count("damaged_store_pages_checked")


# ---------------------------------------------------------------- the first build runs in a child process


def _missing_store_site(tmp_path) -> BuiltStore:
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    return BuiltStore(RELEASE_TINY, build_dir, store_path_for(RELEASE_TINY, build_dir))


def test_first_build_runs_in_a_child_process_and_once_per_deletion(tmp_path, monkeypatch):
    site = _missing_store_site(tmp_path)
    started = []
    real_start = child._start
    monkeypatch.setattr(child, "_start", lambda *a: started.append(a) or real_start(*a))
    runner = SiteRunner()
    with site_on(site):
        at = runner.open(nav.HOME.path)
        assert not exceptions_of(at), exceptions_of(at)[:1]
        assert site.db_path.is_file()
        assert len(started) == 1
        (job,) = [j for p, j in child._JOBS.items() if p == site.db_path.resolve()]
        assert job.process.pid != os.getpid() and job.process.returncode == 0  # built by a child, not the server
        site.db_path.unlink()  # deleted while serving: the next visitors share one rebuild
        jobs = {id(child.ensure(str(site.source_dir), site.db_path)) for _ in range(5)}
        assert len(jobs) == 1 and len(started) == 2
        for job in child.running_jobs():
            job.process.wait(timeout=300)
        at = runner.open(nav.by_url_path("methodology").path)
        assert not exceptions_of(at) and len(started) == 2
    count("child_builds_checked")


def test_a_child_build_that_crashes_leaves_the_server_up_with_a_plain_message(tmp_path, monkeypatch):
    site = _missing_store_site(tmp_path)
    crash = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]

    def start(_name, path):
        log = path.with_name("crash.log")
        with log.open("wb") as out:
            process = subprocess.Popen(crash, stdout=out, stderr=subprocess.STDOUT)
        return child.Job(path=Path(path), process=process, progress_file=path.with_name("p.json"), log_file=log)

    monkeypatch.setattr(child, "_start", start)
    runner = SiteRunner()
    with site_on(site):
        at = runner.open(nav.HOME.path)
    joined = "\n".join(texts_of(at))
    assert not exceptions_of(at)
    assert "not available" in joined and "ended abnormally" in joined and "python -m core build" in joined
    count("child_build_crashes_survived")


# ---------------------------------------------------------------- provenance: the file actually read


def test_manifest_hashes_the_file_the_readme_configs_name(tmp_path):
    source = tmp_path / "release"
    shutil.copytree(RELEASE_TINY, source)
    (source / "data").mkdir()
    real = source / "data" / "comparisons-v2.jsonl"
    shutil.move(source / "comparisons.jsonl", real)
    decoy = real.read_bytes().splitlines()[:1]
    (source / "comparisons.jsonl").write_bytes(b"\n".join(decoy) + b"\n")  # the conventional name, not read
    configs = "".join(f"- config_name: {name}\n  data_files:\n  - split: train\n    path: {path}\n" for name, path in (
        ("comparisons", "data/comparisons-v2.jsonl"), ("annotators", "annotators.jsonl"),
        ("merged_comparison_annotators", "merged_comparisons_annotators.jsonl")))
    (source / "README.md").write_text(f"---\nconfigs:\n{configs}---\n\n# a copy\n", encoding="utf-8")
    db = tmp_path / "ca.duckdb"
    store.build(str(source), db_path=db, bootstrap_b=B)
    con = duckdb.connect(str(db), read_only=True)
    try:
        manifest = dict(con.execute("SELECT key, value FROM manifest").fetchall())
        prompts = con.execute("SELECT count(*) FROM prompts").fetchone()[0]
        files = dict(con.execute("SELECT file, sha256 FROM build_files").fetchall())
    finally:
        con.close()
    assert prompts == len(real.read_bytes().splitlines()) > len(decoy)  # the configs' file was read
    assert manifest["sha256:comparisons.jsonl"] == _sha(real) == files["comparisons.jsonl"]
    assert manifest["read_as:comparisons.jsonl"] == "data/comparisons-v2.jsonl"
    count("provenance_configs_checked")



def test_a_download_made_on_click_reports_damaged_blocks_in_plain_words(monkeypatch, tmp_path):
    """The large-table download runs on Streamlit's download thread, outside the page's cached reads: a damaged
    block still becomes the site's plain message, and an error in our own SQL stays ours."""
    import duckdb

    from components import data
    from views import download_panel

    class Damaged:
        def cursor(self):
            return self

        def execute(self, *_a, **_k):
            raise duckdb.IOException("Corrupt database file: block checksum mismatch")

    monkeypatch.setattr(data, "store_file", lambda: tmp_path / "ca.duckdb")
    monkeypatch.setattr(download_panel.slices, "table", lambda cur, *_a: cur.execute("SELECT 1"))
    make = download_panel._later(Damaged(), ("k", tmp_path.name), "agreement_section", None)
    with pytest.raises(data.StoreUnavailable, match=r"is damaged: part of it cannot be read .*Build it again with"):
        make()
    monkeypatch.setattr(download_panel.slices, "table", lambda *_a: (_ for _ in ()).throw(
        duckdb.CatalogException("Table with name nope does not exist")))
    with pytest.raises(duckdb.CatalogException):
        download_panel._later(Damaged(), ("k2", tmp_path.name), "agreement_section", None)()
