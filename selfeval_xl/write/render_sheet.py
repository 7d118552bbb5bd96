"""Lay a report :class:`~selfeval_xl.core.report.document.Document` out on the 自评报告 sheet.

The sheet is a printable page, not a data table: a grid of :data:`GRID_COLS` columns starting
at the report anchor (``layout.REPORT_ANCHOR``); every text block is one row whose cells are
merged across the grid, wrapped, with a row height computed from the text (Excel does not
auto-fit merged cells). Tables spread their columns over the grid. Every cell's value is the
block's plain text exactly as :meth:`Document.paragraphs` gives it, so a program reading the
sheet reads the same words as the Word file.

Styles are added to the styles part only when an equal one is not there already
(:class:`~selfeval_xl.write.sheet_xml.StyleBook`), so re-rendering adds nothing.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from selfeval_xl.a1 import col_index, col_letter, split_ref
from selfeval_xl.write.sheet_xml import SheetXml, StyleBook
from selfeval_xl.core.report import document as d

GRID_COLS = 8          # B..I on the template
GRID_WIDTH = 11.5      # Excel characters per grid column: 92 in all, an A4 portrait page
FOOTER_COLOR = "FF7F7F7F"
NOTICE_COLOR = "FFC00000"
NOTICE_FILL = "FFFDE9E9"
HEADER_FILL = "FFF2F2F2"

# (font name, size pt, bold); the report's fonts as DESIGN.md gives them, sized for a sheet.
FONTS = {
    "title": ("方正小标宋简体", 18, True),
    "h1": ("黑体", 14, False),
    "h2": ("楷体_GB2312", 14, False),
    "h3": ("仿宋_GB2312", 12, True),
    "body": ("仿宋_GB2312", 12, False),
    "table": ("仿宋_GB2312", 11, False),
    "table_head": ("仿宋_GB2312", 11, True),
    "small": ("仿宋_GB2312", 9, False),
}


@dataclass(frozen=True)
class Placed:
    """What one rendered row holds, for tests and for the writer's summary.

    Attributes:
        row: worksheet row number.
        kind: block kind ("title", "h1" … "table_row", "notice", "footer").
        text: the text written in the row's first cell (tables: cells joined by " | ").
    """

    row: int
    kind: str
    text: str


class _Styles:
    """The handful of cell formats the report uses, created on first use."""

    def __init__(self, book: StyleBook) -> None:
        self.book = book
        self._cache: dict[tuple, int] = {}

    def get(self, font_key: str, *, horizontal: str | None = None, border: bool = False,
            fill: str | None = None, color: str | None = None) -> int:
        key = (font_key, horizontal, border, fill, color)
        if key not in self._cache:
            name, size, bold = FONTS[font_key]
            font = self.book.font(name=name, size=size, bold=bold, color=color)
            self._cache[key] = self.book.xf(font=font, fill=self.book.fill(fill),
                                            border=self.book.border(border),
                                            horizontal=horizontal,
                                            vertical="center" if border else "top")
        return self._cache[key]


def text_width(text: str) -> float:
    """Width of text in Excel character units at 11 pt: CJK and full-width count double."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text)


def row_height(text: str, width_chars: float, size: float) -> float:
    """Points needed to show ``text`` wrapped in a (merged) cell ``width_chars`` wide."""
    scale = size / 11.0
    usable = max(width_chars - 1.0, 1.0)
    lines = sum(max(1, math.ceil(text_width(part) * scale * 1.05 / usable))
                for part in (text.split("\n") or [""]))
    return round(lines * size * 1.45 + 4, 1)


def render(doc: d.Document, sheet: SheetXml, styles: StyleBook, anchor: str,
           footer: str = "") -> list[Placed]:
    """Replace everything from the anchor row down with the document.

    Args:
        doc: the report.
        sheet: the 自评报告 worksheet part, parsed.
        styles: the workbook's styles part.
        anchor: top-left cell of the report ("B2").
        footer: a last line (generated-at time and data fingerprint), "" for none.

    Returns:
        One :class:`Placed` per row written, in order.
    """
    first_col, first_row = split_ref(anchor)
    c0 = col_index(first_col)
    for r in [r for r in sheet.rows() if r >= first_row]:
        sheet.delete_row(r)
    sheet.remove_merges(first_row)
    sheet.remove_hyperlinks(first_row)
    for i in range(GRID_COLS):
        sheet.set_col_width(c0 + i, GRID_WIDTH)

    st = _Styles(styles)
    placed: list[Placed] = []
    row = first_row
    full = f"{col_letter(c0)}{{r}}:{col_letter(c0 + GRID_COLS - 1)}{{r}}"

    def text_row(kind: str, text: str, font_key: str, **style) -> None:
        nonlocal row
        sheet.set(f"{col_letter(c0)}{row}", text, st.get(font_key, **style))
        for i in range(1, GRID_COLS):  # the merged cells carry the style (borders, fill)
            sheet.set(f"{col_letter(c0 + i)}{row}", None, st.get(font_key, **style))
        sheet.add_merge(full.format(r=row))
        size = FONTS[font_key][1]
        _height(sheet, row, row_height(text, GRID_COLS * GRID_WIDTH, size))
        placed.append(Placed(row, kind, text))
        row += 1

    for block in doc.blocks:
        if isinstance(block, d.Title):
            text_row("title", block.plain, "title", horizontal="center")
        elif isinstance(block, d.HeaderLine):
            text_row("header", block.plain, "body")
        elif isinstance(block, d.Heading):
            key = {1: "h1", 2: "h2"}.get(block.level, "h3")
            text_row(f"h{block.level}", block.plain, key)
        elif isinstance(block, (d.Paragraph, d.NumberedPoint)):
            text_row("paragraph" if isinstance(block, d.Paragraph) else "point",
                     block.plain, "body")
        elif isinstance(block, d.Notice):
            text_row("notice", block.title, "body", border=True, fill=NOTICE_FILL,
                     color=NOTICE_COLOR)
            for item in block.items:
                text_row("notice_item", item, "table", border=True, fill=NOTICE_FILL,
                         color=NOTICE_COLOR)
        elif isinstance(block, d.Table):
            if block.caption:
                text_row("table_caption", block.caption, "table_head", horizontal="center")
            row = _table(sheet, st, block, c0, row, placed)
        else:  # a block kind this renderer does not know yet: print its text, lose nothing
            text_row("other", getattr(block, "plain", str(block)), "body")
    if footer:
        text_row("footer", footer, "small", color=FOOTER_COLOR)
    sheet.update_dimension()
    return placed


def grid_width(doc: d.Document) -> int:
    """Columns the rendered report uses: the grid, or more for a table with more columns."""
    return max([GRID_COLS, *(len(b.headers) for b in doc.blocks if isinstance(b, d.Table))])


def spans(table: d.Table, grid: int = GRID_COLS) -> list[int]:
    """How many grid columns each table column takes, by the width of its longest text."""
    k = len(table.headers)
    if k >= grid:
        return [1] * k
    need = [max(text_width(t) for t in [table.headers[i], *(r[i] for r in table.rows)]) or 1
            for i in range(k)]
    out = [1] * k
    for _ in range(grid - k):  # give each spare column to the most cramped one
        i = max(range(k), key=lambda j: need[j] / out[j])
        out[i] += 1
    return out


def _table(sheet: SheetXml, st: _Styles, table: d.Table, c0: int, row: int,
           placed: list[Placed]) -> int:
    widths = spans(table)
    for kind, cells in [("table_head", table.headers), *(("table_row", r) for r in table.rows)]:
        col = c0
        height = 0.0
        for i, text in enumerate(cells):
            if kind == "table_head":
                style = st.get("table_head", horizontal="center", border=True, fill=HEADER_FILL)
                size = FONTS["table_head"][1]
            else:
                style = st.get("table", horizontal=table.alignment(i).value, border=True)
                size = FONTS["table"][1]
            sheet.set(f"{col_letter(col)}{row}", text, style)
            for j in range(1, widths[i]):
                sheet.set(f"{col_letter(col + j)}{row}", None, style)
            if widths[i] > 1:
                sheet.add_merge(f"{col_letter(col)}{row}:{col_letter(col + widths[i] - 1)}{row}")
            height = max(height, row_height(text, widths[i] * GRID_WIDTH, size))
            col += widths[i]
        _height(sheet, row, height)
        placed.append(Placed(row, kind, " | ".join(cells)))
        row += 1
    return row


def _height(sheet: SheetXml, r: int, points: float) -> None:
    el = sheet.row(r)
    el.set("ht", f"{points:g}")
    el.set("customHeight", "1")
