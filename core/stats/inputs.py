"""The stage's input: assessments, their ranks and participants' groups as integer-coded numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import config
from core.sqlfiles import sql_folder

query = sql_folder(__file__)


@dataclass
class CodedAssessments:
    """The assessments as integer-coded numpy arrays (one entry per canonical assessment)."""

    prompt_ids: np.ndarray  # sorted unique prompt ids; `prompt` indexes into it
    prompt: np.ndarray
    participant_ids: np.ndarray  # sorted unique annotator ids; `participant` indexes into it
    participant: np.ndarray
    ranks: dict[str, np.ndarray]  # block -> n × 4 tie-group positions, 0 where the block was not asked
    groups: dict[str, tuple[np.ndarray, np.ndarray]]  # field -> (level code per participant, -1 unknown; levels)


def _column(values) -> np.ndarray:
    """A fetched column as a plain numpy array, NULL as None (strings) so masks never leak into the maths."""
    if isinstance(values, np.ma.MaskedArray):
        data = np.ma.getdata(values).astype(object)
        data[np.ma.getmaskarray(values)] = None
        return data
    return np.asarray(values)


def fetch_columns(con, name: str, **params) -> dict[str, np.ndarray]:
    result = con.execute(query(name), params) if params else con.execute(query(name))
    return {k: _column(v) for k, v in result.fetchnumpy().items()}


def load_coded(con) -> CodedAssessments:
    """Read assessments, their ranks and the participants' groups from the store."""
    rows = fetch_columns(con, "agg_assessments")
    prompt_ids, prompt = np.unique(rows["prompt_id"].astype(str), return_inverse=True)
    participant_ids, participant = np.unique(rows["annotator_id"].astype(str), return_inverse=True)
    ranks = {
        block: np.stack([rows[f"{block}_{x.lower()}"].astype(np.int64) for x in config.LETTERS], axis=1)
        for block in config.BLOCKS
    }
    people = fetch_columns(con, "agg_annotators")
    ids = people["annotator_id"].astype(str)
    # Participants without an annotators row keep unknown (-1) levels in every field.
    pos = np.searchsorted(ids, participant_ids)
    pos_ok = pos < len(ids)
    found = np.zeros(len(participant_ids), dtype=bool)
    found[pos_ok] = ids[pos[pos_ok]] == participant_ids[pos_ok]
    groups = {}
    for field in config.GROUP_FIELDS:
        values = people[field]
        known = np.array([v is not None and v != "" for v in values], dtype=bool)
        levels, codes = np.unique(values[known].astype(str), return_inverse=True)
        per_person = np.full(len(ids), -1, dtype=np.int64)
        per_person[known] = codes
        code = np.full(len(participant_ids), -1, dtype=np.int64)
        code[found] = per_person[pos[found]]
        groups[field] = (code, levels)
    return CodedAssessments(
        prompt_ids, prompt.astype(np.int64), participant_ids, participant.astype(np.int64), ranks, groups
    )
