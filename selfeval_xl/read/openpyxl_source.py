"""A :class:`BookSource` over openpyxl workbooks already in memory.

The file reader (``ooxml_source``) is faster and guards against hostile files; this one
serves code that already holds openpyxl workbooks (the workbook writer, tests), and
doubles as an independent second implementation: the tests read the same files through
both and require identical results.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from selfeval_xl.read.book_source import CellError, Uncached, bounds, split_sheet_ref
from selfeval_xl.read.numfmt import LOCALE_DATE_FORMATS, from_excel


class OpenpyxlSource:
    """Reads cached values from ``values_wb`` (loaded with ``data_only=True``) and, when
    ``formulas_wb`` (the same file loaded normally) is given, formula texts from it.

    openpyxl cannot tell a formula whose stored result is "" from one with no stored
    result: both come back as :class:`Uncached` here (``ooxml_source`` gives "").
    """

    def __init__(self, values_wb: Workbook, formulas_wb: Workbook | None = None, *,
                 calc_stale: bool = False) -> None:
        self.wb = values_wb
        self.fwb = formulas_wb
        # Not taken from values_wb.calculation: openpyxl reports fullCalcOnLoad=True for
        # every file, whether or not the file says so.
        self.calc_stale = calc_stale

    @classmethod
    def open(cls, path: str | Path) -> "OpenpyxlSource":
        """Load a file twice (values, formulas). Trusted files only: no size limits here."""
        with zipfile.ZipFile(path) as zf:
            calc = re.search(rb"<calcPr[^>]*>", zf.read("xl/workbook.xml"))
        stale = bool(calc and re.search(rb'fullCalcOnLoad="(1|true)"', calc.group(0)))
        return cls(load_workbook(path, data_only=True), load_workbook(path), calc_stale=stale)

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def defined_name(self, name: str) -> tuple[str, str] | None:
        for key, dn in self.wb.defined_names.items():
            if key.lower() == name.lower():
                text = dn.attr_text or ""
                return split_sheet_ref(text) or ("", text)
        return None

    def table(self, name: str) -> tuple[str, str] | None:
        for ws in self.wb.worksheets:
            for t in ws.tables.values():  # TableList.items() gives refs, not tables
                if (t.displayName or t.name or "").lower() == name.lower():
                    min_col, min_row, max_col, max_row = bounds(t.ref)
                    max_row -= max(0, min(t.totalsRowCount or 0, max_row - min_row))
                    return ws.title, (f"{get_column_letter(min_col)}{min_row}:"
                                      f"{get_column_letter(max_col)}{max_row}")
        return None

    def values(self, sheet: str, ref: str) -> list[list[object]]:
        ws = self.wb[sheet]
        fws = self.fwb[sheet] if self.fwb is not None else None
        min_col, min_row, max_col, max_row = bounds(ref)
        max_row = min(max_row, ws.max_row)  # rows past the last one used are blank
        out = []
        for r in range(min_row, max_row + 1):
            row = []
            for c in range(min_col, max_col + 1):
                cell = ws._cells.get((r, c))  # noqa: SLF001 - no cell creation for blanks
                value = cell.value if cell is not None else None
                if cell is not None and cell.data_type == "e":
                    value = CellError(str(value))
                elif isinstance(value, (int, float)) and not isinstance(value, bool) \
                        and cell._style.numFmtId in LOCALE_DATE_FORMATS:  # noqa: SLF001
                    # openpyxl reads the East Asian built-in date formats as "General"
                    # (read/numfmt.py): the date as the file reader gives it
                    value = from_excel(value, self.wb.epoch)
                if fws is not None:
                    fcell = fws._cells.get((r, c))  # noqa: SLF001
                    formula = fcell.value if fcell is not None else None
                    if isinstance(formula, str) and formula.startswith("=") and fcell.data_type == "f" \
                            and (value is None or self.calc_stale):
                        value = Uncached(formula[1:].strip())
                row.append(value)
            out.append(row)
        return out

    def merged_ranges(self, sheet: str) -> list[str]:
        return [str(r) for r in self.wb[sheet].merged_cells.ranges]
