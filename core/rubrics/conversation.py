"""One text key per conversation, whatever the message shape: the release's `role`/`content` or OpenAI's internal
`author.role`/`content.parts` (with `system` where the release says `developer`)."""

from __future__ import annotations

import re
import unicodedata

ROLE_ALIASES = {"system": "developer"}  # the release remapped the system role; the rubric file did not
TURN_SEP = "\n\x1e"  # between turns: a separator no normalised text contains
ROLE_SEP = "\x1f"
SPACES = re.compile(r"\s+")
WORD = re.compile(r"\w+|[^\w\s]")


def normalise_text(text: str) -> str:
    """NFKC, every run of white space made one space, ends trimmed: differences no reader would see."""
    return SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def message_text(message: dict) -> tuple[str, str] | None:
    """(role, text) of one message in either shape; None when it has no text (e.g. an empty system turn).

    Raises ValueError when the message has neither shape, so the caller can reject the row with the reason.
    """
    author = message.get("author")
    role = author.get("role") if isinstance(author, dict) else message.get("role")
    if not isinstance(role, str):
        raise ValueError("a message has no author.role or role text")
    content = message.get("content")
    if isinstance(content, dict):
        parts = content.get("parts")
        if not isinstance(parts, list):
            raise ValueError("a message's content has no parts list")
        # Non-text parts (images, tool payloads) carry no words to match on; text parts join with a newline.
        text = "\n".join(p for p in parts if isinstance(p, str))
    elif isinstance(content, str):
        text = content
    else:
        raise ValueError("a message's content is neither text nor a {content_type, parts} object")
    text = normalise_text(text)
    if not text:
        return None
    return ROLE_ALIASES.get(role, role), text


def key(turns: list[tuple[str, str]]) -> str:
    """The conversation as one string: role and normalised text of every turn with text, in order."""
    return TURN_SEP.join(f"{role}{ROLE_SEP}{text}" for role, text in turns)


def tokens(conversation_key: str) -> list[str]:
    """Words and punctuation marks of a key (roles included), casefolded: the units the tolerant match compares."""
    return WORD.findall(conversation_key.casefold())
