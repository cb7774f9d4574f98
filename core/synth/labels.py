"""The three question labels, worded as released (Unicode-bold level words), assigned with exact counts."""

from __future__ import annotations

import random

_BOLD_LOWER, _BOLD_UPPER = 0x1D5EE, 0x1D5D4  # MATHEMATICAL SANS-SERIF BOLD a / A


def bold(text: str) -> str:
    """Letters to MATHEMATICAL SANS-SERIF BOLD (NFKC maps them back); other characters unchanged."""
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr(_BOLD_LOWER + ord(ch) - ord("a")))
        elif "A" <= ch <= "Z":
            out.append(chr(_BOLD_UPPER + ord(ch) - ord("A")))
        else:
            out.append(ch)
    return "".join(out)


def representativeness_label(level: str) -> str:
    return f"It is {bold(level)} likely that I would ask a question like this to an AI chatbot."


def wording(field: str, key: str) -> str:
    """Released wording of a label key (representativeness keys are level words)."""
    return representativeness_label(key) if field == "representativeness" else key


def assign_exact(rng: random.Random, prompt_of: list[int], counts: dict[str, int]) -> list[str]:
    """Labels with exactly `counts`, correlated within a prompt: sort by prompt latent + noise, cut in order."""
    latent: dict[int, float] = {}
    keys = []
    for i, p in enumerate(prompt_of):
        if p not in latent:
            latent[p] = rng.gauss(0, 1)
        keys.append((latent[p] + rng.gauss(0, 1), i))
    keys.sort()
    labels = [""] * len(prompt_of)
    it = iter(keys)
    for label, count in counts.items():
        for _ in range(count):
            labels[next(it)[1]] = label
    if next(it, None) is not None:
        raise ValueError("label counts do not cover every assessment")
    return labels


def assign_proportional(rng: random.Random, n: int, counts: dict[str, int]) -> list[str]:
    """Labels drawn independently with the same proportions (for annotator-only assessments)."""
    return rng.choices(list(counts), weights=list(counts.values()), k=n)
