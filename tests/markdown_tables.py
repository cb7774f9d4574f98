"""Markdown tables a page wrote (components.tables.markdown_table), read back from AppTest as DataFrames of text."""
from __future__ import annotations

import re

import pandas as pd

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_ESCAPE = re.compile(r"\\(.)")


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]  # the row's outer pipes
    return [_ESCAPE.sub(r"\1", cell.strip()) for cell in _UNESCAPED_PIPE.split(inner)]


def parse(text: str) -> list[pd.DataFrame]:
    """Every pipe table in one Markdown text: header, separator, rows."""
    lines, out, i = text.splitlines(), [], 0
    while i + 1 < len(lines):
        if lines[i].startswith("| ") and set(lines[i + 1].replace(" ", "")) <= set("|-:") and "---" in lines[i + 1]:
            header, rows, i = _cells(lines[i]), [], i + 2
            while i < len(lines) and lines[i].startswith("| "):
                rows.append(_cells(lines[i]))
                i += 1
            out.append(pd.DataFrame(rows, columns=header))
        else:
            i += 1
    return out


def tables_of(at) -> list[pd.DataFrame]:
    return [df for element in at.markdown for df in parse(str(element.value))]


def number(cell: str) -> float | None:
    """A cell as a number ('18,384' -> 18384.0), or None for text and the '–' of a missing value."""
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return None


def with_column(at, header: str) -> pd.DataFrame:
    """The first Markdown table the page wrote that has a column named `header`."""
    return next(df for df in tables_of(at) if header in df.columns)


def link(cell: str) -> tuple[str, str]:
    """(text, URL) of a cell written as a Markdown link (components.tables.reading_text): '[text](url)'."""
    assert cell.startswith("[") and cell.endswith(")"), cell
    text, _, url = cell[1:-1].rpartition("](")
    return text, url

