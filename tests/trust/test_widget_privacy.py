"""Interactive widgets' results follow the per-table small-group rule: "Rank it yourself" lists countries on a
prompt whose participant total is on the same page, so a hidden country must not be total minus the listed ones.

The truth (participants per country on the prompt and block) is computed here from the raw store tables."""
from __future__ import annotations

import json

import duckdb
import pytest

from components import nav
from core import privacy
from core.config import BLOCKS, HF_CONFIGS, LETTERS
from core.reads import prompt_data as rp
from tests.trust.support import BuiltStore, SiteRunner, build_store, count, exceptions_of, site_on

LEFT_HIDDEN = "Germany"  # 3 participants: the one small country left on the edge prompt (the "3")

TRUTH = """
SELECT a.prompt_id, r.block, p.country, count(DISTINCT a.annotator_id) AS n
FROM assessments a JOIN (SELECT DISTINCT assessment_id, block FROM assessment_ranks) r USING (assessment_id)
LEFT JOIN annotators p USING (annotator_id)
GROUP BY ALL
"""


def _truth(db) -> dict[tuple[str, str], dict[object, int]]:
    out: dict[tuple[str, str], dict[object, int]] = {}
    for prompt_id, block, country, n in db.execute(TRUTH).fetchall():
        out.setdefault((prompt_id, block), {})[country] = n
    return out


def _leak(cells: dict[object, int], listed: set) -> str | None:
    """The subtraction attack: total minus the listed countries must not isolate a group under the minimum."""
    total = sum(cells.values())
    if total < privacy.MIN_PARTICIPANTS:
        return None  # the prompt's own total is hidden on the page
    hidden = [n for c, n in cells.items() if c not in listed]
    if len(hidden) == 1 and hidden[0] < privacy.MIN_PARTICIPANTS:
        return f"one hidden group of {hidden[0]}"
    if hidden and sum(hidden) < privacy.MIN_PARTICIPANTS:
        return f"hidden groups totalling {sum(hidden)}"
    return None


@pytest.fixture(scope="module")
def edge_store(tmp_path_factory) -> BuiltStore:
    """The small-groups release with its anchor prompt trimmed: every country of 10 or more participants keeps
    its assessments there, of the smaller ones only Germany's 3, so the prompt's total minus the listed
    countries is exactly Germany's count unless the list is corrected."""
    from tests.datasets import small_groups

    source = tmp_path_factory.mktemp("edge_release")
    small_groups.generate(source)
    country = {}
    for line in (source / HF_CONFIGS["annotators"]).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        country[row["annotator_id"]] = row["demographics"]["country_of_residence"]
    sizes = {c: list(country.values()).count(c) for c in set(country.values())}
    keep = {c for c, n in sizes.items() if n >= privacy.MIN_PARTICIPANTS} | {LEFT_HIDDEN}
    path = source / HF_CONFIGS["comparisons"]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    anchor = max(rows, key=lambda r: len(r["metadata"]["assessments"]))
    anchor["metadata"]["assessments"] = [a for a in anchor["metadata"]["assessments"]
                                         if country[a["annotator_id"]] in keep]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    build_dir = tmp_path_factory.mktemp("edge_build")
    return BuiltStore(source, build_dir, build_store(source, build_dir), {"anchor": anchor["prompt_id"]})


@pytest.fixture(scope="module")
def db(edge_store):
    con = duckdb.connect(str(edge_store.db_path), read_only=True)
    yield con
    con.close()


def _listed(db, prompt_id: str, block: str) -> set:
    """The countries the panel lists, through the same calls as views/rank_yourself.py."""
    ranks = rp.participant_ranks(db, prompt_id, block)
    shown = privacy.rule_of(rp.country_participants).apply(rp.country_participants(db, prompt_id, block))
    keep = set(shown.loc[~shown["suppressed"] & shown["country"].notna(), "country"])
    crowd = rp.borda_order(ranks[["assessment_id", "letter", "rank"]])
    result = rp.reader_comparison({x: i + 1 for i, x in enumerate(LETTERS)}, crowd, ranks, None,
                                  privacy.MIN_PARTICIPANTS, keep)
    return set(result["countries"]["country"])


def test_rank_yourself_country_list_survives_subtraction_on_every_prompt(db):
    truth = _truth(db)
    problems, tried = [], 0
    for (prompt_id, block), cells in sorted(truth.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if block not in BLOCKS:
            continue
        listed = _listed(db, prompt_id, block)
        assert all(cells[c] >= privacy.MIN_PARTICIPANTS for c in listed)
        leak = _leak(cells, listed)
        if leak:
            problems.append((prompt_id, block, leak))
        tried += 1
    count("rank_yourself_partitions_tried_by_subtraction", tried)
    assert tried and not problems, problems[:5]


def test_rank_yourself_on_the_page_lists_no_recoverable_country(edge_store, db):
    """On the page itself (AppTest, the reader's four places set): the listed countries pass the same check
    on the prompts where a country sits just under the minimum beside listed ones."""
    truth = _truth(db)
    edge = [key for key, cells in truth.items() if key[1] == "world"
            and any(n >= privacy.MIN_PARTICIPANTS for n in cells.values())
            and 0 < sum(n for n in cells.values() if n < privacy.MIN_PARTICIPANTS) < privacy.MIN_PARTICIPANTS][:3]
    assert edge, "the small-groups dataset has no prompt at the edge, so the page check would be vacuous"
    runner = SiteRunner()
    with site_on(edge_store):
        for prompt_id, block in edge:
            at = runner.open(nav.by_url_path("prompts").path, {"prompt": prompt_id, "block": block})
            for i, letter in enumerate(LETTERS):
                at.selectbox(key=f"ry:{prompt_id}:{letter}").set_value(i + 1)
            at.run()
            assert not exceptions_of(at), exceptions_of(at)[:1]
            frames = [f.value for f in at.dataframe if "country_order" in f.value.columns]
            listed = set(frames[0]["country"]) if frames else set()
            assert _leak(truth[prompt_id, block], listed) is None, (prompt_id, listed)
            count("rank_yourself_pages_checked")
