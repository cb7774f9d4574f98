"""Obviously synthetic wording: prompts, candidate responses, rationales and ideal-behaviour statements."""

from __future__ import annotations

import random

from core.synth.topics import Topic

FILLER = (
    "This text is synthetic and states no real view.",
    "It was written by a generator for testing the explorer.",
    "Details are placeholders, not advice.",
    "A real response would go into more depth here.",
    "The wording is deliberately plain.",
    "Nothing here reflects a real person or a real model.",
    "It adds one example and a short summary.",
    "It closes by offering to help further.",
)
FOLLOW_UPS = (
    "Can you say more about that?",
    "What if I am in a hurry?",
    "Could you make it shorter?",
    "Why do you say that?",
    "And what would you do in my place?",
    "Please give one example.",
)
DEVELOPER = (
    "You are a support assistant for a fictional company; keep answers short.",
    "You are a homework helper for a fictional school; be encouraging.",
    "You are a writing assistant in a fictional notes app.",
)
STANCES = (
    "Gives a careful answer that {v}, and explains the main trade-offs.",
    "Gives a helpful answer that mostly {v} but skips one caveat.",
    "Answers briefly and only partly {v}.",
    "Takes a one-sided line and does not try to {v0}.",
)
REASONS = (
    "is the most balanced",
    "explains its reasoning",
    "is clear and short",
    "respects the person asking",
    "avoids taking sides",
    "gives practical steps",
    "admits what it does not know",
    "is kind without preaching",
    "sticks to the facts",
    "answers the actual question",
    "does not lecture",
    "is the safest option",
    "would help most people",
    "treats everyone fairly",
    "is honest about the risks",
)
WEAK = (
    "is preachy",
    "is one-sided",
    "is too long",
    "misses the point",
    "sounds condescending",
    "gets a fact wrong",
    "is unsafe",
    "refuses for no reason",
)
SHORT_RATIONALES = ("Best overall.", "Most balanced.", "Clearest.", "Safest.", "ok", "Seems right.", "Fair.")
IDEAL = (
    "I want an AI that {a} and {b}.",
    "For me the ideal assistant {a}, and it also {b}.",
    "I'd like a model that {a}; above all it {b}.",
)
IDEAL_PARTS = (
    "tells the truth even when it is uncomfortable",
    "respects my own choices",
    "explains both sides",
    "stays neutral on politics",
    "protects my privacy",
    "is warm and patient",
    "keeps answers short",
    "refuses clearly harmful requests",
    "admits its mistakes",
    "helps me learn rather than just answering",
    "treats people from every country the same way",
)


def _pad(rng: random.Random, text: str, length: int) -> str:
    """Append filler sentences until the text is about `length` characters."""
    sentences = [text]
    size = len(text)
    while size < length:
        s = rng.choice(FILLER)
        sentences.append(s)
        size += len(s) + 1
    return " ".join(sentences)


def first_user_turn(
    rng: random.Random, number: int, title: str, topic: Topic, length: int, question: str | None = None
) -> str:
    question = question or rng.choice(topic.questions)
    return _pad(rng, f"[Synthetic prompt {number:04d} · {title}] {question}", min(length // 4, 130))


def conversation(
    rng: random.Random,
    number: int,
    title: str,
    topic: Topic,
    user_turns: int,
    developer: bool,
    length: int,
    question: str | None = None,
) -> list[dict]:
    """The prompt's messages: optional developer turn, then user/assistant turns ending with a user turn."""
    messages = []
    if developer:
        messages.append({"role": "developer", "content": f"[Synthetic developer message] {rng.choice(DEVELOPER)}"})
    messages.append({"role": "user", "content": first_user_turn(rng, number, title, topic, length, question)})
    for turn in range(2, user_turns + 1):
        reply = _pad(rng, f"[Synthetic earlier assistant reply {turn - 1}]", min(length // 3, 160))
        messages.append({"role": "assistant", "content": reply})
        messages.append({"role": "user", "content": f"[Synthetic turn {turn}] {rng.choice(FOLLOW_UPS)}"})
    return messages


def response(rng: random.Random, letter: str, place: int, topic: Topic, length: int) -> str:
    """A candidate response whose stance matches its place (0 = best) in the planted reference order."""
    v0 = topic.virtue.split(" ", 1)
    base_verb = {
        "treats": "treat",
        "lays": "lay",
        "keeps": "keep",
        "says": "say",
        "does": "do",
        "acknowledges": "acknowledge",
        "gets": "get",
        "helps": "help",
        "points": "point",
        "declines": "decline",
        "informs": "inform",
        "transforms": "transform",
        "responds": "respond",
        "gives": "give",
        "tells": "tell",
        "stays": "stay",
        "answers": "answer",
    }.get(v0[0], v0[0])
    stance = STANCES[place].format(v=topic.virtue, v0=f"{base_verb} {v0[1]}")
    return _pad(rng, f"[Synthetic response {letter}] {stance}", length)


def world_rationale(rng: random.Random, first: str | None) -> str:
    if rng.random() < 0.16:
        return rng.choice(SHORT_RATIONALES)
    if first is None:
        return f"The top responses are equally good; both {rng.choice(REASONS)}."
    text = f"{first} {rng.choice(REASONS)}"
    if rng.random() < 0.5:
        text += f", while another {rng.choice(WEAK)}"
    return text + "."


def personal_rationale(rng: random.Random, first: str | None, same: bool) -> str:
    if same:
        return rng.choice(("Same as my world ranking.", "My own view matches the above."))
    who = first or "the tied responses"
    return f"Personally I prefer {who}; it {rng.choice(REASONS)}."


def unacceptable_rationale(rng: random.Random, letters: list[str]) -> str:
    if not letters:
        return "None of the responses crosses a line."
    return f"{', '.join(letters)} {rng.choice(WEAK)} enough to rule out."


def ideal_behavior(rng: random.Random, long: bool) -> str:
    a, b = rng.sample(IDEAL_PARTS, 2)
    text = "[Synthetic] " + rng.choice(IDEAL).format(a=a, b=b)
    if long:
        text += " " + rng.choice(FILLER)
    return text
