"""Join rubric rows to prompts by conversation text: exact first, then a tolerant match with a recorded score.

No key links the rubric file to the prompts (conversation.id and prompt_id are disjoint), and the same
conversation is worded slightly differently in the two files ("stop eat" vs "stop eating"). Both sides are
reduced to one key (core.rubrics.conversation.key). A row whose key equals exactly one prompt's key joins
*exactly*. Otherwise its words are compared with every prompt's: the candidates sharing the most distinct
words (Jaccard) are scored with difflib's ratio over the word sequences; the best joins *tolerantly* when it
scores at least TOLERANT_MIN and the runner-up differs at least RUNNER_UP_FACTOR times as much
(1 - ratio) as the best does. Everything else is
*ambiguous* (two prompts fit about as well, or share the exact text, or the prompt is already taken by an
exact join) or *unmatched*. Every row ends in exactly one of these four states.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass

from core.rubrics import conversation

TOLERANT_MIN = 0.9
RUNNER_UP_FACTOR = 1.5  # the runner-up must differ at least this many times as much as the best
CANDIDATES = 8  # prompts scored with difflib per unjoined row, chosen by shared words
EXACT, TOLERANT, AMBIGUOUS, UNMATCHED = "joined_exact", "joined_tolerant", "ambiguous", "unmatched"
STATUSES = (EXACT, TOLERANT, AMBIGUOUS, UNMATCHED)


@dataclass
class Join:
    """Where one rubric row landed: its status, prompt (joined only), score and the runner-up."""

    status: str
    prompt_id: str | None
    score: float | None
    runner_up_prompt_id: str | None = None
    runner_up_score: float | None = None
    reason: str = ""


def prompt_keys(messages: dict[str, list]) -> dict[str, str]:
    """prompt_id -> key from the store's message columns (prompt_id, role, content in turn order)."""
    turns: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for prompt_id, role, content in zip(messages["prompt_id"], messages["role"], messages["content"], strict=True):
        text = conversation.normalise_text(content or "")
        if text:
            turns[prompt_id].append((conversation.ROLE_ALIASES.get(role, role), text))
    return {p: conversation.key(t) for p, t in turns.items()}


def _ratio(a: list[str], b: list[str]) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def join(rubric_keys: list[str], prompts: dict[str, str]) -> list[Join]:
    """One Join per rubric key, in order."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for prompt_id, k in prompts.items():
        by_key[k].append(prompt_id)
    out: list[Join | None] = [None] * len(rubric_keys)
    taken: dict[str, int] = {}  # prompt -> the one row joined exactly to it
    claims: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(rubric_keys):
        hits = by_key.get(k, [])
        if len(hits) == 1:
            claims[hits[0]].append(i)
        elif len(hits) > 1:
            out[i] = Join(AMBIGUOUS, None, 1.0, hits[1], 1.0, f"the exact text of {len(hits)} prompts")
    for prompt_id, rows in claims.items():
        if len(rows) == 1:
            taken[prompt_id] = rows[0]
            out[rows[0]] = Join(EXACT, prompt_id, 1.0)
        else:
            for i in rows:
                out[i] = Join(AMBIGUOUS, None, 1.0, prompt_id, 1.0, f"{len(rows)} rubric rows have this prompt's text")
    pending = [i for i, j in enumerate(out) if j is None]
    if pending:
        ids = list(prompts)
        words = [conversation.tokens(prompts[p]) for p in ids]
        sets = [set(w) for w in words]
        for i in pending:
            out[i] = _tolerant(conversation.tokens(rubric_keys[i]), ids, words, sets, taken)
    tolerant: dict[str, list[int]] = defaultdict(list)
    for i, j in enumerate(out):
        if j is not None and j.status == TOLERANT and j.prompt_id is not None:
            tolerant[j.prompt_id].append(i)
    for prompt_id, rows in tolerant.items():
        if len(rows) > 1:  # two rows closest to one prompt: neither is trusted
            for i in rows:
                score = out[i].score  # type: ignore[union-attr]
                out[i] = Join(AMBIGUOUS, None, score, prompt_id, score, f"{len(rows)} rows fit this prompt best")
    result = [j for j in out if j is not None]
    assert len(result) == len(rubric_keys)
    return result


def _tolerant(mine: list[str], ids: list[str], words: list[list[str]], sets: list[set], taken: dict) -> Join:
    own = set(mine)
    overlap = sorted(
        ((len(own & s) / (len(own | s) or 1), n) for n, s in enumerate(sets)), key=lambda t: t[0], reverse=True
    )[:CANDIDATES]
    scored = sorted(((_ratio(mine, words[n]), ids[n]) for _, n in overlap), reverse=True)
    if not scored:
        return Join(UNMATCHED, None, None, reason="no prompt to compare with")
    best, prompt_id = scored[0]
    second, second_id = scored[1] if len(scored) > 1 else (0.0, None)
    if best < TOLERANT_MIN:
        return Join(UNMATCHED, None, best, prompt_id, best, f"best score below {TOLERANT_MIN}")
    if (1 - second) < RUNNER_UP_FACTOR * (1 - best) or best == second:
        return Join(AMBIGUOUS, None, best, second_id, second, "the runner-up fits about as well")
    if prompt_id in taken:
        return Join(AMBIGUOUS, None, best, prompt_id, best, "the closest prompt already has an exact rubric")
    return Join(TOLERANT, prompt_id, best, second_id, second)
