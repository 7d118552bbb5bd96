"""The report as a renderer-neutral document: a flat sequence of typed blocks.

The builder (:mod:`selfeval_xl.core.report.build`) decides *what* the report says; the
renderers (Markdown, Word, the workbook sheet) decide only *how* each block looks. A block
carries its final text (numbering included), so every renderer prints the same words and a
test can compare the document itself with the seed, paragraph by paragraph.

Heading levels follow the official-document numbering: 1 = 一、 2 = （一） 3 = 1. 4 = （1）.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as _date
from enum import Enum

# The numbering lives in its own small module (check names report sections with it without
# loading the blocks below); re-exported here, where the builder and tests take it.
from selfeval_xl.core.report.numbering import cn_number, numbering  # noqa: F401


@dataclass(frozen=True)
class Title:
    """The document title (centred, 方正小标宋 22 pt)."""

    text: str

    @property
    def plain(self) -> str:
        return self.text


@dataclass(frozen=True)
class HeaderLine:
    """One line of the header block, e.g. 部门名称：惠州市政务服务中心.

    Attributes:
        label: 部门名称.
        value: the formatted value (无 for a zero count, the formatted date …).
        separator: what stands between label and value (full-width colon by default).
    """

    label: str
    value: str
    separator: str = "："

    @property
    def plain(self) -> str:
        return f"{self.label}{self.separator}{self.value}"


@dataclass(frozen=True)
class Heading:
    """A section heading with its numbering, e.g. level 2, "（一）", "部门职能".

    Attributes:
        level: 1..4 (一、 / （一） / 1. / （1））; Word maps them to Heading 1..4.
        numbering: the numbering text exactly as printed.
        text: the heading text without numbering.
    """

    level: int
    numbering: str
    text: str

    def __post_init__(self) -> None:
        if not 1 <= self.level <= 4:
            raise ValueError(f"heading level {self.level} is not one of 1..4")

    @property
    def plain(self) -> str:
        return f"{self.numbering}{self.text}"


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph (first line indented two characters)."""

    text: str

    @property
    def plain(self) -> str:
        return self.text


@dataclass(frozen=True)
class NumberedPoint:
    """A numbered body paragraph: "1.完善大厅服务功能…" or "（1）社会效益：…".

    The number is part of the running text (official documents do not use hanging list
    indents), kept apart so a renderer may style it and a test can read it.

    Attributes:
        number: "1." / "（1）".
        text: the rest of the paragraph.
        lead: a run-in heading printed right after the number ("预算编制情况。"); "" if none.
    """

    number: str
    text: str
    lead: str = ""

    @property
    def plain(self) -> str:
        return f"{self.number}{self.lead}{self.text}"


class Align(str, Enum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Table:
    """A table; amounts are right-aligned (``align`` per column).

    Attributes:
        caption: printed above the table ("" for none).
        headers: column headers.
        rows: cell texts, already formatted (amounts with 2 decimals).
        align: one Align per column.
    """

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: tuple[Align, ...] = ()

    def __post_init__(self) -> None:
        width = len(self.headers)
        if any(len(r) != width for r in self.rows):
            raise ValueError("every table row needs one cell per header")
        if self.align and len(self.align) != width:
            raise ValueError("align needs one entry per column")

    def alignment(self, col: int) -> Align:
        return self.align[col] if self.align else Align.LEFT

    @property
    def plain(self) -> str:
        lines = [self.caption] if self.caption else []
        lines.append(" | ".join(self.headers))
        lines.extend(" | ".join(r) for r in self.rows)
        return "\n".join(lines)


@dataclass(frozen=True)
class Notice:
    """A boxed warning on the first page: the data still has unresolved errors.

    Attributes:
        title: one sentence saying what is wrong with this report.
        items: one line per unresolved error ("基本情况!C12 …").
    """

    title: str
    items: tuple[str, ...] = ()

    @property
    def plain(self) -> str:
        return "\n".join((self.title, *self.items))


Block = Title | HeaderLine | Heading | Paragraph | NumberedPoint | Table | Notice


@dataclass(frozen=True)
class Document:
    """The whole report: blocks in reading order, plus facts renderers may print.

    Attributes:
        blocks: the content.
        title: the document title (also the Word/PDF metadata title).
        author: the preparer (metadata only).
        date: the report's date (填报日期), used as the file's created/modified date.
        has_notice: True when an unresolved-errors Notice is in the blocks.
    """

    blocks: tuple[Block, ...]
    title: str = ""
    author: str = ""
    date: _date | None = None
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def has_notice(self) -> bool:
        return any(isinstance(b, Notice) for b in self.blocks)

    def paragraphs(self) -> list[str]:
        """Every block's text in reading order (what a reader sees, numbering included)."""
        return [b.plain for b in self.blocks]

    def headings(self) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading)]
