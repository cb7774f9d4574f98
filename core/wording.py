"""Plain words for what a number measures: the population, measure, question, relevance, run and comparisons."""

from __future__ import annotations

import math

from core import config

# What a reader quotes must say what it measures; these are the plain names, technical names go in tooltips.
MEASURES = {"pairwise": "pairwise order", "top": "top choice"}
QUESTIONS = {"world": "best for everyone", "personal": "best for the participant themselves"}
RELEVANCE = {5: "relevance 5 (highest)", 4: "relevance 4 or more", 3: "relevance 3 or more"}
# Agreement a ranker would get by guessing: half of the strictly ordered pairs, one of four first choices.
CHANCE = {"pairwise": 0.5, "top": 0.25}
PUBLISHER = "the Collective Alignment Explorer project, an independent open-source project"
INDEPENDENCE = "It is not affiliated with, funded or endorsed by OpenAI."
REPRODUCTION = "The Model Spec Ranker here is this project's reproduction: OpenAI did not release its ranker's outputs."
CORRECTION_TEMPLATE = ".github/ISSUE_TEMPLATE/correction.md"
GROUP_SUBJECTS = {
    "country": "People living in {}",
    "age": "People aged {}",
    "gender": "People who gave their gender as {}",
    "education_level": "People whose education is {}",
    "generative_ai_usage": "People who use generative AI {}",
    "ai_concern_level": "People whose feelings about AI are: {}",
}


def run_label(run: str | None) -> str:
    """'ranker run <id> (this project's reproduction)'."""
    return f"ranker run {run} (this project's reproduction)" if run else "no ranker run"


def view_phrase(run: str | None, block: str, metric: str, threshold: int | None = None) -> str:
    """Measure, question, relevance level (when it applies) and ranker run, in one bracket-ready phrase."""
    parts = [f"Measure: {MEASURES.get(metric, metric)}", f"question: {QUESTIONS.get(block, block)}"]
    if threshold is not None:
        parts.append(f"sections at {RELEVANCE.get(int(threshold), f'relevance {threshold}')}")
    parts.append(run_label(run))
    return "; ".join(parts)


def group_subject(field: str | None, level_name: str | None) -> str:
    """Who a figure is about, in words: 'Everyone in the study' or 'People living in Mexico'."""
    if not field or level_name is None:
        return "Everyone in the study"
    return GROUP_SUBJECTS.get(field, "People in the group {}").format(level_name)


def _hundredths(x: object, unit: str) -> str:
    """A share 0–1 as a whole number of hundredths with its unit; an en dash when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    try:
        return f"{100 * float(x):.0f}{unit}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"


def pct(x: object) -> str:
    """A share 0–1 as a whole percentage ('74%')."""
    return _hundredths(x, "%")


def pts(x: object) -> str:
    """A difference of two shares in percentage points ('4 pts')."""
    return _hundredths(x, " pts")


def chance_text(metric: str) -> str:
    """'chance level 50%': what guessing would score on this measure."""
    return f"chance level {pct(CHANCE[metric])}" if metric in CHANCE else ""


def reference_text(name: str, estimate: object, ci_low: object, ci_high: object) -> str:
    """'the whole section 72% (95% CI 68–75%)': a comparison figure for a quote sentence."""
    if estimate is None or (isinstance(estimate, float) and math.isnan(estimate)):
        return f"{name}: not reported"
    return f"{name} {pct(estimate)} (95% CI {pct(ci_low)[:-1]}–{pct(ci_high)})"


def site_published_by() -> str:
    """Who publishes the site, and that it is independent of OpenAI."""
    return f"Published by {config.PUBLISHER or PUBLISHER}. {INDEPENDENCE}"


TITLE_CHARS = 80


def prompt_title(first_user_text: object, limit: int = TITLE_CHARS) -> str:
    """A readable title for a prompt: its first user message on one line, cut at a word before `limit`."""
    text = " ".join(str(first_user_text or "").split())
    if not text:
        return "A prompt without a user message"
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(",;:.-") + "…"
