"""`python -m core stats --crowd`: the crowd layer as stored, with the site's small-group rule applied."""

from __future__ import annotations

import math

import pandas as pd

from core import privacy
from core.reads import crowd
from core.stats.crowd import AGREEMENT, CHANCE

OVERALL_KEYS = ("estimate", "ci_low", "ci_high", "n_participants", "n_assessments")
GROUP_KEYS = ("field", "level", *OVERALL_KEYS, "rest_estimate", "difference", "difference_ci_low",
              "difference_ci_high")  # fmt: skip


def _plain(value):
    """JSON-safe scalar: NaN, NA and None become null; numpy numbers become Python numbers."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def _record(row: pd.Series, keys: tuple[str, ...]) -> dict:
    out = {k: _plain(row[k]) for k in keys}
    out["suppressed"] = bool(row["suppressed"])
    out["reason"] = privacy.SUPPRESSED_TEXT if row["suppressed"] else None
    out["reliability"] = row["reliability"]
    return out


def read_crowd(con, block: str, metric: str) -> dict:
    """{"crowd": {"overall": {...}, "groups": [...], "other_measures": [...]}}; suppressed cells are null."""
    cur = con.cursor()
    rule = privacy.rule_of(crowd.overall)
    overall = rule.apply(crowd.overall(cur, AGREEMENT, block, metric))
    groups = privacy.rule_of(crowd.groups).apply(crowd.groups(cur, AGREEMENT, block, metric))
    others = privacy.rule_of(crowd.overall_all).apply(crowd.overall_all(cur))
    others = others[others["measure"] != AGREEMENT]
    empty = dict.fromkeys(OVERALL_KEYS) | {"suppressed": True, "reason": "no defined assessment"}
    return {
        "crowd": {
            "measure": "agreement with the rest of the crowd (leave-one-participant-out mid-rank sums)",
            "block": block,
            "metric": metric,
            "chance": CHANCE[metric],
            "overall": _record(overall.iloc[0], OVERALL_KEYS) if len(overall) else empty,
            "groups": [_record(r, GROUP_KEYS) for _, r in groups.iterrows()],
            "other_measures": [
                {"measure": r["measure"], "block": r["block"], "metric": r["metric"], **_record(r, OVERALL_KEYS)}
                for _, r in others.iterrows()
            ],
        }
    }


def _cell(value, digits: int = 4) -> str:
    return "—" if value is None else (f"{value:.{digits}f}" if isinstance(value, float) else str(value))


def format_crowd(doc: dict) -> str:
    """Plain-text table of the same figures."""
    c = doc["crowd"]
    header = (f"{'group':<40} {'estimate':>9} {'ci_low':>8} {'ci_high':>8} {'n_part':>7} {'n_assess':>9} "
              f"{'diff':>8} {'d_low':>8} {'d_high':>8}")  # fmt: skip
    o = c["overall"]
    lines = [
        f"crowd agreement · block {c['block']} · metric {c['metric']} · chance {c['chance']}",
        "",
        header,
        "-" * len(header),
        f"{'(everyone)':<40} {_cell(o['estimate']):>9} {_cell(o['ci_low']):>8} {_cell(o['ci_high']):>8} "
        f"{_cell(o['n_participants']):>7} {_cell(o['n_assessments']):>9}",
    ]
    for g in c["groups"]:
        name = f"{g['field']}: {g['level']}"[:40]
        lines.append(
            f"{name:<40} {_cell(g['estimate']):>9} {_cell(g['ci_low']):>8} {_cell(g['ci_high']):>8} "
            f"{_cell(g['n_participants']):>7} {_cell(g['n_assessments']):>9} {_cell(g['difference']):>8} "
            f"{_cell(g['difference_ci_low']):>8} {_cell(g['difference_ci_high']):>8}"
            + (f"  ({g['reason']})" if g["suppressed"] else "")
        )
    lines += ["", "other measures:"]
    for m in c["other_measures"]:
        lines.append(f"  {m['measure']} ({m['block']}, {m['metric']}): {_cell(m['estimate'])} "
                     f"[{_cell(m['ci_low'])}, {_cell(m['ci_high'])}] n={_cell(m['n_participants'])}")  # fmt: skip
    return "\n".join(lines)
