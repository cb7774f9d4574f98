"""The deployment files: nginx renders and passes `nginx -t`, the image installs only runtime pins, and the
Dockerfile's store and start steps, run outside a container, give a healthy site on a read-only store."""
from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bench.server import free_port, wait_healthy
from deploy import nginx

ROOT = Path(__file__).resolve().parent.parent
TEST_PACKAGES = {"pytest", "pytest-timeout", "hypothesis", "playwright", "ruff", "mypy"}
needs_nginx = pytest.mark.skipif(not Path(nginx.NGINX).exists(), reason="nginx is not installed (apt-get install nginx)")


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if match := re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip()):
            pins[match[1].lower().replace("_", "-")] = match[2]
    return pins


# ---------------------------------------------------------------- nginx


def test_ports_are_parsed_as_ranges_and_lists_and_junk_is_refused():
    assert nginx.parse_ports("8501-8503") == (8501, 8502, 8503)
    assert nginx.parse_ports("8501,8510") == (8501, 8510)
    for junk in ("", "0", "70000", "a-b"):
        with pytest.raises(ValueError):
            nginx.parse_ports(junk)


@pytest.mark.parametrize("brotli", [False, True])
def test_rendering_fills_every_field_and_switches_optional_lines(tmp_path, brotli):
    text = nginx.render(nginx.Proxy((8601, 8602, 8603), "127.0.0.1:8080", tmp_path, brotli=brotli))
    assert "{{" not in text and "#if:" not in text
    servers = re.findall(r"^\s*server 127\.0\.0\.1:(\d+) max_fails=1", text, re.MULTILINE)
    assert servers == ["8601", "8602", "8603"]
    assert "hash $ca_route consistent;" in text and "ip_hash" not in text.replace("Not ip_hash", "")
    assert re.search(r"location /_stcore/stream \{[^}]*Upgrade \$http_upgrade[^}]*Connection \$connection_upgrade", text)
    assert ("load_module" in text) is brotli and ("brotli on;" in text) is brotli
    assert re.search(r"^user ", text, re.MULTILINE) is None  # only when asked for
    assert "user www-data;" in nginx.render(nginx.Proxy((1,), "80", tmp_path, user="www-data", brotli=False))


@needs_nginx
def test_rendered_config_passes_nginx_t_and_a_broken_one_does_not(tmp_path):
    brotli = (nginx.MODULES / nginx.BROTLI_MODULE).is_file()
    conf = nginx.write(nginx.Proxy((8601, 8602), f"127.0.0.1:{free_port()}", tmp_path / "ok", workers="1",
                                   brotli=brotli))
    result = nginx.check(conf)
    assert result.returncode == 0, result.stderr
    broken = tmp_path / "broken"
    conf = nginx.write(nginx.Proxy((8601,), "127.0.0.1:1", broken, brotli=False))
    conf.write_text(conf.read_text().replace("hash $ca_route consistent;", "hash $ca_route consistent"))
    assert nginx.check(conf).returncode != 0


def test_the_cli_writes_a_checked_config(tmp_path):
    out = tmp_path / "site.conf"
    args = ["--ports", "8601-8602", "--prefix", str(tmp_path / "prefix"), "--out", str(out), "--brotli", "off"]
    assert nginx.main(args + (["--check"] if Path(nginx.NGINX).exists() else [])) == 0
    assert len(re.findall(r"^\s*server 127.0.0.1:860[12] ", out.read_text(), re.MULTILINE)) == 2


# ---------------------------------------------------------------- requirements and Dockerfile


def test_runtime_requirements_hold_no_test_package_and_the_full_list_still_installs_both():
    runtime, full = ROOT / "requirements-runtime.txt", ROOT / "requirements.txt"
    assert not TEST_PACKAGES & set(_pins(runtime))
    assert "-r requirements-runtime.txt" in full.read_text().splitlines()
    assert set(_pins(full)) >= TEST_PACKAGES
    constraints = _pins(ROOT / "deploy" / "constraints-runtime.txt")
    assert not TEST_PACKAGES & set(constraints)
    for name, version in _pins(runtime).items():  # every runtime pin is in the image's constraints, same version
        assert constraints.get(name) == version, name


def _dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_runs_as_a_non_root_user_with_a_health_check_and_runtime_requirements_only():
    steps = _dockerfile()
    kinds = [k for k, _ in steps]
    assert steps[0] == ("ARG", next(v for k, v in steps if k == "ARG")) and steps[1] == ("FROM", "${PYTHON_IMAGE}")
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11[.\d]*-slim(-\w+)?", steps[0][1])
    users = [v for k, v in steps if k == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert kinds.index("USER") > max(i for i, k in enumerate(kinds) if k == "RUN")  # nothing runs as root after
    assert any("useradd --uid 1000" in v for k, v in steps if k == "RUN")
    copies = " ".join(v for k, v in steps if k == "COPY")
    assert "requirements-runtime.txt" in copies and "requirements.txt" not in copies.replace("-runtime", "X")
    health = next(v for k, v in steps if k == "HEALTHCHECK")
    script = re.search(r'"(deploy/[\w.]+)"', health)[1]
    assert (ROOT / script).is_file() and "/_stcore/health" in (ROOT / script).read_text()
    assert next(v for k, v in steps if k == "CMD") == '["streamlit", "run", "app.py"]'


def _ignored(rel: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore matching for the patterns this repository uses (globs, `**/`, folder prefixes)."""
    parts = rel.split("/")
    for pattern in patterns:
        if pattern.startswith("**/"):
            tails, pattern = ["/".join(parts[i:]) for i in range(len(parts))], pattern[3:]
        else:
            tails = [rel]
        if any(fnmatch.fnmatch(t, pattern) or t.startswith(pattern + "/") for t in tails):
            return True
    return False


def _build_context(target: Path) -> None:
    """What `COPY . /app` puts into the image: the checkout less .dockerignore."""
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT).as_posix()
        if path.is_file() and not _ignored(rel, patterns):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / rel)


def test_dockerignore_keeps_tests_benchmarks_and_git_out_of_the_image():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for rel in ("tests/test_deploy.py", ".git/HEAD", "bench/scaleout.py", "data/build/ca_sample.duckdb",
                "core/__pycache__/config.cpython-311.pyc", ".ci/run"):
        assert _ignored(rel, patterns), rel
    for rel in ("app.py", "core/config.py", "docs/methodology.md", "data/sample/comparisons.jsonl",
                "deploy/build-store.sh", ".streamlit/config.toml", "static/world_110m.json"):
        assert not _ignored(rel, patterns), rel


def _env(steps: list[tuple[str, str]], args: dict[str, str]) -> dict[str, str]:
    """The image's environment: ENV lines with ${ARG} and $PATH filled in."""
    values = {**{m[1]: m[2] for k, v in steps if k == "ARG" for m in [re.fullmatch(r"(\w+)=?(.*)", v)]}, **args}
    env: dict[str, str] = {}
    for kind, value in steps:
        if kind == "ENV":
            for key, raw in re.findall(r"(\w+)=(\S+)", value):
                env[key] = re.sub(r"\$\{?(\w+)\}?", lambda m: values.get(m[1], env.get(m[1], os.environ.get(m[1], ""))),
                                  raw)
    return env


@pytest.mark.slow
def test_the_images_store_and_start_steps_give_a_healthy_site_on_a_read_only_store():
    """No container engine runs here: the Dockerfile's own store step and CMD run in a copy of the build context."""
    steps = _dockerfile()
    work = Path(tempfile.mkdtemp(prefix="ca_image_"))
    try:
        os.chmod(work, 0o755)
        app = work / "app"
        _build_context(app)
        assert not (app / "tests").exists() and (app / "app.py").is_file()
        store_dir = work / "srv" / "store"
        env = _env(steps, {"CA_SOURCE": "sample", "CA_CODE_VERSION": "test-image"})
        assert env["CA_SOURCE"] == "sample" and env["CA_BUILD_DIR"] == "/srv/store"
        env.update(CA_BUILD_DIR=str(store_dir), HF_HOME=str(work / "hf"), PATH=os.environ["PATH"], CA_STORE="build")
        store_step = next(v for k, v in steps if k == "RUN" and "build-store" in v)
        built = subprocess.run(store_step, shell=True, check=False, cwd=app, env=env, capture_output=True, text=True, timeout=600)
        assert built.returncode == 0, built.stderr[-2000:]
        store = store_dir / "ca_sample.duckdb"
        assert store.is_file() and not store.stat().st_mode & 0o222 and not store_dir.stat().st_mode & 0o222
        assert not (work / "hf").exists()  # the datasets cache is not left in the image
        refused = subprocess.run(store_step, shell=True, check=False, cwd=app, env={**env, "CA_SOURCE": "auto"},
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and "auto" in refused.stderr

        port = free_port()
        run_env = {**env, "STREAMLIT_SERVER_ADDRESS": "127.0.0.1", "STREAMLIT_SERVER_PORT": str(port)}
        health = [sys.executable, "deploy/healthcheck.py"]
        assert subprocess.run(health, check=False, cwd=app, env=run_env, capture_output=True, timeout=30).returncode == 1
        cmd = json.loads(next(v for k, v in steps if k == "CMD"))
        cmd[0] = str(Path(sys.executable).with_name(cmd[0]))  # the venv's streamlit, as /opt/venv/bin is on PATH
        # As a user who cannot write the store, as in the image (root would ignore the missing write bits).
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] \
            if os.geteuid() == 0 and shutil.which("setpriv") else []
        with open(work / "server.log", "wb") as log:
            server = subprocess.Popen(as_user + cmd, cwd=app, env=run_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(f"http://127.0.0.1:{port}", 90, server, work / "server.log")
            assert subprocess.run(health, check=False, cwd=app, env=run_env, capture_output=True, timeout=30).returncode == 0
            from bench.pages import list_pages
            from bench.wsload import run_ws_load

            pages, failure_texts = list_pages()
            result = run_ws_load(f"http://127.0.0.1:{port}", pages, 1, 1, None, 0, failure_texts)
            assert result["errors"] == 0 and result["page_views"] >= 1, result["error_examples"]
            time.sleep(0.5)
            assert server.poll() is None
        finally:
            server.terminate()
            server.wait(timeout=20)
        assert sorted(p.name for p in store_dir.iterdir()) == ["ca_sample.duckdb"]  # nothing written beside it
    finally:
        shutil.rmtree(work, ignore_errors=True)
