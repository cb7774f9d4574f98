"""Text from any input made inert for every sink that renders Markdown or HTML: one helper for all of them.

Streamlit renders Markdown (images, links, KaTeX, `:red[...]` directives, icons) in widget labels, help texts,
captions, tab names, expander titles, metric labels and every cell of a Markdown table; Plotly renders a little HTML
(links, styles) in titles and tick labels. Dataset text, ranker-run metadata, file names and group labels reach
them only through `md`, `label` or `plotly`. Invisible characters are shown as `⟨U+200B⟩`, so a label
can neither look like another ("Male" and "Male\u200b") nor reverse the site's own sentence around it.
"""
from __future__ import annotations

import html
import re
import unicodedata

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'])")
_SPACE = re.compile(r"\s+")


def _invisible(ch: str) -> bool:
    return ch not in "\n\t" and unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp", "Co", "Cs")


def visible(text: object) -> str:
    """The text with bidi controls, zero-width and other invisible characters written out as ⟨U+XXXX⟩.

    A zero-width joiner between two pictographs is kept: it is how family and flag emoji are spelled.
    """
    s = str(text)
    if s.isascii() and s.isprintable():
        return s
    out = []
    for i, ch in enumerate(s):
        if _invisible(ch):
            joins_emoji = (ch == "\u200d" and 0 < i < len(s) - 1 and unicodedata.category(s[i + 1]) == "So"
                           and unicodedata.category(s[i - 1]) in ("So", "Mn", "Sk"))
            out.append(ch if joins_emoji else f"⟨U+{ord(ch):04X}⟩")
        else:
            out.append(ch)
    return "".join(out)


def md(text: object) -> str:
    """Backslash-escaped Markdown: shown exactly as written, nothing rendered (for captions and sentences)."""
    return _MD_SPECIAL.sub(r"\\\1", visible(text))


def label(text: object, max_chars: int = 200) -> str:
    """One line of inert text for a label, help text, tab name, expander title or metric label."""
    one_line = _SPACE.sub(" ", visible(text)).strip()
    if len(one_line) > max_chars:
        one_line = one_line[: max_chars - 1] + "…"
    return md(one_line)


def plotly(text: object) -> str:
    """Text for a Plotly title, tick or hover label: HTML-escaped (no link, style or tag is drawn)."""
    return html.escape(visible(text), quote=False)
