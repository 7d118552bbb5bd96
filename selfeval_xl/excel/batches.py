"""Cells grouped so the button writer draws the report sheet in few COM calls.

Every property set through xlwings is a round trip to Excel; a style set once on a union
of ranges ("B5:H9,B12:H12") costs the same as on one cell. These pure helpers turn the
recorded page (cell → style, merges, row heights, column widths) into such groups.
"""

from __future__ import annotations

from typing import Any, Hashable

from selfeval_xl.a1 import col_letter, range_bounds

# Excel's Range() takes an address of at most 255 characters.
ADDRESS_LIMIT = 255

Rect = tuple[int, int, int, int]  # (first row, first col, last row, last col)


def runs(items: list[tuple[int, Any]]) -> list[tuple[tuple[int, int], Any]]:
    """Consecutive keys with one value as ((first, last), value), keys in ascending order:
    [(1, a), (2, a), (4, a)] → [((1, 2), a), ((4, 4), a)]."""
    out: list[tuple[tuple[int, int], Any]] = []
    for key, value in items:
        if out and out[-1][0][1] == key - 1 and out[-1][1] == value:
            out[-1] = ((out[-1][0][0], key), value)
        else:
            out.append(((key, key), value))
    return out


def ref(rect: Rect) -> str:
    """(5, 2, 9, 8) → "B5:H9"; a single cell → "B5"."""
    ra, ca, rb, cb = rect
    first = f"{col_letter(ca)}{ra}"
    return first if (ra, ca) == (rb, cb) else f"{first}:{col_letter(cb)}{rb}"


def join(addresses: list[str]) -> list[str]:
    """Addresses joined with "," into unions Excel's Range() accepts (≤ 255 characters)."""
    out: list[str] = []
    for a in addresses:
        if out and len(out[-1]) + 1 + len(a) <= ADDRESS_LIMIT:
            out[-1] += "," + a
        else:
            out.append(a)
    return out


def unions(rects: list[Rect]) -> list[str]:
    return join([ref(r) for r in rects])


def row_unions(heights: dict[int, float]) -> list[tuple[float, str]]:
    """Rows by height, as unions of whole-row addresses: {5: 20, 6: 20, 9: 20} →
    [(20, "5:6,9:9")], in order of each height's first row."""
    by_height: dict[float, list[int]] = {}
    for r in sorted(heights):
        by_height.setdefault(heights[r], []).append(r)
    return [(h, address) for h, rows in by_height.items()
            for address in join([f"{a}:{b}" for (a, b), _ in runs([(r, 0) for r in rows])])]


def merge_blocks(merges: list[str]) -> list[tuple[Rect, bool]]:
    """Merged ranges as (rectangle, across): one-row merges of the same columns on
    consecutive rows become one block with ``across`` (for Excel's ``Merge(Across:=True)``,
    which merges each row); any other merge is itself, merged whole."""
    one_row: dict[tuple[int, int], set[int]] = {}
    out: list[tuple[Rect, bool]] = []
    for m in merges:
        ca, ra, cb, rb = range_bounds(m)
        if ra == rb:
            one_row.setdefault((ca, cb), set()).add(ra)
        else:
            out.append(((ra, ca, rb, cb), False))
    for (ca, cb), rows in one_row.items():
        out += [((a, ca, b, cb), a != b) for (a, b), _ in runs([(r, 0) for r in sorted(rows)])]
    return sorted(out)


def style_blocks(cells: dict[tuple[int, int], Hashable]) -> dict[Hashable, list[Rect]]:
    """Each style's cells ((row, col) → style) as rectangles: runs of one style along a
    row, stacked when the same run repeats on consecutive rows. Styles in order of first
    appearance (row by row), rectangles in reading order."""
    by_row: dict[int, list[tuple[int, Hashable]]] = {}
    for (r, c), style in cells.items():
        by_row.setdefault(r, []).append((c, style))
    spans: dict[tuple[Hashable, int, int], list[int]] = {}
    for r in sorted(by_row):
        for (ca, cb), style in runs(sorted(by_row[r], key=lambda cs: cs[0])):
            spans.setdefault((style, ca, cb), []).append(r)
    out: dict[Hashable, list[Rect]] = {}
    for (style, ca, cb), rows in spans.items():
        out.setdefault(style, []).extend(
            (a, ca, b, cb) for (a, b), _ in runs([(r, 0) for r in rows]))
    return {style: sorted(rects) for style, rects in out.items()}
