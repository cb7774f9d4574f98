"""Synthetic `conversation_rubrics.jsonl` in openai/coval's shape, with its traps and a planted truth.

Traps: OpenAI's internal message shape (author.role, content.parts, `system` for developer, an empty system turn);
texts that differ from comparisons.jsonl only in white space (exact after normalising) or by one word (near
misses, for the tolerant join); rows whose conversation is in no prompt (unmatched); prompts with no rubric;
participants' own items scored only by their author; non-English criteria; hostile text. Planted truth: each
row's expected join, each item's expected mean weight given who scored it, and a country effect on the anchor.
"""

from __future__ import annotations

import math
import random
import uuid

from core.synth.dataset import Synthetic
from core.synth.prompts import Prompt

NAMESPACE = uuid.UUID("0c0a1b2c-3d4e-5f60-8a9b-c0ffee00ba5e")
WITHOUT_SHARE = 110 / 1078  # prompts with no rubric in the release
UNMATCHED_SHARE = 18 / 986  # rubric rows that match no prompt
NEAR_MISS_SHARE = 0.025  # rows whose text differs by one word (the release's "stop eat" vs "stop eating")
SPACING_SHARE = 0.05  # rows whose text differs only in white space
NOISE_SD = 2.5
COUNTRY_SHIFT = ("Mexico", 6.0)  # the anchor's first pre-written item: this country weights it higher
PREWRITTEN = (
    ("[Synthetic] Explains the main trade-offs clearly", 7.0),
    ("[Synthetic] Contains factual errors", -8.0),
    ("[Synthetic] Respects the person's own choices", 6.0),
    ("[Synthetic] Lectures or moralises without being asked", -5.0),
    ("[Synthetic] Keeps the answer short and to the point", 3.0),
    ("[Synthetic] Takes one side on a contested question", -3.0),
    ("[Synthetic] Admits uncertainty where it exists", 5.0),
    ("[Synthetic] Refuses a reasonable request", -7.0),
    ("[Synthetic] Gives practical next steps", 4.0),
    ("[Synthetic] Uses a neutral, descriptive tone", 2.0),
)
OWN_EN = (
    "[Synthetic] Mentions where to find more help",
    "[Synthetic] Does not assume my country",
    "[Synthetic] Avoids jargon",
    "[Synthetic] Sounds preachy",
    "[Synthetic] Gives an example from daily life",
    "[Synthetic] Ignores the question that was asked",
    "[Synthetic] Is too long to read on a phone",
    "[Synthetic] Treats both views fairly",
)
OWN_OTHER = {
    "Mexico": ("[Sintético] Explica las opciones sin juzgar", "[Sintético] Da información incorrecta"),
    "Chile": ("[Sintético] Respeta la decisión de la persona", "[Sintético] Es demasiado largo"),
    "Netherlands": ("[Synthetisch] Geeft een eerlijk antwoord", "[Synthetisch] Is te belerend"),
    "Japan": ("[合成] 丁寧で分かりやすい説明", "[合成] 一方的な意見を述べる"),
}
HOSTILE = (
    '=HYPERLINK("http://example.invalid","[Synthetic] click")',
    "[Synthetic] <script>alert('rubric')</script> must not run",
    "[Synthetic] **bold** [link](javascript:alert(1)) $x^2$ :red[colour]",
    "[Synthetic] \u202eright-to-left override\u202c and a zero\u200bwidth space",
)
CORE = (
    "[Synthetic] Explain the main trade-offs clearly.",
    "[Synthetic] Respect the person's own choices.",
    "[Synthetic] Keep the response concise.",
    "[Synthetic] Maintain a neutral, descriptive tone.",
    "[Synthetic] Admit uncertainty where it exists.",
    "[Synthetic] Give practical next steps.",
)
UNMATCHED_TEXTS = (
    "Describe a lighthouse keeper's week on an island that appears on no map",
    "List three invented festivals and the foods served at each",
    "Write a recipe for soup made from ingredients that do not exist",
    "Explain the rules of a board game played only in a fictional town",
)


def _clipped_mean(mu: float, sd: float = NOISE_SD) -> float:
    """E[clip(round(X), -10, 10)] for X ~ N(mu, sd): the mean weight a scorer with this mu is expected to give."""

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((x - mu) / (sd * math.sqrt(2))))

    total = -10 * cdf(-9.5) + 10 * (1 - cdf(9.5))
    total += sum(k * (cdf(k + 0.5) - cdf(k - 0.5)) for k in range(-9, 10))
    return total


def _score(rng: random.Random, mu: float) -> int:
    return max(-10, min(10, round(rng.gauss(mu, NOISE_SD))))


def _message(rng: random.Random, role: str, text: str) -> dict:
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "author": {"role": "system" if role == "developer" else role, "name": None},
        "content": {"content_type": "text", "parts": [text]},
        "status": "finished_successfully",
        "recipient": "all",
    }


def near_miss(text: str) -> str:
    """One word of the question changed the way the release's copies differ ("eating" -> "eat")."""
    head, sep, question = text.partition("] ")
    words = question.split(" ")
    for i, w in enumerate(words):
        if w.isalpha() and len(w) >= 5:
            words[i] = w[:-3] if w.endswith("ing") else (w[:-1] if w.endswith("s") else w + "s")
            return head + sep + " ".join(words)
    return head + sep + question + " please"


def _messages(rng: random.Random, prompt: Prompt | None, variant: str, number: int) -> list[dict]:
    if prompt is None:
        text = (
            f"[Synthetic conversation without a prompt {number:04d}] {UNMATCHED_TEXTS[number % len(UNMATCHED_TEXTS)]}."
        )
        return [_message(rng, "system", ""), _message(rng, "user", text)]
    out = [_message(rng, "system", "")] if rng.random() < 0.3 else []  # OpenAI's empty system turn
    first_user = True
    for m in prompt.messages:
        text = m["content"]
        if m["role"] == "user" and first_user:
            first_user = False
            if variant == "near_miss":
                text = near_miss(text)
            elif variant == "spacing":
                text = "  " + text.replace(" ", "\u00a0 ", 1) + "\n"  # NFKC and white space only
        out.append(_message(rng, m["role"], text))
    return out


def _own_text(rng: random.Random, country: str) -> str:
    if rng.random() < 0.02:
        return rng.choice(HOSTILE)
    other = OWN_OTHER.get(country)
    if other and rng.random() < 0.5:
        return rng.choice(other)
    return rng.choice(OWN_EN)


# Pre-written items per rubric and own items per participant; the committed sample uses fewer to stay small.
PER_SCALE = {"small": ((3, 4), (70, 25, 5))}
DEFAULT = ((4, 6), (55, 35, 10))


def rubric_rows(data: Synthetic) -> tuple[list[dict], dict]:
    """The rows of conversation_rubrics.jsonl and the planted truth."""
    rng = random.Random(f"{data.seed}:rubrics")
    (lo, hi), own_weights = PER_SCALE.get(data.scale, DEFAULT)
    by_prompt = data.by_prompt()
    prompts = [p for p in data.prompts if p.in_comparisons]
    n_without = round(len(prompts) * WITHOUT_SHARE)
    order = [p for p in prompts if not p.is_anchor]
    rng.shuffle(order)
    without = {p.prompt_id for p in order[:n_without]}
    with_rubric = [p for p in prompts if p.prompt_id not in without]
    n_unmatched = max(3, round(len(with_rubric) * UNMATCHED_SHARE))
    targets: list[Prompt | None] = [*with_rubric, *([None] * n_unmatched)]
    rng.shuffle(targets)
    people = {a.person.annotator_id: a.person for row in data.rows for a in row}
    rows, planted_rows, items_truth = [], [], []
    for number, prompt in enumerate(targets):
        if prompt is None:
            variant = "unmatched"
        else:
            draw = rng.random()
            variant = (
                "near_miss"
                if draw < NEAR_MISS_SHARE
                else "spacing"
                if draw < NEAR_MISS_SHARE + SPACING_SHARE
                else "exact"
            )
        conversation_id = str(uuid.uuid5(NAMESPACE, f"{data.seed}:rubric:{number}"))
        if prompt is not None:
            scorers = list(dict.fromkeys(a.person.annotator_id for a in by_prompt[prompt.index]))
        else:
            scorers = rng.sample(sorted(people), min(len(people), rng.randint(4, 12)))
        items, truth_items = [], []
        if len(scorers) >= 4:
            for k, (criterion, mu) in enumerate(rng.sample(PREWRITTEN, rng.randint(lo, hi))):
                shifted = prompt is not None and prompt.is_anchor and k == 0
                scores, expected = [], []
                for annotator in scorers:
                    m = mu + (COUNTRY_SHIFT[1] if shifted and people[annotator].country == COUNTRY_SHIFT[0] else 0.0)
                    scores.append({"annotator_id": annotator, "score": _score(rng, m)})
                    expected.append(_clipped_mean(m))
                items.append({"rubric_item_id": f"syn-{number:05d}-{k:02d}", "criterion": criterion, "scores": scores})
                truth_items.append([len(items) - 1, round(sum(expected) / len(expected), 6), shifted])
        for annotator in scorers:
            for _ in range(rng.choices((0, 1, 2), weights=own_weights)[0]):
                positive = rng.random() < 0.7
                score = rng.randint(3, 10) if positive else -rng.randint(3, 10)
                items.append(
                    {
                        "rubric_item_id": f"syn-{number:05d}-{len(items):02d}",
                        "criterion": _own_text(rng, people[annotator].country),
                        "scores": [{"annotator_id": annotator, "score": score}],
                    }
                )
        n_core = rng.choices((4, 3, 2), weights=(95, 4, 1))[0]
        rows.append(
            {
                "conversation": {"id": conversation_id, "messages": _messages(rng, prompt, variant, number)},
                "coval_full": items,
                "coval_core": [{"criterion": c} for c in rng.sample(CORE, n_core)],
            }
        )
        planted_rows.append([prompt.prompt_id if prompt is not None else None, variant])
        items_truth.append(truth_items)
    truth = {
        "definition": (
            "rows: per rubric line (line n is rows[n-1]), [prompt_id or null, variant] with variant exact, spacing "
            "(white space only), near_miss (one word changed) or unmatched. items: per line, [item_index, expected "
            "mean weight given its scorers, country-shifted] for each pre-written item (scores are round(N(mu, {NOISE_SD})) clipped to -10..10); the anchor's "
            f"first item adds {COUNTRY_SHIFT[1]} for participants in {COUNTRY_SHIFT[0]}."
        ),
        "prompts_without_rubric": sorted(without),
        "rows": planted_rows,
        "items": items_truth,
        "country_shift": {"country": COUNTRY_SHIFT[0], "shift": COUNTRY_SHIFT[1]},
    }
    return rows, truth
