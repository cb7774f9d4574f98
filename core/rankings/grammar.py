"""The release's ranking grammar (`B>A>C=D`): parse, validate and format."""

from __future__ import annotations

from core.config import LETTERS

Ranks = dict[str, int]  # letter -> position of its tie group, 1 = best


class RankingError(ValueError):
    """A ranking string that does not follow the grammar; `reason` is a machine-readable code."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def parse_ranking(text: object, letters: tuple[str, ...] = LETTERS) -> Ranks:
    """Parse `B>C>D=A` into {B: 1, C: 2, D: 3, A: 3}; every letter must appear exactly once."""
    if not isinstance(text, str):
        raise RankingError("ranking_not_string", f"ranking is {type(text).__name__}, not a string")
    # Consumers of the release strip spaces defensively; none has been seen, so this is cheap insurance.
    compact = "".join(text.split())
    if not compact:
        raise RankingError("ranking_empty", "ranking is empty")
    ranks: Ranks = {}
    for position, group in enumerate(compact.split(">"), start=1):
        members = group.split("=")
        for letter in members:
            if letter == "":
                raise RankingError("ranking_syntax", f"empty place in {text!r}")
            if letter not in letters:
                raise RankingError("ranking_bad_letter", f"{letter!r} is not one of {''.join(letters)} in {text!r}")
            if letter in ranks:
                raise RankingError("ranking_repeated_letter", f"{letter} appears twice in {text!r}")
            ranks[letter] = position
    missing = [x for x in letters if x not in ranks]
    if missing:
        raise RankingError("ranking_missing_letter", f"{''.join(missing)} missing from {text!r}")
    return ranks


def format_ranking(ranks: Ranks) -> str:
    """Canonical string for ranks: groups best first, letters inside a tie alphabetised."""
    groups: dict[int, list[str]] = {}
    for letter, position in ranks.items():
        groups.setdefault(position, []).append(letter)
    return ">".join("=".join(sorted(groups[p])) for p in sorted(groups))


def top_choice(ranks: Ranks) -> str | None:
    """The single first choice, or None when first place is shared."""
    best = min(ranks.values())
    firsts = [x for x, r in ranks.items() if r == best]
    return firsts[0] if len(firsts) == 1 else None
