"""A1 ⇄ (column, row) conversions in one place (as XlsxWriter's utility does)."""

from __future__ import annotations

import re

from openpyxl.utils import column_index_from_string, get_column_letter

_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def split_ref(ref: str) -> tuple[str, int]:
    """"C5" → ("C", 5)."""
    m = _A1.match(ref.strip().upper())
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    return m.group(1), int(m.group(2))


def cell_ref(col: str | int, row: int) -> str:
    """("C", 5) or (3, 5) → "C5"."""
    letter = get_column_letter(col) if isinstance(col, int) else col
    return f"{letter}{row}"


def col_index(col: str) -> int:
    return column_index_from_string(col)


def col_letter(index: int) -> str:
    return get_column_letter(index)
