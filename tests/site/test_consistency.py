"""One way to say each thing: natural order for ordinal levels, pts for gaps, country names, readable prompt titles,
keyboard links in the tab, Rank it yourself before the crowd's answer, tie bands drawn when promised."""
from __future__ import annotations

import re

from components import frame, labels
from core import wording
from core.release.vocab import DEMOGRAPHIC_LABELS
from tests import figures, lazy, markdown_tables
from tests.site.test_pages import healthy

CODE = re.compile(r"\b[A-Z]{3}\b")


def _spec(at, index: int) -> dict:
    return figures.specs(at)[index]


def _y_order(spec: dict) -> list[str]:
    return [y.replace("<br>", " ") for y in spec["layout"]["yaxis"]["categoryarray"]]


def test_ordinal_levels_keep_their_natural_order(site):
    at = site("app_pages/people.py", breakdown="education_level", field="age")
    healthy(at)
    counts = _y_order(_spec(at, 1))
    natural = [v for v in DEMOGRAPHIC_LABELS["education_level"] if v in counts]
    assert counts == natural and len(counts) >= 3


def test_country_pairs_are_names_and_gaps_are_points(site):
    at = lazy.show_later(site("app_pages/people.py"))  # the diverging prompts are drawn after the first screen
    healthy(at)
    table = markdown_tables.with_column(at, "Most different pair")
    pairs = table["Most different pair"][table["Most different pair"] != "–"]
    assert len(pairs) and not any(CODE.search(p) for p in pairs)
    assert wording.pts(0.123) == "12 pts"


def test_prompt_lists_have_readable_titles_as_same_tab_links(site, sample_db):
    at = lazy.show_later(site("app_pages/people.py"))  # the diverging prompts are drawn after the first screen
    links = [p for p in at.get("page_link") if "prompt=" in p.proto.query_string]
    table = markdown_tables.with_column(at, "Most different pair")
    assert len(links) == len(table) > 0
    # The table's titles link to the same prompts, in the same order, and read as the same titles.
    cells = [markdown_tables.link(c) for c in table["Prompt (first message)"]]
    assert [url.split("prompt=", 1)[1] for _, url in cells] == [p.proto.query_string.split("prompt=", 1)[1]
                                                                 for p in links]
    ids = [p.proto.query_string.split("prompt=", 1)[1] for p in links]
    texts = dict(sample_db.execute("SELECT prompt_id, first_user_text FROM prompts").fetchall())
    assert [text for text, _ in cells] == [wording.prompt_title(texts[i]) for i in ids]
    for link, prompt_id in zip(links, ids, strict=True):
        assert link.proto.label == frame.md_escape(wording.prompt_title(texts[prompt_id], 40))
        assert not link.proto.external  # a page of this site: opens in the same tab
    assert wording.prompt_title("word " * 40, 40).endswith("…") and len(wording.prompt_title("word " * 40, 40)) <= 40


def test_rank_it_yourself_comes_before_the_crowds_answer(site, sample_db):
    busiest = sample_db.execute("SELECT prompt_id FROM prompts ORDER BY n_participants DESC, prompt_id "
                                "LIMIT 1").fetchone()[0]
    at = site("app_pages/prompts.py", prompt=busiest)
    healthy(at)
    order = [s.value for s in at.subheader]
    assert order.index("Rank it yourself") < order.index("What the crowd chose") < order.index(
        "The Model Spec Ranker")
    assert at.header[0].value == frame.md_escape(wording.prompt_title(
        sample_db.execute("SELECT first_user_text FROM prompts WHERE prompt_id = ?", [busiest]).fetchone()[0]))


def test_natural_order_helper_puts_unknown_levels_last():
    import pandas as pd

    df = pd.DataFrame({"level": ["65+", "(not given)", "18-24", "35-44"]})
    assert labels.in_natural_order(df, "age")["level"].tolist() == ["18-24", "35-44", "65+", "(not given)"]
    assert labels.in_natural_order(df, "country") is df


def test_chart_text_alternatives_carry_key_values(site, sample_db):
    at = site("app_pages/people.py", breakdown="age")
    healthy(at)
    words = [t.value for t in at.text]
    n_usa = sample_db.execute("SELECT count(*) FROM annotators WHERE country = 'USA'").fetchone()[0]
    assert any(t.startswith("Participants by country of residence: United States " + f"{n_usa:,}") for t in words)
    assert any(t.startswith("Participants by age: 18-24 ") for t in words)  # natural order, with counts
    busiest = sample_db.execute("SELECT prompt_id FROM prompts ORDER BY n_participants DESC, prompt_id "
                                "LIMIT 1").fetchone()[0]
    at = site("app_pages/prompts.py", prompt=busiest)
    words = [t.value for t in at.text]
    assert any(t.startswith("Places given to each response: Response A first in ") for t in words)
    assert any(t.startswith("Share of those asked who flagged each response: Response A ") for t in words)
    assert not any(t.startswith("Stacked bars") for t in words)  # shape-only descriptions are gone


def test_no_table_on_the_methodology_page_shows_a_literal_none(site):
    at = site("app_pages/methodology.py")
    healthy(at)
    tables = markdown_tables.tables_of(at)
    assert len(tables) >= 3 and not at.table  # Markdown tables: no st.table (its Arrow code) on this page
    for table in tables:
        cells = table.astype(str).to_numpy().ravel().tolist()
        assert not {"None", "nan", "NaN", "<NA>", ""} & set(cells), table.head()
