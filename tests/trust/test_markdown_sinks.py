"""All input text is inert in every Markdown-capable sink: a walk of every page with hostile strings in the
ranker-run manifest (run id, ranker name, model, host, template version, dates, parameters), in a ranker-run
directory name (it becomes a build-report file name), and in the dataset (tests/datasets/hostile.py).

Sinks read from AppTest's element tree: Markdown, captions, headings, alerts, every st.table cell and header,
every widget label, help text and placeholder, metric labels, tab names, expander titles, and every string of each
Plotly figure as the chart component (components.plotly_view) receives it (data, layout, config).
Each planted value starts with a marker (`zqA` ...) followed at once by its active part, so the raw form
(`zqA![`) can be told from the escaped one (`zqA\\!\\[`)."""
from __future__ import annotations

import json
import shutil

import pytest

from components import inert, nav
from tests import figures, lazy
from tests.datasets import hostile
from tests.trust.support import BuiltStore, SiteRunner, build_store, count, exceptions_of, site_on

EVIL = hostile.EVIL_HOST
# field -> planted value; the raw fragment that must never reach a sink is the value's first 5 characters.
RUN_FIELDS = {
    "run_id": f"zqF[link](http://{EVIL}) run",
    "ranker_name": f"zqA![i](http://{EVIL}/i.png) ranker",
    "model": "zqB:red[red] $x^2$ model",
    "base_url_host": "zqC<img src=x onerror=alert(1)> host",
    "template_version": "zqD\u202eesrever template",
    "created_at": "zqE\u200bMale",
}
RUN_DIR = f"zqG![d](https:{EVIL}) :red[dir]"
PLANTED = [*RUN_FIELDS.values(), RUN_DIR]
LONG_HOSTILE = [v for v in hostile.HOSTILE.values() if len(v) >= 12 and any(c in v for c in "[<$:*_`\u202e\u200b")]


def _raw(value: str) -> str:
    return value[:5]


@pytest.fixture(scope="module")
def meta_store(tmp_path_factory) -> BuiltStore:
    source = tmp_path_factory.mktemp("meta_release")
    planted = hostile.generate(source)
    (run,) = [p for p in (source / "rankers").iterdir() if p.is_dir()]
    copy = source / "rankers" / RUN_DIR
    shutil.copytree(run, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(RUN_FIELDS)
    manifest["parameters"] = {"temperature": 0, "note": f"zqH![p](http://{EVIL}/p.png)"}
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    build_dir = tmp_path_factory.mktemp("meta_build")
    return BuiltStore(source, build_dir, build_store(source, build_dir), planted.as_dict())


def _leaves(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [s for item in items for s in _leaves(item)]


def _node_strings(node, out: list[tuple[str, str]]) -> None:
    kind = getattr(node, "type", type(node).__name__)
    proto = getattr(node, "proto", None)
    if kind == "table":
        df = node.value
        out += [("table header", str(c)) for c in df.columns]
        out += [("table cell", v) for col in df.columns for v in df[col] if isinstance(v, str)]
    elif kind in ("text", "code", "json", "exception", "dataframe", "arrow_data_frame"):
        pass  # shown as plain text (st.dataframe's grid draws text, it does not render Markdown)
    elif kind == "bidi_component" and proto.component_name == figures.COMPONENT:
        # Plotly renders some HTML in the figure's strings; the summary is plain text (aria-label, set as text).
        mount = json.loads(proto.json)
        out += [("plotly figure", text) for text in _leaves([mount["figure"], mount["config"], mount.get("image")])]
    elif proto is not None:
        for name in ("body", "label", "help", "placeholder", "caption", "spec", "title"):
            value = getattr(proto, name, None)
            if isinstance(value, str) and value:
                out.append((f"{kind}.{name}", value))
        which = proto.WhichOneof("type") if hasattr(proto, "WhichOneof") and "type" in [
            o.name for o in proto.DESCRIPTOR.oneofs] else None
        if which in ("expandable", "tab") and getattr(getattr(proto, which), "label", ""):
            out.append((f"{which}.label", getattr(proto, which).label))  # expander and tab titles
    for child in getattr(node, "children", {}).values():
        _node_strings(child, out)


def sink_strings(at) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    _node_strings(at._tree, out)
    return out


def _views(store: BuiltStore) -> list[tuple[str, dict]]:
    run = RUN_FIELDS["run_id"]
    views = []
    for spec in nav.PAGES:
        views += [(spec.path, {}), (spec.path, {"run": run})]
    prompts = nav.by_url_path("prompts").path
    views += [(prompts, {"prompt": store.planted["hostile_prompt_id"], "run": run}),
              (prompts, {"prompt": store.planted["anchor_prompt_id"], "run": run})]
    return views


def test_every_sink_gets_only_inert_text(meta_store):
    runner = SiteRunner()
    problems, seen, n_strings, n_figure = [], set(), 0, 0
    with site_on(meta_store):
        for page, query in _views(meta_store):
            # Three times: with every expander open and the charts drawn, then with every Table tab open instead (a
            # chart-and-table widget draws only its open tab), then with each finding's difference tab open.
            at = lazy.open_all(runner.open(page, query))
            strings = sink_strings(at)
            at = lazy.open_tables(at)
            strings += sink_strings(at)
            at = lazy.open_findings(at)
            assert not exceptions_of(at), (page, query, exceptions_of(at)[:1])
            for where, text in strings + sink_strings(at):
                n_strings += 1
                n_figure += where == "plotly figure"
                for value in PLANTED:
                    if value[:3] in text:
                        seen.add(value)
                    if _raw(value) in text:
                        problems.append((page, sorted(query), where, _raw(value)))
                for value in LONG_HOSTILE:
                    if value in text:
                        problems.append((page, sorted(query), where, value[:20]))
            count("markdown_sink_views_walked")
    count("markdown_sink_strings_checked", n_strings)
    count("markdown_sink_planted_values", len(PLANTED) + len(LONG_HOSTILE))
    assert not problems, problems[:10]
    assert n_figure > 0  # the figures' own strings were walked too
    # The check is not vacuous: the run's metadata and the directory name did reach Markdown sinks (escaped).
    missing = [v for v in (RUN_FIELDS["ranker_name"], RUN_FIELDS["model"], RUN_FIELDS["base_url_host"], RUN_DIR)
               if v not in seen]
    assert not missing, missing


def test_labels_cannot_look_alike_or_reverse_the_sentence():
    assert inert.visible("Male\u200b") != inert.visible("Male")
    assert "\u202e" not in inert.label("x\u202eevil") and "U\\+202E" in inert.label("x\u202eevil")
    assert inert.visible("👩\u200d👩\u200d👧") == "👩\u200d👩\u200d👧"  # emoji joiners are spelling, kept
    assert inert.md("![i](http://e/x.png) :red[r] $x$ <b>") == \
        "\\!\\[i\\]\\(http\\://e/x\\.png\\) \\:red\\[r\\] \\$x\\$ \\<b\\>"
    assert inert.plotly("<a href='x'>l</a>") == "&lt;a href='x'&gt;l&lt;/a&gt;"
