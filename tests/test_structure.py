"""The tree keeps its shape: imports go one way, core has no cycles, SQL sits beside its caller, docs name real files."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Layer -> the first-party packages it must never import (pages → views → components → core).
FORBIDDEN = {
    "core": {"components", "views", "app_pages", "bench", "streamlit", "tests"},
    "components": {"views", "app_pages", "bench", "tests"},
    "views": {"app_pages", "bench", "tests"},
    "app_pages": {"bench", "tests"},
}
# Paths docs may name that a build or a run creates (ignored by git), not files of the repository.
GENERATED = ("data/build", "data/cache", "data/rankers", "bench/out", "tests/artifacts", ".venv")


def _modules(package: str) -> dict[str, Path]:
    files = (ROOT / package).rglob("*.py")
    return {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p for p in files}


def _imports(path: Path, module: str) -> set[str]:
    """Every module a file imports, at any depth (an import inside a function still ties the two)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_go_one_way(layer):
    wrong = []
    for module, path in _modules(layer).items():
        for name in _imports(path, module):
            if name.split(".")[0] in FORBIDDEN[layer]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, wrong


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_core_has_no_import_cycle():
    modules = _modules("core")
    # A package's facade (__init__) re-exports its modules; an edge into it is an edge into those modules.
    graph = {m: {n for n in _imports(p, m) if n in modules and n != m} for m, p in modules.items()}
    assert _cycle(graph) is None, _cycle(graph)


def test_cycle_finder_finds_a_planted_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_every_sql_file_sits_beside_the_module_that_loads_it():
    callers = {p: p.read_text(encoding="utf-8") for p in (ROOT / "core").rglob("*.py")}
    orphans = []
    for sql in (ROOT / "core").rglob("*.sql"):
        assert sql.parent.name == "sql", f"{sql} is not in a sql/ folder"
        name = sql.stem
        # Names are literal strings (not dict keys), or an f-string prefix such as agg_insert_{name}.
        users = [p for p, text in callers.items()
                 if re.search(rf'"{name}"(?!\s*:)', text) or any(name.startswith(pre) for pre in re.findall(r'query\(f"(\w+)\{', text))]
        if not users or any(p.parent != sql.parent.parent for p in users):
            orphans.append(f"{sql.relative_to(ROOT)}: used by {[str(p.relative_to(ROOT)) for p in users]}")
    assert not orphans, orphans


PATH = re.compile(r"(?<![\w/.-])((?:core|components|views|app_pages|bench|tests|data|static|docs|deploy|\.ci)/[\w./*<>-]*)")


def _doc_paths() -> list[tuple[str, str]]:
    found = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for match in PATH.finditer(doc.read_text(encoding="utf-8")):
            found.append((doc.name, match.group(1).rstrip(".,:;)")))
    return found


def test_docs_name_only_files_that_exist():
    missing = []
    for doc, path in _doc_paths():
        pattern = re.sub(r"<[^>]*>", "*", path)  # `slice_table_<name>.sql` names a family of files
        exists = list(ROOT.glob(pattern)) if "*" in pattern else (ROOT / pattern).exists()
        if not path.startswith(GENERATED) and not exists:
            missing.append(f"{doc}: {path}")
    assert not missing, missing


def test_doc_path_check_sees_a_wrong_path(tmp_path):
    assert PATH.findall("see `core/stats/bootstrap.py` and core/nowhere.py.") == ["core/stats/bootstrap.py",
                                                                                 "core/nowhere.py."]
    assert len(_doc_paths()) > 20  # the docs do name files; an empty scan would pass vacuously
