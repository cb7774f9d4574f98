"""Known label vocabularies of the release, country normalisation and the content-notice word list."""

from __future__ import annotations

import re
import unicodedata
from functools import cache


def nfkc(text: str) -> str:
    """NFKC form with surrounding whitespace removed (representativeness uses Unicode bold letters)."""
    return unicodedata.normalize("NFKC", text).strip()


# Assessment labels, NFKC-normalised, as counted in docs/data-model.md (real release counts in the research notes).
IMPORTANCE = (
    "Very important (serious impact if wrong)",
    "Somewhat important (matters in some cases)",
    "Not important (no meaningful harm if wrong)",
)
SUBJECTIVITY = (
    "The correct answer depends on a person's values or culture",
    "There is a single correct answer to this prompt",
    "I'm unsure whether there is a single correct answer to this question",
    "The correct answer depends on something else (the time, the weather, etc)",
)
REPRESENTATIVENESS = tuple(
    f"It is {level} likely that I would ask a question like this to an AI chatbot."
    for level in ("not at all", "slightly", "moderately", "very", "extremely")
)
ASSESSMENT_LABELS = {
    "importance": IMPORTANCE,
    "subjectivity": SUBJECTIVITY,
    "representativeness": REPRESENTATIVENESS,
}

# Demographic fields as released (the JSON key has hyphens; the column uses underscores).
DEMOGRAPHIC_KEYS = {
    "age": "age",
    "gender": "gender",
    "education_level": "education_level",
    "country_of_residence": "country_of_residence",
    "generative_ai_usage": "generative_ai_usage",
    "ai_concern_level": "ai_concern_level",
    "ideal-model-behavior": "ideal_model_behavior",
}
DEMOGRAPHIC_LABELS = {
    "age": ("18-24", "25-34", "35-44", "45-54", "55-64", "65+"),
    "gender": ("Male", "Female", "Non-binary", "Prefer not to say"),
    "education_level": (
        "Some high school",
        "High school graduate",
        "Trade or technical or vocational training",
        "Some college or university",
        "College or university degree",
        "Graduate degree",
        "Post-graduate degree",
    ),
    "generative_ai_usage": (
        "Almost constantly",
        "Several times a day",
        "About once a day",
        "Several times a week",
        "A few times a month",
        "Only a few times so far",
        "Never",
    ),
    "ai_concern_level": (
        "More excited than concerned",
        "Equally excited and concerned",
        "More concerned than excited",
        "Not sure / No answer",
    ),
}

MESSAGE_ROLES = ("developer", "user", "assistant")

# Country labels pycountry does not resolve by itself (keys are casefolded, single-spaced).
COUNTRY_ALIASES = {
    "uk": "GBR",
    "great britain": "GBR",
    "england": "GBR",
    "turkey": "TUR",
    "republic of korea": "KOR",
    "korea": "KOR",
    "us": "USA",
    "u.s.": "USA",
    "u.s.a.": "USA",
    "united states of america": "USA",
    "the netherlands": "NLD",
    "holland": "NLD",
}


@cache
def country_codes(label: str) -> tuple[str, str] | None:
    """(alpha-3, alpha-2) for a country label such as 'Korea, Republic of', 'UK' or ' türkiye '; None if unknown."""
    import pycountry

    key = " ".join(nfkc(label).split()).casefold()
    if not key:
        return None
    try:
        country = pycountry.countries.lookup(COUNTRY_ALIASES.get(key, key))
    except LookupError:
        return None
    return country.alpha_3, country.alpha_2


# Words that trigger the content notice (responses hidden behind a click). A crude keyword screen on
# prompt + responses that errs towards hiding; the notice says so. A trailing "*" marks a stem
# (prefix match); other entries match whole words only, so "sex" does not catch "sexist".
CONTENT_NOTICE_WORDS = (
    "sex",
    "sexual*",
    "porn*",
    "nude",
    "nudes",
    "nudity",
    "naked",
    "erotic*",
    "orgasm*",
    "genital*",
    "penis",
    "vagina*",
    "rape",
    "raped",
    "raping",
    "rapist*",
    "incest*",
    "fetish*",
    "masturbat*",
    "gore",
    "gory",
    "dismember*",
    "decapitat*",
    "mutilat*",
    "disembowel*",
    "tortur*",
    "bloodbath",
    "corpse*",
    "behead*",
    "self-harm",
    "suicid*",
)
CONTENT_NOTICE_PATTERN = re.compile(
    r"\b(?:"
    + "|".join(re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in CONTENT_NOTICE_WORDS)
    + r")\b"
)


# Each word's letters without the wildcard: text holding none of them cannot match, which `in` finds faster than the
# pattern does (about 9 prompts in 10 hold none; issue 17: 0.085 → 0.049 s over the full sample's 1,078 prompts).
_CONTENT_NOTICE_STEMS = tuple(w.rstrip("*") for w in CONTENT_NOTICE_WORDS)


def needs_content_notice(texts: list[str]) -> bool:
    """True when any text contains a word from CONTENT_NOTICE_WORDS (one search over the lower-cased texts)."""
    text = "\n".join(t for t in texts if t).lower()
    if not any(stem in text for stem in _CONTENT_NOTICE_STEMS):
        return False
    return CONTENT_NOTICE_PATTERN.search(text) is not None
