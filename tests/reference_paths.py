"""The plain reference paths that collect's fast paths must always agree with.

Kept out of the package: they are what the fast code is compared with
(tests/test_fast_paths.py), value for value and record for record, never what runs.

- :class:`ReferenceSource`: the sheet loop without shortcuts: every cell's column from
  its reference (or, without a usable one, the column after the previous cell's, blank
  cells included), every cell that has children decoded by the general ``_cell_value``;
- :func:`reference_fingerprint_parts`: the evaluation's canonical form computed afresh,
  nothing reused from the last evaluation fingerprinted.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from selfeval_xl.core import fingerprint as fp
from selfeval_xl.read import ooxml_cells
from selfeval_xl.read.ooxml_source import OoxmlSource


class ReferenceSource(OoxmlSource):
    def _parse_cells(self, root: Element, cells: dict[tuple[int, int], object]) -> int:
        ns = self._ns
        data = root.find(ns + "sheetData")
        row_no = max_row = 0
        for row in data if data is not None else ():
            row_no = int(row.get("r") or row_no + 1)
            if row_no > ooxml_cells.MAX_SHEET_ROWS:
                self.rows_cut.add(self._parsing)
                break
            col_no = 0
            for c in row:
                ref = c.get("r")
                col = ooxml_cells._column_of(ref) if ref else None
                col_no = col if col is not None else col_no + 1
                if not len(c):
                    continue
                value = self._cell_value(c, ns)
                if value is not None:
                    cells[(row_no, col_no)] = value
                    max_row = max(max_row, row_no)
        return max_row


def reference_fingerprint_parts(ev) -> dict:
    return fp._canonical(ev)
