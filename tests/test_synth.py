"""The synthetic generator: exact release marginals at full scale, format, determinism, planted truth."""
from __future__ import annotations

import csv
import hashlib
import json
import random
import statistics
import unicodedata
from collections import Counter, defaultdict
from functools import cache
from itertools import combinations
from pathlib import Path

import pytest
import yaml

from core.commands.sample import SAMPLE_SEED
from core.config import SAMPLE_DIR, SECTIONS_CSV
from core.rankings.grammar import parse_ranking
from core.synth.dataset import Synthetic, synthesize
from core.synth.generate import generate, write
from core.synth.mixture import SHAPES

FILES = ("comparisons.jsonl", "annotators.jsonl", "merged_comparisons_annotators.jsonl")
RUN = Path("rankers") / "synthetic-msr-v1"

# The release's published marginals (dataset_schema.md), written out here so the test does not trust the generator.
COUNTRIES = {
    "United States": 362, "Mexico": 142, "South Africa": 136, "Netherlands": 117, "Chile": 81,
    "United Kingdom": 76, "India": 38, "Kenya": 23, "Japan": 10, "Switzerland": 8, "Korea, Republic of": 4,
    "Canada": 4, "Germany": 2, "Portugal": 2, "Argentina": 2, "Malaysia": 2, "Australia": 1, "Italy": 1, "Greece": 1,
}
DEMOGRAPHICS = {
    "age": {"18-24": 158, "25-34": 429, "35-44": 233, "45-54": 113, "55-64": 57, "65+": 22},
    "gender": {"Male": 528, "Female": 463, "Non-binary": 17, "Prefer not to say": 4},
    "education_level": {"Some high school": 1, "High school graduate": 34,
                        "Trade or technical or vocational training": 9, "Some college or university": 77,
                        "College or university degree": 372, "Graduate degree": 309, "Post-graduate degree": 210},
    "generative_ai_usage": {"Almost constantly": 107, "Several times a day": 352, "About once a day": 117,
                            "Several times a week": 249, "A few times a month": 119,
                            "Only a few times so far": 54, "Never": 14},
    "ai_concern_level": {"More excited than concerned": 359, "Equally excited and concerned": 453,
                         "More concerned than excited": 186, "Not sure / No answer": 14},
}
LABELS = {
    "importance": {"Very important (serious impact if wrong)": 9161,
                   "Somewhat important (matters in some cases)": 7510,
                   "Not important (no meaningful harm if wrong)": 1713},
    "subjectivity": {"The correct answer depends on a person's values or culture": 8650,
                     "There is a single correct answer to this prompt": 5272,
                     "I'm unsure whether there is a single correct answer to this question": 2911,
                     "The correct answer depends on something else (the time, the weather, etc)": 1551},
    "representativeness": {
        f"It is {w} likely that I would ask a question like this to an AI chatbot.": n
        for w, n in (("not at all", 7533), ("slightly", 3657), ("moderately", 3088), ("very", 2259),
                     ("extremely", 1847))},
}
DEMOGRAPHIC_KEYS = ["age", "gender", "education_level", "country_of_residence", "generative_ai_usage",
                    "ai_concern_level", "ideal-model-behavior"]
MERGED_KEYS = ["prompt_id", "annotator_id", "demographics", "ranking_blocks", "importance", "representativeness",
               "subjectivity", "num_candidates", "turns_user", "turns_assistant", "assistant_turn_share"]
ANNOTATOR_ASSESSMENT_KEYS = ["annotator_id", "conversation_id", "importance", "ranking_blocks",
                             "representativeness", "subjectivity"]
COMPARISON_ASSESSMENT_KEYS = ["annotator_id", "importance", "ranking_blocks", "representativeness", "subjectivity"]


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


class Release:
    """The three files of a written folder, parsed."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.comparisons = read_jsonl(folder / FILES[0])
        self.annotators = read_jsonl(folder / FILES[1])
        self.merged = read_jsonl(folder / FILES[2])
        self.comp_assessments = [(r["prompt_id"], a) for r in self.comparisons for a in r["metadata"]["assessments"]]
        self.ann_assessments = [a for r in self.annotators for a in r["assessments"]]
        self.country = {r["annotator_id"]: r["demographics"]["country_of_residence"] for r in self.annotators}


@pytest.fixture(scope="module")
def full_data() -> Synthetic:
    return synthesize("full", 1)


@pytest.fixture(scope="module")
def full(full_data, tmp_path_factory) -> Release:
    out = tmp_path_factory.mktemp("synth_full")
    write(full_data, out)
    return Release(out)


@pytest.fixture(scope="module")
def sample() -> Release:
    return Release(SAMPLE_DIR)


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---- full scale reproduces the release's marginals exactly ----

def test_full_counts_pairs_and_annotator_only_assessments(full):
    assert len(full.comparisons) == 1078
    assert len(full.annotators) == 1012
    assert len(full.comp_assessments) == 18384 == len(full.merged)
    assert len(full.ann_assessments) == 18678
    comp_pairs = {(p, a["annotator_id"]) for p, a in full.comp_assessments}
    ann_pairs = {(a["conversation_id"], a["annotator_id"]) for a in full.ann_assessments}
    assert (len(comp_pairs), len(ann_pairs)) == (18269, 18562)
    assert comp_pairs <= ann_pairs
    only_ann = ann_pairs - comp_pairs
    assert len(only_ann) == 293
    prompt_ids = {r["prompt_id"] for r in full.comparisons}
    conversation_ids = {a["conversation_id"] for a in full.ann_assessments}
    assert len(conversation_ids) == 1100 and prompt_ids <= conversation_ids
    assert {p for p, _ in only_ann} == conversation_ids - prompt_ids   # ~22 prompts only in annotators.jsonl
    # Every comparisons pair has the same world ranking in annotators.jsonl.
    world_by_pair = defaultdict(set)
    for a in full.ann_assessments:
        world_by_pair[(a["conversation_id"], a["annotator_id"])].add(a["ranking_blocks"]["world"][0]["ranking"])
    for p, a in full.comp_assessments:
        assert world_by_pair[(p, a["annotator_id"])] == {a["ranking_blocks"]["world"][0]["ranking"]}


def test_full_anchor_and_assessments_per_annotator(full):
    sizes = [len(r["metadata"]["assessments"]) for r in full.comparisons]
    assert max(sizes) == 1012 and statistics.median(sizes) == 16
    anchor = full.comparisons[sizes.index(1012)]
    assert {a["annotator_id"] for a in anchor["metadata"]["assessments"]} == set(full.country)
    per_annotator = Counter(len(r["assessments"]) for r in full.annotators)
    assert min(per_annotator) == 2 and max(per_annotator) <= 39
    assert [(n, per_annotator[n]) for n in range(2, 8)] == [(2, 15), (3, 2), (4, 1), (5, 61), (6, 4), (7, 2)]
    assert sum(c for n, c in per_annotator.items() if n > 20) == 48


def test_full_demographics(full):
    for r in full.annotators:
        assert list(r["demographics"]) == DEMOGRAPHIC_KEYS
        assert isinstance(r["demographics"]["ideal-model-behavior"], str)
    assert Counter(full.country.values()) == COUNTRIES
    for field, expected in DEMOGRAPHICS.items():
        assert Counter(r["demographics"][field] for r in full.annotators) == expected, field


def test_full_labels_exact_and_worded_as_released(full):
    for field, expected in LABELS.items():
        raw = Counter(a[field] for _, a in full.comp_assessments)
        assert Counter({unicodedata.normalize("NFKC", k): v for k, v in raw.items()}) == expected, field
    for raw in {a["representativeness"] for _, a in full.comp_assessments}:
        bold = [ch for ch in raw if 0x1D5D4 <= ord(ch) <= 0x1D607]
        assert bold and raw.startswith("It is ") and raw != unicodedata.normalize("NFKC", raw)
    for raw in {a["subjectivity"] for _, a in full.comp_assessments}:
        assert "\u2019" not in raw
    assert "I'm unsure whether there is a single correct answer to this question" in \
        {a["subjectivity"] for _, a in full.comp_assessments}


def test_full_long_form_first_batch_and_capped(full):
    def asked(a: dict) -> bool:
        blocks = a["ranking_blocks"]
        assert bool(blocks["personal"]) == bool(blocks["unacceptable"])
        return bool(blocks["personal"])

    assert sum(asked(a) for _, a in full.comp_assessments) == 4901
    assert sum(asked(a) for a in full.ann_assessments) == 5006
    per_annotator = Counter()
    for r in full.annotators:
        flags = [asked(a) for a in r["assessments"]]
        n = sum(flags)
        assert flags == [True] * n + [False] * (len(flags) - n)   # only in the first batch
        per_annotator[n] += 1
    assert per_annotator == {5: 992, 2: 15, 3: 4, 4: 1}


def test_full_turns_and_merged_rows(full):
    user_turns = Counter(sum(m["role"] == "user" for m in r["prompt"]["messages"]) for r in full.comparisons)
    assert user_turns == {1: 980, 2: 77, 3: 15, 4: 5, 6: 1}
    roles = {m["role"] for r in full.comparisons for m in r["prompt"]["messages"]}
    assert roles == {"developer", "user", "assistant"}
    turns = {r["prompt_id"]: r["prompt"]["messages"] for r in full.comparisons}
    demographics = {r["annotator_id"]: r["demographics"] for r in full.annotators}
    for row, (prompt_id, a) in zip(full.merged, full.comp_assessments, strict=True):
        assert list(row) == MERGED_KEYS
        assert (row["prompt_id"], row["annotator_id"]) == (prompt_id, a["annotator_id"])
        assert row["demographics"] == demographics[a["annotator_id"]]
        for key in ("ranking_blocks", "importance", "representativeness", "subjectivity"):
            assert row[key] == a[key]
        users = sum(m["role"] == "user" for m in turns[prompt_id])
        assistants = sum(m["role"] == "assistant" for m in turns[prompt_id])
        assert (row["num_candidates"], row["turns_user"], row["turns_assistant"]) == (4, users, assistants)
        assert row["assistant_turn_share"] == pytest.approx(assistants / (users + assistants))


def test_full_ranking_quirks(full):
    worlds = [a["ranking_blocks"]["world"][0]["ranking"] for a in full.ann_assessments]
    for text in worlds:
        parse_ranking(text)
    assert 0.020 < worlds.count("A=B=C=D") / len(worlds) < 0.029
    assert any("D=A" in w for w in worlds)               # tie groups are not alphabetised
    single_first = sum(w[1:2] == ">" for w in worlds) / len(worlds)
    assert 0.86 < single_first < 0.91
    asked = [a["ranking_blocks"]["unacceptable"][0] for a in full.ann_assessments if a["ranking_blocks"]["unacceptable"]]
    assert any(u["rating"] == [] for u in asked)         # asked, nothing flagged
    sentences = {s for u in asked for s in u["rating"]}
    assert sentences == {f"{x} is unacceptable" for x in "ABCD"}
    assert 0.55 < sum(bool(u["rating"]) for u in asked) / len(asked) < 0.72


# ---- format and key sets (the committed sample) ----

def test_sample_round_trips_with_exact_keys(sample):
    for r in sample.comparisons:
        assert list(r) == ["prompt_id", "prompt", "responses", "metadata"]
        assert list(r["prompt"]) == ["messages"] and list(r["metadata"]) == ["assessments"]
        assert all(list(m) == ["role", "content"] and isinstance(m["content"], str) for m in r["prompt"]["messages"])
        assert [x["response_index"] for x in r["responses"]] == ["A", "B", "C", "D"]
        for x in r["responses"]:
            assert list(x) == ["response_index", "messages"] and x["messages"][0]["role"] == "assistant"
        for a in r["metadata"]["assessments"]:
            assert list(a) == COMPARISON_ASSESSMENT_KEYS
    for r in sample.annotators:
        assert list(r) == ["annotator_id", "demographics", "assessments"]
        assert list(r["demographics"]) == DEMOGRAPHIC_KEYS
        assert all(list(a) == ANNOTATOR_ASSESSMENT_KEYS for a in r["assessments"])
    assert all(list(r) == MERGED_KEYS for r in sample.merged)
    for a in sample.ann_assessments:
        blocks = a["ranking_blocks"]
        assert list(blocks) == ["world", "personal", "unacceptable"]
        assert [list(x) for x in blocks["world"]] == [["ranking", "rationale"]]
        assert [list(x) for x in blocks["personal"]] in ([], [["ranking", "rationale"]])
        assert [list(x) for x in blocks["unacceptable"]] in ([], [["rating", "rationale"]])


def test_sample_readme_is_marked_synthetic_with_configs():
    text = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    configs = {c["config_name"]: c["data_files"] for c in yaml.safe_load(front)["configs"]}
    assert configs == {
        "comparisons": [{"split": "train", "path": "comparisons.jsonl"}],
        "annotators": [{"split": "train", "path": "annotators.jsonl"}],
        "merged_comparison_annotators": [{"split": "train", "path": "merged_comparisons_annotators.jsonl"}],
        "conversation_rubrics": [{"split": "train", "path": "conversation_rubrics.jsonl"}],
    }
    assert body.lstrip().startswith("# SYNTHETIC DATA") and "not real results" in body
    assert f"--seed {SAMPLE_SEED}" in body


def test_sample_supports_unsuppressed_and_suppressed_views(sample):
    """>= 5 countries and >= 8 grade-5 sections reach 10 participants; some countries stay under 10."""
    per_country = Counter(sample.country.values())
    assert sum(n >= 10 for n in per_country.values()) >= 5
    assert any(n < 10 for n in per_country.values())
    ranker = {r["prompt_id"]: r for r in read_jsonl(SAMPLE_DIR / RUN / "rankings.jsonl")}
    participants = defaultdict(set)
    for prompt_id, a in sample.comp_assessments:
        for anchor, grade in ranker[prompt_id]["relevance"].items():
            if grade >= 5:
                participants[anchor].add(a["annotator_id"])
    assert sum(len(v) >= 10 for v in participants.values()) >= 8
    notice = [json.dumps(r["prompt"], ensure_ascii=False) for r in sample.comparisons]
    notice = [text for text in notice if "Don't respond with erotica or gore]" in text]
    assert notice and all(any(w in text for w in ("explicit", "erotic", "graphic", "gore")) for text in notice)
    total = sum(p.stat().st_size for p in SAMPLE_DIR.rglob("*") if p.is_file())
    assert total <= 5_600_000  # the three CA-1 files ~4.4 MB, conversation_rubrics.jsonl ~0.7 MB (issue 16)


def test_ranker_run_format(sample):
    manifest = json.loads((SAMPLE_DIR / RUN / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest) == ["format", "run_id", "ranker_name", "model", "base_url_host", "spec_version",
                              "spec_sha256", "template_version", "created_at", "synthetic", "dataset",
                              "parameters", "counts"]
    assert manifest["format"] == "ca-ranker-run/1" and manifest["synthetic"] is True
    assert manifest["dataset"] == {"source": "synthetic", "seed": SAMPLE_SEED, "scale": "small"}
    assert manifest["counts"] == {"prompts": 180, "ok": 180, "failed": 0}
    with SECTIONS_CSV.open(encoding="utf-8", newline="") as f:
        anchors = [row["anchor"] for row in csv.DictReader(f)]
    rows = read_jsonl(SAMPLE_DIR / RUN / "rankings.jsonl")
    assert [r["prompt_id"] for r in rows] == [r["prompt_id"] for r in sample.comparisons]
    for r in rows:
        assert list(r) == ["prompt_id", "ranking", "relevance", "rationale", "usage", "error"]
        assert set(parse_ranking(r["ranking"]).values()) == {1, 2, 3, 4} and r["error"] is None
        assert list(r["relevance"]) == anchors
        grades = Counter(r["relevance"].values())
        assert grades[5] == 1 and grades[4] <= 1 and set(grades) <= {1, 2, 3, 4, 5}


# ---- determinism and the committed sample ----

def test_deterministic_per_seed(tmp_path):
    generate("small", 7, tmp_path / "a")
    generate("small", 7, tmp_path / "b")
    generate("small", 8, tmp_path / "c")
    a, b, c = (tree_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert a["comparisons.jsonl"] != c["comparisons.jsonl"]


def test_committed_sample_regenerates_byte_for_byte(tmp_path):
    generate("small", SAMPLE_SEED, tmp_path)
    assert tree_digest(tmp_path) == tree_digest(SAMPLE_DIR)


# ---- planted truth ----

@cache
def _ranks(order: tuple[str, ...], shape: tuple[int, ...]) -> dict[str, int]:
    text = "A=B=C=D" if shape == (4,) else ""
    if not text:
        groups, i = [], 0
        for size in shape:
            groups.append("=".join(order[i:i + size]))
            i += size
        text = ">".join(groups)
    return parse_ranking(text)


def _pairwise(a: dict[str, int], b: dict[str, int]) -> float | None:
    pairs = [(x, y) for x, y in combinations("ABCD", 2) if a[x] != a[y] and b[x] != b[y]]
    if not pairs:
        return None
    return sum((a[x] < a[y]) == (b[x] < b[y]) for x, y in pairs) / len(pairs)


def _top(a: dict[str, int]) -> str | None:
    firsts = [x for x, r in a.items() if r == 1]
    return firsts[0] if len(firsts) == 1 else None


def _estimate(world: list[dict[str, int]], ranker: list[dict[str, int]]) -> tuple[float, float]:
    """Mean pairwise and top agreement over the assessments where each is defined."""
    pw = [v for w, r in zip(world, ranker) if (v := _pairwise(w, r)) is not None]
    tp = [_top(w) == _top(r) for w, r in zip(world, ranker) if _top(w) is not None]
    return sum(pw) / len(pw), sum(tp) / len(tp)


def test_planted_truth_matches_monte_carlo(tmp_path):
    """Re-simulate the documented mixture many times; its average estimate must equal the exact truth."""
    truth = generate("small", 11, tmp_path)
    data = synthesize("small", 11)
    comparisons = data.comparisons
    rng = random.Random(99)
    shapes, weights = list(SHAPES), list(SHAPES.values())
    ranker = [_ranks(a.prompt.reference, (1, 1, 1, 1)) for a in comparisons]
    sections = [a.prompt.primary for a in comparisons]
    reps = 40
    sums = defaultdict(lambda: [0.0, 0.0])
    for _ in range(reps):
        world = []
        for a in comparisons:
            planted = a.prompt.order_for(a.person.country)
            order = planted if rng.random() < a.prompt.follow else tuple(rng.sample("ABCD", 4))
            world.append(_ranks(order, rng.choices(shapes, weights)[0]))
        groups = defaultdict(list)
        for i, s in enumerate(sections):
            groups[s].append(i)
        groups["overall"] = list(range(len(comparisons)))
        for key, idx in groups.items():
            pw, tp = _estimate([world[i] for i in idx], [ranker[i] for i in idx])
            sums[key][0] += pw / reps
            sums[key][1] += tp / reps
    assert sums["overall"][0] == pytest.approx(truth["overall"]["pairwise"], abs=0.004)
    assert sums["overall"][1] == pytest.approx(truth["overall"]["top"], abs=0.006)
    assert set(truth["sections"]) == set(sections)
    for anchor, t in truth["sections"].items():
        assert t["n_assessments"] == sections.count(anchor)
        assert sums[anchor][0] == pytest.approx(t["pairwise"], abs=0.025), anchor
        assert sums[anchor][1] == pytest.approx(t["top"], abs=0.04), anchor


def test_written_data_agrees_with_its_planted_truth(tmp_path):
    """The rankings actually written follow the mixture: estimates from the files land near the truth."""
    gaps = []
    for seed in (21, 22, 23):
        truth = generate("small", seed, tmp_path / str(seed))
        release = Release(tmp_path / str(seed))
        ranker = {r["prompt_id"]: parse_ranking(r["ranking"])
                  for r in read_jsonl(tmp_path / str(seed) / RUN / "rankings.jsonl")}
        world = [parse_ranking(a["ranking_blocks"]["world"][0]["ranking"]) for _, a in release.comp_assessments]
        pw, tp = _estimate(world, [ranker[p] for p, _ in release.comp_assessments])
        gaps.append((pw - truth["overall"]["pairwise"], tp - truth["overall"]["top"]))
    for pw_gap, tp_gap in gaps:
        assert abs(pw_gap) < 0.03 and abs(tp_gap) < 0.05
    # Contested prompts are planted with low agreement, consensus prompts with high agreement.
    data = synthesize("small", 21)
    by_kind = defaultdict(list)
    for a in data.comparisons:
        ranks = parse_ranking(a.blocks["world"][0]["ranking"])
        value = _pairwise(ranks, _ranks(a.prompt.reference, (1, 1, 1, 1)))
        if value is not None:
            by_kind[a.prompt.kind].append(value)
    assert statistics.mean(by_kind["consensus"]) > statistics.mean(by_kind["ordinary"]) > \
        statistics.mean(by_kind["contested"]) + 0.1


def test_country_dependent_prompts_split_by_country(full_data):
    inside = outside = inside_n = outside_n = 0
    for a in full_data.comparisons:
        p = a.prompt
        if p.kind != "country_dependent":
            continue
        first = _top(parse_ranking(a.blocks["world"][0]["ranking"]))
        if a.person.country in p.countries:
            inside += first == p.country_order[0]
            inside_n += 1
        else:
            outside += first == p.country_order[0]
            outside_n += 1
    assert inside_n >= 50 and inside / inside_n > outside / outside_n + 0.3
