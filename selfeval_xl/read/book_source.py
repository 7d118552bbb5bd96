"""The few things the reader needs from a workbook, as a protocol any backend can implement.

The reader (``read/reader.py``) finds every piece of data through workbook-scoped
defined names and table names, then asks for the cached values of those ranges. That is
all a backend must provide, so the same reader runs on a file (``ooxml_source``: the zip
parsed safely with defusedxml), on an openpyxl workbook (``openpyxl_source``) and inside
Excel (the xlwings adapter).

Values are plain Python objects: ``None`` (blank), ``str``, ``int``, ``float``, ``bool``,
``datetime`` (a number in a date-formatted cell), :class:`CellError` (an error value such
as ``#DIV/0!``) or :class:`Uncached` (a formula whose result was never stored, as in a
file written by a program and never opened in Excel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from selfeval_xl.a1 import range_bounds


class BookError(Exception):
    """A file-level failure: the file cannot be read as a workbook at all.

    Attributes:
        code: stable finding code (docs/reading.md), e.g. "READ_ENCRYPTED".
        message: Chinese explanation for the officer or the bureau.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CellError:
    """An Excel error value held by a cell, e.g. ``CellError("#DIV/0!")``."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Uncached:
    """A formula cell with no stored result; ``formula`` is its text without the "="."""

    formula: str


@runtime_checkable
class BookSource(Protocol):
    """What the reader asks of a workbook. All refs are A1 without "$" ("C4", "B4:D12").

    Optional: ``merged_ranges(sheet) -> list[str]`` (A1 ranges of merged cells), used to
    report input cells swallowed by a merge; ``calc_stale: bool``, True when the file's
    formula results were never computed by a spreadsheet (then every formula cell is
    given as :class:`Uncached`).
    """

    def sheet_names(self) -> list[str]:
        """Worksheet names in workbook order."""

    def defined_name(self, name: str) -> tuple[str, str] | None:
        """(sheet, ref) of a workbook-scoped defined name; None when there is no such name.

        A name that exists but does not point at a cell range (``#REF!``, a constant, a
        formula) is returned as ``("", text)`` so the reader can report what it holds.
        """

    def table(self, name: str) -> tuple[str, str] | None:
        """(sheet, ref) of a table's header row and data rows (never its totals row)."""

    def values(self, sheet: str, ref: str) -> list[list[object]]:
        """Cached values of a rectangular range, row by row (blank cells are None)."""


_QUOTED = re.compile(r"^'((?:[^']|'')+)'!(.+)$")
_PLAIN = re.compile(r"^([^!'\s][^!]*)!(.+)$")
_AREA = re.compile(r"^\$?[A-Za-z]{1,3}\$?\d+(:\$?[A-Za-z]{1,3}\$?\d+)?$")


def split_sheet_ref(text: str) -> tuple[str, str] | None:
    """``'基本情况'!$C$4`` → ("基本情况", "C4"); None for anything but one cell range."""
    text = text.strip()
    if text.startswith("="):
        text = text[1:]
    m = _QUOTED.match(text)
    if m:
        sheet, ref = m.group(1).replace("''", "'"), m.group(2)
    else:
        m = _PLAIN.match(text)
        if not m:
            return None
        sheet, ref = m.group(1), m.group(2)
    ref = ref.replace("$", "").upper()
    return (sheet, ref) if valid_ref(ref) else None


def valid_ref(ref: str) -> bool:
    """An A1 cell or range inside Excel's grid (XFD1048576), top-left first."""
    if not _AREA.match(ref):
        return False
    try:
        min_col, min_row, max_col, max_row = range_bounds(ref)
    except ValueError:
        return False
    return 1 <= min_col <= max_col <= 16384 and 1 <= min_row <= max_row <= 1048576


def bounds(ref: str) -> tuple[int, int, int, int]:
    """"B4:D12" → (min_col, min_row, max_col, max_row), 1-based; a cell is a 1×1 range."""
    return range_bounds(ref)
