"""Display names for codes: countries (pycountry) and demographic fields."""
from __future__ import annotations

from functools import cache

import pandas as pd
import pycountry

from components import inert
from core import config
from core.release.vocab import DEMOGRAPHIC_LABELS

_FIELD_NAMES = {"country": "Country of residence", "age": "Age", "gender": "Gender", "education_level": "Education",
                "generative_ai_usage": "Generative-AI use", "ai_concern_level": "Feelings about AI"}
FIELDS = {field: _FIELD_NAMES[field] for field in config.GROUP_FIELDS}  # display name per field, in config order


@cache
def country_name(iso3: str) -> str:
    """Common English name of an ISO 3166-1 alpha-3 code, or the code itself."""
    country = pycountry.countries.get(alpha_3=str(iso3))
    if country is None:
        return str(iso3)
    return getattr(country, "common_name", None) or country.name


def level_name(field: str, level: str) -> str:
    """A group level as readers see it (country codes become names; invisible characters written out, so two
    levels never look alike)."""
    return country_name(level) if field == "country" else inert.visible(level)


def with_names(df: pd.DataFrame) -> pd.DataFrame:
    """Add a `name` column (display name of each field/level row)."""
    return df.assign(name=[level_name(f, lv) for f, lv in zip(df["field"], df["level"], strict=True)])


def pair_names(pair: object) -> str:
    """A country pair 'CHL–ZAF' as 'Chile – South Africa'; '–' when there is no pair."""
    if not isinstance(pair, str) or "–" not in pair:
        return "–"
    return " – ".join(country_name(code) for code in pair.split("–", 1))


# Fields whose levels have a natural order (the release's own order: youngest first, least to most, …).
ORDINAL = ("age", "education_level", "generative_ai_usage", "ai_concern_level")


def in_natural_order(df: pd.DataFrame, field: str, level_col: str = "level") -> pd.DataFrame:
    """Rows of one field in its natural order when it has one (unknown levels last), else unchanged."""
    if field not in ORDINAL:
        return df
    order = {level: i for i, level in enumerate(DEMOGRAPHIC_LABELS.get(field, ()))}
    return df.iloc[sorted(range(len(df)), key=lambda i: order.get(df[level_col].iloc[i], len(order)))]
