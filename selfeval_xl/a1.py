"""A1 ⇄ (column, row) conversions in one place (as XlsxWriter's utility does).

Pure string arithmetic, no library: the core (locations), the reader, the writer and the
builder all cite cells, and none of them should pay for loading openpyxl to do it.
"""

from __future__ import annotations

import re
from functools import lru_cache

_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")
_RANGE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")
MAX_COLUMN = 16384  # XFD, the last column of a worksheet
# Three letters reach ZZZ (18278); like openpyxl, the helpers accept that whole range and
# leave the XFD limit to whoever checks a sheet's extent.
_MAX_LETTERS_INDEX = 18278


def split_ref(ref: str) -> tuple[str, int]:
    """"C5" → ("C", 5)."""
    m = _A1.match(ref.strip().upper())
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    return m.group(1), int(m.group(2))


def cell_ref(col: str | int, row: int) -> str:
    """("C", 5) or (3, 5) → "C5"."""
    letter = col_letter(col) if isinstance(col, int) else col
    return f"{letter}{row}"


@lru_cache(maxsize=None)
def col_index(col: str) -> int:
    """"A" → 1, "AB" → 28, "XFD" → 16384; lower case is accepted."""
    letters = col.upper()
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"not a column: {col!r}")
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


@lru_cache(maxsize=None)
def col_letter(index: int) -> str:
    """1 → "A", 28 → "AB", 16384 → "XFD"."""
    if not 1 <= index <= _MAX_LETTERS_INDEX:
        raise ValueError(f"column index out of range: {index}")
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def range_bounds(ref: str) -> tuple[int, int, int, int]:
    """"B4:D12" → (min_col, min_row, max_col, max_row), 1-based; "C5" is a 1×1 range.

    "$" is allowed and lower case is accepted; the corners are returned as written (not
    reordered), as openpyxl's ``range_boundaries`` does for these forms. Whole columns or
    rows ("A:A", "3:3") are not cell ranges here and raise ValueError.
    """
    m = _RANGE.match(ref)
    if not m:
        raise ValueError(f"not an A1 cell or range: {ref!r}")
    c1, r1, c2, r2 = m.groups()
    min_col, min_row = col_index(c1), int(r1)
    if c2 is None:
        return min_col, min_row, min_col, min_row
    return min_col, min_row, col_index(c2), int(r2)
