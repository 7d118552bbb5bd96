"""Render a report Document as Markdown, in the shape of the seed text.

The title is ``#``, 一、 headings ``##``, （一） ``###``, 1. ``####`` and （1） ``#####``;
every other block is one paragraph; blank lines separate blocks. The unresolved-errors
notice is a block quote right under the title; tables are pipe tables whose amount
columns are right-aligned (``---:``).
"""

from __future__ import annotations

import re

from selfeval_xl.core.report.document import (
    Align,
    Document,
    HeaderLine,
    Heading,
    Notice,
    NumberedPoint,
    Paragraph,
    Table,
    Title,
)

# Characters that would turn plain report text into Markdown markup.
_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_ALIGN_RULE = {Align.LEFT: ":---", Align.CENTER: ":---:", Align.RIGHT: "---:"}


def escape(text: str) -> str:
    """Text with Markdown's inline markup characters backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", text)


def _cell(text: str) -> str:
    return escape(text).replace("|", "\\|").replace("\n", " ")


def _table(t: Table) -> str:
    lines = [f"**{escape(t.caption)}**", ""] if t.caption else []
    lines.append("| " + " | ".join(_cell(h) for h in t.headers) + " |")
    lines.append("|" + "|".join(_ALIGN_RULE[t.alignment(i)] for i in range(len(t.headers)))
                 + "|")
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows)
    return "\n".join(lines)


def _block(b) -> str:
    if isinstance(b, Title):
        return f"# {escape(b.text)}"
    if isinstance(b, Heading):
        return f"{'#' * (b.level + 1)} {escape(b.plain)}"
    if isinstance(b, Notice):
        lines = [f"> **{escape(b.title)}**"]
        lines.extend(f"> - {escape(item)}" for item in b.items)
        return "\n".join(lines)
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, (HeaderLine, Paragraph, NumberedPoint)):
        return escape(b.plain)
    raise TypeError(f"no Markdown for {type(b).__name__}")


def render(doc: Document) -> str:
    """The whole document as Markdown text (ends with one newline)."""
    return "\n\n".join(_block(b) for b in doc.blocks) + "\n"
